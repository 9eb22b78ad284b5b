import { createHash } from 'node:crypto';
import type { LiteLLM_MCPServerTable } from '@prisma/client';
import type { ConfigMcpServer } from '../../../platform/config/litellm-config-file';
import { readStoredCredentials, toMcpCredentials } from './mcp-credentials';
import type { McpServer, McpTransport } from './mcp-server';

type Json = Record<string, unknown>;

/** A row as the registry reads it (every column but the review bookkeeping). */
export type McpServerRow = Omit<
  LiteLLM_MCPServerTable,
  'submitted_by' | 'submitted_at' | 'reviewed_at' | 'review_notes'
>;

const TRANSPORTS: readonly McpTransport[] = ['sse', 'http', 'stdio'];

/** A stored row as the gateway serves it, credentials decrypted. */
export function serverFromRow(row: McpServerRow, saltKey: string | undefined): McpServer {
  const { fields, unreadable } = readStoredCredentials(row.credentials, saltKey);
  const mcpInfo = jsonObject(row.mcp_info);
  return {
    serverId: row.server_id,
    serverName: row.server_name,
    alias: row.alias,
    name: serverPrefix(row.alias, row.server_name, row.server_id),
    description: row.description ?? stringOrNull(mcpInfo.description),
    url: row.url,
    transport: transportOf(row.transport, 'sse'),
    authType: row.auth_type,
    credentials: toMcpCredentials(fields),
    mcpInfo,
    mcpAccessGroups: row.mcp_access_groups,
    allowedTools: row.allowed_tools,
    toolNameToDisplayName: stringMap(row.tool_name_to_display_name),
    toolNameToDescription: stringMap(row.tool_name_to_description),
    extraHeaders: row.extra_headers,
    staticHeaders: stringMap(row.static_headers),
    command: row.command,
    args: row.args,
    env: stringMap(row.env),
    authorizationUrl: row.authorization_url,
    tokenUrl: row.token_url,
    registrationUrl: row.registration_url,
    oauth2Flow: effectiveOauth2Flow(row.auth_type, mcpInfo.oauth2_flow, fields, row),
    allowAllKeys: row.allow_all_keys,
    availableOnPublicInternet: row.available_on_public_internet,
    delegateAuthToUpstream: row.delegate_auth_to_upstream === true,
    isByok: row.is_byok,
    unreadableCredentials: unreadable,
    source: 'db',
  };
}

/**
 * An entry of config.yaml's `mcp_servers`, as LiteLLM's `load_servers_from_config` reads it: the
 * id is a hash of the identifying fields (stable across restarts, so keys can name it), the
 * transport defaults to `http`, `auth_value` (or `authentication_token`) is the credential.
 */
export function serverFromConfig(entry: ConfigMcpServer): McpServer {
  const p = entry.params;
  const alias = stringOrNull(p.alias);
  const url = stringOrNull(p.url);
  const transport = transportOf(p.transport, 'http');
  const authType = stringOrNull(p.auth_type);
  const mcpInfo: Json = { ...jsonObject(p.mcp_info) };
  mcpInfo.server_name ??= entry.serverName;
  if (mcpInfo.description === undefined && typeof p.description === 'string')
    mcpInfo.description = p.description;
  const fields: Json = {
    auth_value: p.authentication_token ?? p.auth_value,
    client_id: p.client_id,
    client_secret: p.client_secret,
    scopes: p.scopes,
  };
  for (const name of ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'])
    fields[name] = p[name];
  for (const name of ['aws_region_name', 'aws_service_name']) fields[name] = p[name];
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));
  const endpoints = {
    authorization_url: stringOrNull(p.authorization_url),
    token_url: stringOrNull(p.token_url),
  };
  return {
    serverId: configServerId(entry.serverName, url ?? '', transport, authType, alias),
    serverName: entry.serverName,
    alias,
    name: serverPrefix(alias, entry.serverName, ''),
    description: stringOrNull(p.description) ?? stringOrNull(mcpInfo.description),
    url,
    transport,
    authType,
    credentials: toMcpCredentials(defined),
    mcpInfo,
    mcpAccessGroups: strings(p.access_groups),
    allowedTools: strings(p.allowed_tools),
    toolNameToDisplayName: stringMap(p.tool_name_to_display_name),
    toolNameToDescription: stringMap(p.tool_name_to_description),
    extraHeaders: strings(p.extra_headers),
    staticHeaders: stringMap(p.static_headers),
    command: stringOrNull(p.command),
    args: strings(p.args),
    env: stringMap(p.env),
    authorizationUrl: endpoints.authorization_url,
    tokenUrl: endpoints.token_url,
    registrationUrl: stringOrNull(p.registration_url),
    oauth2Flow: effectiveOauth2Flow(authType, p.oauth2_flow, defined, endpoints),
    allowAllKeys: p.allow_all_keys === true,
    availableOnPublicInternet: p.available_on_public_internet !== false,
    delegateAuthToUpstream: p.delegate_auth_to_upstream === true,
    isByok: p.is_byok === true,
    unreadableCredentials: [],
    source: 'config',
  };
}

/** LiteLLM's `_generate_stable_server_id`: sha256 of `name|url|transport|auth_type|alias`, 32 hex digits. */
export function configServerId(
  serverName: string,
  url: string,
  transport: string,
  authType: string | null,
  alias: string | null,
): string {
  const identity = `${serverName}|${url}|${transport}|${authType ?? ''}|${alias ?? ''}`;
  return createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, 32);
}

/** LiteLLM's `get_server_prefix`: what paths and tool prefixes use. */
export function serverPrefix(alias: string | null, serverName: string | null, serverId: string): string {
  return alias || serverName || serverId;
}

/**
 * The flow an oauth2 server runs: an explicit `oauth2_flow`, else LiteLLM's unstamped M2M shape
 * (client id + secret + token URL and no authorization URL) is `client_credentials`.
 */
export function effectiveOauth2Flow(
  authType: string | null,
  explicit: unknown,
  credentials: Json,
  endpoints: { authorization_url: string | null; token_url: string | null },
): McpServer['oauth2Flow'] {
  if (authType !== 'oauth2') return null;
  if (explicit === 'client_credentials' || explicit === 'authorization_code') return explicit;
  const m2mShape =
    Boolean(credentials.client_id) &&
    Boolean(credentials.client_secret) &&
    Boolean(endpoints.token_url) &&
    !endpoints.authorization_url;
  return m2mShape ? 'client_credentials' : 'authorization_code';
}

function transportOf(value: unknown, fallback: McpTransport): McpTransport {
  if (value === 'streamable_http' || value === 'streamable-http') return 'http';
  return TRANSPORTS.includes(value as McpTransport) ? (value as McpTransport) : fallback;
}

/** A JSON column LiteLLM may have written as JSON text (`json.dumps` into a Json field). */
export function jsonObject(value: unknown): Json {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? { ...(parsed as Json) }
    : {};
}

function stringMap(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(jsonObject(value))
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
