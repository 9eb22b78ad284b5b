/** How long the gateway waits for an upstream authorization server. */
const UPSTREAM_TIMEOUT_MS = 15_000;

/**
 * An OAuth protocol error for the client, in RFC 6749 §5.2's shape (`error`, `error_description`):
 * an upstream token endpoint's refusal (`invalid_grant` → 400), or the gateway's own refusal of a
 * malformed token request. Never a 500: an upstream that cannot be reached is a 502.
 */
export class OAuthProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description?: string,
  ) {
    super(description ?? error);
    this.name = 'OAuthProtocolError';
  }

  body(): Record<string, string> {
    return this.description === undefined
      ? { error: this.error }
      : { error: this.error, error_description: this.description };
  }
}

type Params = Record<string, string | undefined | null>;

/**
 * POSTs a form to an upstream token endpoint and returns its JSON. The request carries secrets
 * (client_secret, code, refresh_token): nothing of it is logged, and the upstream's error is passed
 * on by its `error` and `error_description` only.
 */
export async function postTokenRequest(url: string, params: Params): Promise<Record<string, unknown>> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') form.set(name, value);
  return call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
  });
}

/** RFC 7591 dynamic client registration at the upstream. */
export async function postRegistration(url: string, body: Record<string, unknown>) {
  return call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
}

async function call(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
  } catch {
    throw new OAuthProtocolError(
      502,
      'temporarily_unavailable',
      'The authorization server could not be reached',
    );
  }
  const body = parseBody(await res.text().catch(() => ''));
  if (res.ok && body) return body;
  if (res.ok) throw new OAuthProtocolError(502, 'server_error', 'The authorization server answered no JSON');
  const error = typeof body?.error === 'string' ? body.error.slice(0, 100) : 'invalid_request';
  const description =
    typeof body?.error_description === 'string' ? body.error_description.slice(0, 500) : undefined;
  // 4xx keep their meaning (400 invalid_grant, 401 invalid_client); an upstream failure is a 502.
  const status = res.status >= 500 || res.status < 400 ? 502 : res.status === 401 ? 401 : 400;
  throw new OAuthProtocolError(status, error, description);
}

/** JSON, or a form-encoded answer (some servers answer so when `Accept` is ignored). */
function parseBody(text: string): Record<string, unknown> | undefined {
  if (text === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    const form = Object.fromEntries(new URLSearchParams(text));
    return 'access_token' in form || 'error' in form ? form : undefined;
  }
}
