import type { LiteLLM_MCPServerTable } from '@prisma/client';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { isAdminViewer } from '../../../platform/auth/roles';
import type { McpServer } from './mcp-server';
import { jsonObject } from './mcp-server-builder';
import type { McpServerResponse } from './mcp-servers.dto';

export type McpServerView = McpServerResponse;

/** A stored row as the routes show it, before sanitising: credentials are never part of it. */
export function rowView(row: LiteLLM_MCPServerTable): McpServerView {
  return {
    server_id: row.server_id,
    server_name: row.server_name,
    alias: row.alias,
    description: row.description,
    instructions: row.instructions,
    url: row.url,
    spec_path: row.spec_path,
    transport: row.transport,
    auth_type: row.auth_type,
    credentials: null,
    created_at: iso(row.created_at),
    created_by: row.created_by,
    updated_at: iso(row.updated_at),
    updated_by: row.updated_by,
    mcp_info: row.mcp_info === null ? null : jsonObject(row.mcp_info),
    mcp_access_groups: row.mcp_access_groups,
    allowed_tools: row.allowed_tools,
    tool_name_to_display_name: nullableObject(row.tool_name_to_display_name),
    tool_name_to_description: nullableObject(row.tool_name_to_description),
    extra_headers: row.extra_headers,
    static_headers: nullableObject(row.static_headers),
    status: row.status,
    last_health_check: iso(row.last_health_check),
    health_check_error: row.health_check_error,
    command: row.command,
    args: row.args,
    env: nullableObject(row.env),
    authorization_url: row.authorization_url,
    token_url: row.token_url,
    registration_url: row.registration_url,
    allow_all_keys: row.allow_all_keys,
    available_on_public_internet: row.available_on_public_internet,
    delegate_auth_to_upstream: row.delegate_auth_to_upstream,
    is_byok: row.is_byok,
    byok_description: row.byok_description,
    byok_api_key_help_url: row.byok_api_key_help_url,
    source_url: row.source_url,
    approval_status: row.approval_status,
    submitted_by: row.submitted_by,
    submitted_at: iso(row.submitted_at),
    reviewed_at: iso(row.reviewed_at),
    review_notes: row.review_notes,
    teams: [],
  };
}

/** A config.yaml server (no row) in the same shape (LiteLLM's `_build_mcp_server_table`). */
export function configView(server: McpServer): McpServerView {
  return {
    server_id: server.serverId,
    server_name: server.serverName,
    alias: server.alias,
    description: server.description,
    instructions: null,
    url: server.url,
    spec_path: null,
    transport: server.transport,
    auth_type: server.authType,
    credentials: null,
    created_at: null,
    created_by: null,
    updated_at: null,
    updated_by: null,
    mcp_info: server.mcpInfo,
    mcp_access_groups: server.mcpAccessGroups,
    allowed_tools: server.allowedTools,
    tool_name_to_display_name: server.toolNameToDisplayName,
    tool_name_to_description: server.toolNameToDescription,
    extra_headers: server.extraHeaders,
    static_headers: server.staticHeaders,
    status: null,
    last_health_check: null,
    health_check_error: null,
    command: server.command,
    args: server.args,
    env: server.env,
    authorization_url: server.authorizationUrl,
    token_url: server.tokenUrl,
    registration_url: server.registrationUrl,
    allow_all_keys: server.allowAllKeys,
    available_on_public_internet: server.availableOnPublicInternet,
    delegate_auth_to_upstream: server.delegateAuthToUpstream,
    is_byok: server.isByok,
    byok_description: [],
    byok_api_key_help_url: null,
    source_url: null,
    approval_status: 'active',
    submitted_by: null,
    submitted_at: null,
    reviewed_at: null,
    review_notes: null,
    teams: [],
  };
}

/** A key with `allowed_routes` (LiteLLM's "restricted virtual key"). */
export const isRestrictedKey = (auth: AuthContext) => (auth.key?.allowedRoutes.length ?? 0) > 0;

/**
 * Spec §1.2: credentials are always null; a caller without admin view does not see where the
 * upstream is or how it is reached; a restricted key sees the server's name and little else.
 */
export function sanitiseView(view: McpServerView, auth: AuthContext): McpServerView {
  const out: McpServerView = { ...view, credentials: null };
  if (!isAdminViewer(auth.role) || isRestrictedKey(auth)) {
    Object.assign(out, {
      url: null,
      spec_path: null,
      static_headers: null,
      authorization_url: null,
      token_url: null,
      registration_url: null,
      command: null,
      extra_headers: [],
      env: {},
      args: [],
    });
  }
  if (isRestrictedKey(auth)) {
    Object.assign(out, {
      allowed_tools: [],
      mcp_access_groups: [],
      teams: [],
      env: null,
      health_check_error: null,
      last_health_check: null,
      created_by: null,
      updated_by: null,
      created_at: null,
      updated_at: null,
      mcp_info: view.mcp_info?.is_public === true ? { is_public: true } : null,
    });
  }
  return out;
}

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

function nullableObject(value: unknown): Record<string, unknown> | null {
  return value === null || value === undefined ? null : jsonObject(value);
}
