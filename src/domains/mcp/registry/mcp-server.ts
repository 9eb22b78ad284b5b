/** LiteLLM's MCP transports (`LiteLLM_MCPServerTable.transport`). */
export type McpTransport = 'sse' | 'http' | 'stdio';

/** Secrets of a server, decrypted (stored encrypted in LiteLLM's formats, see secrets.md). */
export interface McpCredentials {
  authValue?: string;
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
  [other: string]: unknown;
}

/**
 * One MCP server the gateway may route to: a row of `LiteLLM_MCPServerTable` with
 * `approval_status = 'active'`, or an entry of config.yaml's `mcp_servers`. Only the MCP gateway's
 * request path sees `credentials`; responses are built from sanitised views, never from this.
 */
export interface McpServer {
  serverId: string;
  serverName: string | null;
  /** `alias`, defaulting to the server name with spaces → `_` (LiteLLM's rule). */
  alias: string | null;
  /** What paths (`/mcp/{name}`) and tool prefixes (`{name}-{tool}`) use: alias, else server name, else id. */
  name: string;
  description: string | null;
  url: string | null;
  transport: McpTransport;
  authType: string | null;
  credentials: McpCredentials;
  mcpInfo: Record<string, unknown>;
  mcpAccessGroups: string[];
  allowedTools: string[];
  toolNameToDisplayName: Record<string, string>;
  toolNameToDescription: Record<string, string>;
  /** Client request header names forwarded upstream. */
  extraHeaders: string[];
  staticHeaders: Record<string, string>;
  command: string | null;
  args: string[];
  env: Record<string, string>;
  authorizationUrl: string | null;
  tokenUrl: string | null;
  registrationUrl: string | null;
  /**
   * The effective OAuth2 flow of an `oauth2` server: `oauth2_flow` when stamped (config entry, or
   * `mcp_info.oauth2_flow` of a row), else `client_credentials` for LiteLLM's unstamped M2M shape
   * (client_id + client_secret + token_url, no authorization_url), else `authorization_code`.
   * `null` for other auth types. M2M (`client_credentials`) servers are never delegatable.
   */
  oauth2Flow: 'client_credentials' | 'authorization_code' | null;
  allowAllKeys: boolean;
  availableOnPublicInternet: boolean;
  delegateAuthToUpstream: boolean;
  isByok: boolean;
  /**
   * Names of stored credential fields that would not decrypt with this salt key (logged at load;
   * the fields themselves are left out of `credentials`).
   */
  unreadableCredentials: string[];
  source: 'config' | 'db';
}

/** The live set of servers (config + active rows), kept in memory and reloaded on change on every pod. */
export interface McpRegistry {
  all(): readonly McpServer[];
  /** By `name` (alias/server name) or by server id. */
  find(nameOrId: string): McpServer | undefined;
  /**
   * Spec §2.4: whether a caller at `ip` (null: an internal call) may see the server: public, named
   * in `public_mcp_servers` (config.yaml ∪ the stored list), or the caller inside the internal ranges.
   */
  visibleFrom(server: McpServer, ip: string | null): boolean;
  /** `public_mcp_servers`: config.yaml's and the stored (`POST /v1/mcp/make_public`) lists, united. */
  publicServerIds(): ReadonlySet<string>;
  /**
   * The caller's own credential for a server (BYOK, or an OAuth token payload as JSON text), from
   * `LiteLLM_MCPUserCredentials`, decrypted; undefined when none is stored or it does not open.
   * Reads the database (one indexed row).
   */
  userCredential(userId: string, serverId: string): Promise<string | undefined>;
}
