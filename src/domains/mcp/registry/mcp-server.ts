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
  allowAllKeys: boolean;
  availableOnPublicInternet: boolean;
  delegateAuthToUpstream: boolean;
  isByok: boolean;
  source: 'config' | 'db';
}

/** The live set of servers (config + active rows), kept in memory and reloaded on change on every pod. */
export interface McpRegistry {
  all(): readonly McpServer[];
  /** By `name` (alias/server name) or by server id. */
  find(nameOrId: string): McpServer | undefined;
}
