import { encryptSecret, tryDecryptSecret } from '../../../platform/common/secrets';

type Params = Record<string, unknown>;

/**
 * `litellm_params` as LiteLLM stores them: every string value encrypted on its own (spec
 * secrets.md), other values as they are.
 */
export function encryptParams(params: Params, saltKey: string): Params {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? encryptSecret(v, saltKey) : v]),
  );
}

/**
 * Stored `litellm_params` in the clear: each string that decrypts is replaced, the others kept as
 * they are (rows written by hand or by older code hold plain values). Without a salt key nothing
 * can be decrypted, so the values are kept.
 */
export function decryptParams(params: Params, saltKey: string | undefined): Params {
  if (saltKey === undefined) return { ...params };
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [
      k,
      typeof v === 'string' ? (tryDecryptSecret(v, saltKey) ?? v) : v,
    ]),
  );
}

/** Credentials LiteLLM removes before showing a deployment (`remove_sensitive_info_from_deployment`), and their kin. */
const SECRET_PARAMS = new Set([
  'api_key',
  'vertex_credentials',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'azure_ad_token',
  'client_secret',
]);

const isSecretParam = (name: string) =>
  SECRET_PARAMS.has(name) || /(^|_)(secret|password)(_|$)/.test(name) || name.endsWith('_api_key');

/** `litellm_params` fit to show: credentials left out (the rest, `api_base` included, as LiteLLM shows). */
export function publicParams(params: Params): Params {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !isSecretParam(k)));
}

/** A JSON column LiteLLM may have written as a JSON string (`json.dumps` into a Json field). */
export function jsonObject(value: unknown): Params {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? { ...(parsed as Params) }
    : {};
}
