/**
 * A domain error that maps straight onto LiteLLM's envelope
 * `{"error":{"message","type","param","code"}}`. Services throw these; the exception filter
 * renders them. `type` names the error class (LiteLLM often says `internal_server_error` even
 * for 4xx; we say what it is).
 */
export class ApiError extends Error {
  /** Response headers that go with the error (e.g. `retry-after` on a 429). */
  headers?: Record<string, string>;

  constructor(
    readonly status: number,
    message: string,
    readonly type: string = errorTypeFor(status),
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  withHeaders(headers: Record<string, string>): this {
    this.headers = { ...this.headers, ...headers };
    return this;
  }
}

/** One item of FastAPI's 422 `detail` list, which some LiteLLM clients read. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
}

/** Body, query or path shape is wrong: 422 as FastAPI answers in LiteLLM. */
export class RequestValidationError extends ApiError {
  constructor(readonly issues: ValidationIssue[]) {
    const first = issues[0];
    super(
      422,
      issues.map((i) => `${i.loc.slice(1).join('.') || i.loc[0]}: ${i.msg}`).join('; ') || 'Invalid request',
      'validation_error',
      first ? first.loc.slice(1).join('.') || null : null,
    );
  }
}

export function errorTypeFor(status: number): string {
  switch (status) {
    case 400:
      return 'bad_request_error';
    case 401:
    case 403:
      return 'auth_error';
    case 404:
      return 'not_found_error';
    case 405:
      return 'method_not_allowed_error';
    case 409:
      return 'conflict_error';
    case 413:
      return 'payload_too_large_error';
    case 422:
      return 'validation_error';
    case 429:
      return 'rate_limit_error';
    case 503:
      return 'service_unavailable_error';
    default:
      return status >= 500 ? 'internal_server_error' : 'bad_request_error';
  }
}

export const badRequest = (message: string, param: string | null = null) =>
  new ApiError(400, message, 'bad_request_error', param);
export const unauthorized = (message: string, type = 'auth_error', param: string | null = null) =>
  new ApiError(401, message, type, param);
export const forbidden = (message: string, param: string | null = null) =>
  new ApiError(403, message, 'auth_error', param);
export const notFound = (message: string, param: string | null = null) =>
  new ApiError(404, message, 'not_found_error', param);
export const conflict = (message: string, param: string | null = null) =>
  new ApiError(409, message, 'conflict_error', param);
