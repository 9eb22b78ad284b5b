import { ApiError, badRequest, RequestValidationError } from '../../../platform/common/errors/api-error';
import { SECRET_CREDENTIAL_FIELDS } from './mcp-credentials';
import type { McpServerFieldsRequest } from './mcp-servers.dto';

/** LiteLLM's `MCP_TOOL_PREFIX_SEPARATOR`: tool names are `{server}-{tool}`. */
export const TOOL_PREFIX_SEPARATOR = '-';
/** Ids with a meaning in key and team permission lists (`SpecialMCPServerName`). */
export const RESERVED_SERVER_IDS = ['all-team-mcpservers', 'all-proxy-mcpservers'];
/** What a tool-name prefix may hold (SEP-986 tool-name characters; one `/` for namespaced names). */
const VALID_PREFIX = /^[A-Za-z0-9_.]+(\/[A-Za-z0-9_.]+)?$/;

/** The name a server is served under: `alias`, else `server_name`, spaces as `_` (LiteLLM). */
export function normaliseAlias(alias: string | null | undefined, serverName: string | null | undefined) {
  const name = alias || serverName;
  return name ? name.trim().replace(/\s+/g, '_') : null;
}

/**
 * The checks LiteLLM runs before the role check (§1.3 E12/E24): names without the tool-prefix
 * separator that make a valid prefix (400), a reserved id (400), and the transport's needs
 * (pydantic validators: 422); stdio is refused (400, config file only).
 */
export function validateServerFields(
  body: McpServerFieldsRequest & { server_id?: string | null },
  stdioCommands: readonly string[],
  stored?: { transport: string; url: string | null; spec_path: string | null },
): void {
  validateNames(body);
  validateTransport(body, stdioCommands, stored);
  validateCredentials(body.credentials);
}

/** The checks that need no stored row: names and a reserved id (400). */
export function validateNames(body: McpServerFieldsRequest & { server_id?: string | null }): void {
  for (const field of ['server_name', 'alias'] as const) {
    const value = body[field];
    if (value && value.includes(TOOL_PREFIX_SEPARATOR))
      throw badRequest(
        `Server name cannot contain '${TOOL_PREFIX_SEPARATOR}'. Use an alternative character instead Found: ${value}`,
        field,
      );
  }
  const prefix = normaliseAlias(body.alias, body.server_name);
  if (prefix !== null && !VALID_PREFIX.test(prefix))
    throw badRequest(
      `Invalid MCP server name '${prefix}': use letters, digits, '_' and '.' (it prefixes tool names)`,
      body.alias ? 'alias' : 'server_name',
    );
  if (body.server_id && RESERVED_SERVER_IDS.includes(body.server_id))
    throw badRequest(`server_id '${body.server_id}' is reserved and cannot be used`, 'server_id');
}

function validateTransport(
  body: McpServerFieldsRequest,
  stdioCommands: readonly string[],
  stored?: { transport: string; url: string | null; spec_path: string | null },
) {
  const transport = body.transport ?? stored?.transport ?? 'sse';
  // Where we differ: LiteLLM stores stdio servers created through the API; here a stdio server
  // (a command the proxy runs) comes from config.yaml only (issue 13), so the API refuses it.
  if (transport === 'stdio')
    throw badRequest(
      `stdio MCP servers are defined in the config file only (mcp_servers, with a command among: ${stdioCommands.join(', ')}); the API does not accept transport 'stdio'`,
      'transport',
    );
  const url = body.url ?? stored?.url;
  const specPath = body.spec_path ?? stored?.spec_path;
  if (!url && !specPath) throw invalid('url', `url or spec_path is required for ${transport} transport`);
}

function validateCredentials(credentials: Record<string, unknown> | null | undefined) {
  if (!credentials) return;
  for (const field of SECRET_CREDENTIAL_FIELDS) {
    const value = credentials[field];
    if (value !== undefined && value !== null && typeof value !== 'string')
      throw invalid(`credentials.${field}`, 'must be a string');
  }
  const scopes = credentials.scopes;
  if (
    scopes !== undefined &&
    scopes !== null &&
    !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))
  )
    throw invalid('credentials.scopes', 'must be a list of strings');
}

function invalid(field: string, msg: string): ApiError {
  return new RequestValidationError([{ type: 'value_error', loc: ['body', ...field.split('.')], msg }]);
}
