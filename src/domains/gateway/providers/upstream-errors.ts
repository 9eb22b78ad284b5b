import { errorTypeFor } from '../../../platform/common/errors/api-error';
import { type FailureKind, UpstreamError } from './provider';

/** How LiteLLM names the upstream in its messages (`OpenAIException - ...`). */
export type UpstreamLabel = 'OpenAIException' | 'AzureException' | 'AnthropicException';

interface StatusClass {
  kind: FailureKind;
  /** LiteLLM's exception class, which prefixes the message (`litellm.RateLimitError: `). */
  litellmClass: string;
  /** The repeated class name LiteLLM puts after the prefix for OpenAI-compatible upstreams. */
  inner?: string;
}

const STATUS_CLASSES: Record<number, StatusClass> = {
  400: { kind: 'client', litellmClass: 'BadRequestError' },
  401: { kind: 'client', litellmClass: 'AuthenticationError', inner: 'AuthenticationError' },
  403: { kind: 'client', litellmClass: 'PermissionDeniedError' },
  404: { kind: 'client', litellmClass: 'NotFoundError', inner: 'NotFoundError' },
  408: { kind: 'timeout', litellmClass: 'Timeout', inner: 'Timeout Error' },
  413: { kind: 'client', litellmClass: 'BadRequestError' },
  422: { kind: 'client', litellmClass: 'BadRequestError' },
  429: { kind: 'rate_limited', litellmClass: 'RateLimitError', inner: 'RateLimitError' },
  500: { kind: 'server', litellmClass: 'InternalServerError', inner: 'InternalServerError' },
  502: { kind: 'server', litellmClass: 'BadGatewayError', inner: 'BadGatewayError' },
  503: { kind: 'server', litellmClass: 'ServiceUnavailableError', inner: 'ServiceUnavailableError' },
  504: { kind: 'timeout', litellmClass: 'Timeout', inner: 'Timeout Error' },
  // Anthropic's "overloaded": LiteLLM reports it as an internal server error.
  529: { kind: 'server', litellmClass: 'InternalServerError', inner: 'InternalServerError' },
};

/**
 * 400s LiteLLM names more precisely from the upstream's text: the router falls back on
 * context-window errors (`context_window_fallbacks`) and content-policy errors separately.
 */
function refinedClientClass(status: number, bodyText: string): StatusClass | undefined {
  if (status !== 400) return undefined;
  const lower = bodyText.toLowerCase();
  if (
    lower.includes('context_length_exceeded') ||
    lower.includes('maximum context length') ||
    lower.includes('prompt is too long')
  ) {
    return {
      kind: 'client',
      litellmClass: 'ContextWindowExceededError',
      inner: 'ContextWindowExceededError',
    };
  }
  if (lower.includes('content_policy_violation') || lower.includes('content_filter')) {
    return {
      kind: 'client',
      litellmClass: 'ContentPolicyViolationError',
      inner: 'ContentPolicyViolationError',
    };
  }
  return undefined;
}

function classFor(status: number): StatusClass {
  return (
    STATUS_CLASSES[status] ?? {
      kind: status >= 500 ? 'server' : 'client',
      litellmClass: 'APIError',
      inner: 'APIError',
    }
  );
}

/**
 * An upstream's non-2xx answer as LiteLLM shows it: `litellm.RateLimitError: RateLimitError:
 * OpenAIException - <the upstream's message>` (Anthropic: `litellm.RateLimitError:
 * AnthropicException - <the upstream's body>`), the upstream's status (529 reads as 500) and
 * its error type. The deployment's key is masked wherever the upstream echoed it.
 */
export function errorFromResponse(
  label: UpstreamLabel,
  status: number,
  bodyText: string,
  apiKey: string | undefined,
): UpstreamError {
  const parsed = parseJson(bodyText);
  const upstreamError = errorObject(parsed);
  const cls = refinedClientClass(status, bodyText) ?? classFor(status);
  let detail: string;
  if (label === 'AnthropicException') {
    detail = `${label} - ${truncate(bodyText)}`;
  } else {
    const message = typeof upstreamError?.message === 'string' ? upstreamError.message : bodyText;
    detail = `${label} - ${truncate(message)}`;
    if (cls.inner) detail = `${cls.inner}: ${detail}`;
  }
  const type = typeof upstreamError?.type === 'string' ? upstreamError.type : errorTypeFor(status);
  const clientStatus = status === 529 ? 500 : status;
  return new UpstreamError(
    cls.kind,
    clientStatus,
    redact(`litellm.${cls.litellmClass}: ${detail}`, apiKey),
    type,
    redactBody(parsed, apiKey),
  );
}

/** Errors codes undici and Node use for "could not reach the upstream at all". */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const ABORT_CODES = new Set(['UND_ERR_ABORTED', 'ABORT_ERR']);

/**
 * A failure below HTTP (refused, reset, timed out, aborted) as LiteLLM shows it: connection
 * errors are `litellm.APIConnectionError` (500), timeouts `litellm.Timeout` (408). A request the
 * client abandoned is a 499 nobody will read, marked `client` so the router does not retry it.
 */
export function errorFromNetwork(label: UpstreamLabel, error: unknown, timeoutMs: number): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const code = errorCode(error);
  if (TIMEOUT_CODES.has(code)) {
    const seconds = Math.round(timeoutMs / 100) / 10;
    return new UpstreamError(
      'timeout',
      408,
      `litellm.Timeout: ${label} - Request timed out after ${seconds} seconds.`,
      'timeout_error',
    );
  }
  if (ABORT_CODES.has(code) || (error as Error | undefined)?.name === 'AbortError') {
    return new UpstreamError(
      'client',
      499,
      'Client disconnected before the upstream answered.',
      'client_closed',
    );
  }
  const reason = CONNECT_CODES.has(code) ? 'Connection error.' : 'Upstream connection failed.';
  return new UpstreamError(
    'connect',
    500,
    `litellm.APIConnectionError: ${label} - ${reason}`,
    'api_connection_error',
  );
}

function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** OpenAI and Azure: `{error:{message,type}}`; Anthropic: `{type:"error",error:{type,message}}`. */
function errorObject(body: unknown): { message?: unknown; type?: unknown } | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const inner = (body as { error?: unknown }).error;
  if (inner && typeof inner === 'object') return inner as { message?: unknown; type?: unknown };
  if (typeof inner === 'string') return { message: inner };
  return body as { message?: unknown };
}

const MAX_MESSAGE = 2000;

function truncate(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}...` : text;
}

/** Masks the key wherever an upstream echoed it back (some do, in 401 messages). */
export function redact(text: string, apiKey: string | undefined): string {
  if (!apiKey || apiKey.length < 4 || !text.includes(apiKey)) return text;
  return text.split(apiKey).join('********');
}

function redactBody(body: unknown, apiKey: string | undefined): unknown {
  if (body === undefined || !apiKey) return body;
  const text = JSON.stringify(body);
  return text.includes(apiKey) ? (JSON.parse(redact(text, apiKey)) as unknown) : body;
}
