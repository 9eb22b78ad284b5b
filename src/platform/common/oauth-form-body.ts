/**
 * OAuth token endpoints (RFC 6749 §3.2) take `application/x-www-form-urlencoded`: the MCP gateway's
 * `POST /token`, `POST /{server}/token` and `POST /v1/mcp/server/oauth/{server_id}/token`. Only
 * these paths parse a form (app.setup.ts) and are let through `requireJsonBody`; every other
 * route keeps refusing one with 422.
 */
const OAUTH_TOKEN_PATH = /^\/(?:[^/]+\/|v1\/mcp\/server\/oauth\/[^/]+\/)?token\/?$/;

export function isOAuthTokenForm(req: {
  method?: string;
  url?: string;
  /** express: the path as sent (middleware mounted on a path sees a shortened `url`). */
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
}): boolean {
  const mediaType = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (req.method !== 'POST' || mediaType !== 'application/x-www-form-urlencoded') return false;
  return OAUTH_TOKEN_PATH.test((req.originalUrl ?? req.url ?? '').split('?')[0]);
}
