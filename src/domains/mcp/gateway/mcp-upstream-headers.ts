import type { McpServer } from '../registry/mcp-server';
import type { McpCaller } from './mcp-admission';

type Headers = Record<string, string | string[] | undefined>;

/** Headers of the client that never go upstream: LiteLLM's own credential and routing headers. */
const NEVER_FORWARDED = new Set(['x-litellm-api-key', 'x-mcp-servers', 'x-mcp-access-groups']);

/**
 * The headers a call to `server` carries (spec §2.3, LiteLLM's MCP client): the server's stored
 * auth, its `static_headers`, the client's headers named in `extra_headers`, and the client's
 * `x-mcp-{alias}-{header}` headers. The client's `Authorization` goes upstream only for an
 * anonymous delegate caller (it is the upstream's token); a LiteLLM key never does.
 *
 * The deprecated client-side auth header (`x-mcp-auth`, or the configured name) is, as in LiteLLM,
 * the auth value in place of the server's stored one, sent the way the server's `auth_type` says
 * (`bearer_token` → `Authorization: Bearer …`, `api_key` → `X-API-Key`, …; none for `none`),
 * unless the client sent `x-mcp-{alias}-…` headers for this server (those win) or the caller's
 * own BYOK/OAuth credential applies.
 */
export function upstreamHeaders(
  server: McpServer,
  caller: McpCaller,
  client: Headers,
  userCredential?: string,
  clientSideAuthHeader = 'x-mcp-auth',
): Record<string, string> {
  const perServer = perServerHeaders(server, client);
  const clientSide =
    Object.keys(perServer).length === 0 ? clientSideAuth(client, clientSideAuthHeader) : undefined;
  const out: Record<string, string> = { ...storedAuth(server, userCredential ?? clientSide) };
  for (const [name, value] of Object.entries(server.staticHeaders)) out[name] = String(value);
  for (const name of server.extraHeaders) {
    const lower = name.toLowerCase();
    if (NEVER_FORWARDED.has(lower) || (lower === 'authorization' && caller.kind === 'key')) continue;
    const value = first(client[lower]);
    if (value !== undefined) out[name] = value;
  }
  Object.assign(out, perServer);
  if (caller.kind === 'anonymous' && caller.upstreamAuthorization) {
    out.Authorization = caller.upstreamAuthorization;
  }
  return out;
}

/** `x-mcp-{alias}-{header}` → `{header}` for this server (`authorization` → `Authorization`). */
function perServerHeaders(server: McpServer, client: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  const prefix = `x-mcp-${server.name.toLowerCase()}-`;
  for (const [name, value] of Object.entries(client)) {
    if (!name.startsWith(prefix) || NEVER_FORWARDED.has(name)) continue;
    const header = name.slice(prefix.length);
    const v = first(value);
    if (header === '' || v === undefined) continue;
    out[header === 'authorization' ? 'Authorization' : header] = v;
  }
  return out;
}

/**
 * The server's credential as LiteLLM's MCP client sends it, by `auth_type`: the caller's own
 * (BYOK value, or the access token of a stored per-user OAuth token) when there is one, else the
 * server's stored `auth_value`.
 */
function storedAuth(server: McpServer, userCredential: string | undefined): Record<string, string> {
  if (userCredential && server.authType === 'oauth2')
    return { Authorization: `Bearer ${accessToken(userCredential)}` };
  const value = userCredential ?? server.credentials.authValue;
  if (!value) return {};
  switch (server.authType) {
    case 'bearer_token':
      return { Authorization: `Bearer ${value.replace(/^Bearer\s+/i, '')}` };
    case 'basic':
      // A `user:password` value is encoded; an already encoded one is sent as is.
      return {
        Authorization: `Basic ${value.includes(':') ? Buffer.from(value).toString('base64') : value}`,
      };
    case 'api_key':
      return { 'X-API-Key': value };
    case 'authorization':
      return { Authorization: value };
    case 'token':
      return { Authorization: `token ${value}` };
    default:
      return {};
  }
}

/**
 * The client-side auth value. When the header is configured as `authorization`, that header is
 * LiteLLM's own credential unless the key came in `x-litellm-api-key`: a LiteLLM key never goes
 * upstream, so it is then not read.
 */
function clientSideAuth(client: Headers, name: string): string | undefined {
  if (name === 'authorization' && !first(client['x-litellm-api-key'])) return undefined;
  return first(client[name])?.trim() || undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A stored OAuth credential is the token response as JSON; a bare string is the token itself. */
function accessToken(credential: string): string {
  try {
    const parsed = JSON.parse(credential) as { access_token?: unknown };
    if (typeof parsed.access_token === 'string') return parsed.access_token;
  } catch {
    // not JSON: the token as is
  }
  return credential;
}
