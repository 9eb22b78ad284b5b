/** Header values shorter than this are not treated as secrets (`1`, `json`, `true` would match everywhere). */
const MIN_SECRET_LENGTH = 8;
const SCHEME = /^(Bearer|Basic|token)\s+/i;

/**
 * `text` (an upstream's error body or message) with every header value the gateway sent upstream
 * replaced by `[redacted]`: the stored auth, static headers and per-user credentials an upstream may
 * echo back in an error must not reach logs, responses or `health_check_error`. For `Bearer x`,
 * `Basic x` and `token x` the bare credential is replaced too.
 */
export function redactSentHeaders(text: string, headers: Record<string, string>): string {
  const values = new Set<string>();
  for (const value of Object.values(headers)) {
    values.add(value);
    const bare = value.replace(SCHEME, '');
    if (bare !== value) values.add(bare);
  }
  let out = text;
  // Longest first, so a bare token never leaves the tail of its `Bearer …` form behind.
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    if (value.length >= MIN_SECRET_LENGTH && out.includes(value)) out = out.split(value).join('[redacted]');
  }
  return out;
}

/** The same error, its message redacted (in place: the error's class and fields are kept). */
export function withRedactedMessage<E>(error: E, headers: Record<string, string>): E {
  if (error instanceof Error) error.message = redactSentHeaders(error.message, headers);
  return error;
}
