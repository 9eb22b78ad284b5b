import { notFound } from '../../../platform/common/errors/api-error';
import { findByName } from '../gateway/mcp-admission';
import type { McpRegistry, McpServer } from '../registry/mcp-server';

/** RFC 9728 protected-resource metadata of the gateway's MCP endpoints (E33, E34). */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
}

/** RFC 8414 authorization-server metadata: the gateway's own OAuth endpoints (E35, E36). */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint: string;
  response_types_supported: string[];
  scopes_supported: string[];
  grant_types_supported: string[];
  code_challenge_methods_supported: string[];
  token_endpoint_auth_methods_supported: string[];
}

/**
 * A named server's discovery: only an oauth2 server visible from the caller's address; any other
 * name is the same 404 as an unknown one, so discovery does not list servers (anti-enumeration).
 */
export function discoverableServer(registry: McpRegistry, name: string, ip: string | null): McpServer {
  const server = findByName(registry, name, ip);
  if (!server || server.authType !== 'oauth2') throw notFound('MCP server not found', 'server');
  return server;
}

/** The only oauth2 server the caller can see, if there is exactly one (root documents resolve to it). */
export function onlyOauthServer(registry: McpRegistry, ip: string | null): McpServer | undefined {
  const servers = registry.all().filter((s) => s.authType === 'oauth2' && registry.visibleFrom(s, ip));
  return servers.length === 1 ? servers[0] : undefined;
}

/** `legacy`: the resource is `/{server}/mcp`, else `/mcp/{server}`; no server: the aggregate `/mcp`. */
export function protectedResource(
  base: string,
  server: McpServer | undefined,
  legacy = false,
): ProtectedResourceMetadata {
  if (!server) return { resource: `${base}/mcp`, authorization_servers: [base], scopes_supported: [] };
  const name = encodeURIComponent(server.name);
  return {
    resource: legacy ? `${base}/${name}/mcp` : `${base}/mcp/${name}`,
    authorization_servers: [`${base}/${name}`],
    scopes_supported: server.credentials.scopes ?? [],
  };
}

/** The gateway's endpoints for one server (`{base}/{server}/…`), or the unnamed ones. */
export function authorizationServer(
  base: string,
  server: McpServer | undefined,
): AuthorizationServerMetadata {
  const issuer = server ? `${base}/${encodeURIComponent(server.name)}` : base;
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    registration_endpoint: `${issuer}/register`,
    response_types_supported: ['code'],
    scopes_supported: server?.credentials.scopes ?? [],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post'],
  };
}
