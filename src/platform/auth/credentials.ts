import { unauthorized } from '../common/errors/api-error';

type Headers = Record<string, string | string[] | undefined>;

const PREFIX = /^(Bearer|bearer|Basic) /;
/** Header names checked after `x-litellm-api-key` and `Authorization`, in LiteLLM's order. */
const OTHER_HEADERS = ['api-key', 'x-api-key', 'x-goog-api-key', 'ocp-apim-subscription-key'];

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * The presented credential, in LiteLLM's precedence: `x-litellm-api-key` (prefix optional),
 * then `Authorization` (which must carry `Bearer `), then the provider-style headers.
 * Returns undefined when none is present.
 */
export function extractCredential(headers: Headers): string | undefined {
  const litellm = first(headers['x-litellm-api-key'])?.trim();
  if (litellm) return litellm.replace(PREFIX, '').trim() || undefined;
  const authorization = first(headers['authorization']);
  if (authorization !== undefined && authorization.trim() !== '') {
    if (!PREFIX.test(authorization)) {
      throw unauthorized(
        'Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.',
      );
    }
    return authorization.replace(PREFIX, '').trim() || undefined;
  }
  for (const name of OTHER_HEADERS) {
    const value = first(headers[name])?.trim();
    if (value) return value;
  }
  return undefined;
}
