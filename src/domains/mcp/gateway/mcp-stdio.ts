import { basename } from 'node:path';
import type { McpServer } from '../registry/mcp-server';

/**
 * Why the gateway will not start a stdio server, or `undefined` when it may (issue 13: stdio
 * servers only from config.yaml's `mcp_servers`, only for a command whose basename is in
 * `MCP_STDIO_ALLOWED_COMMANDS`). LiteLLM checks the command when it builds the client and refuses
 * the call (403, this message); a row stored with `transport: stdio` (the API refuses to create
 * one, LiteLLM itself may have written it) is never started.
 */
export function stdioRefusal(server: McpServer, allowedCommands: readonly string[]): string | undefined {
  if (server.source !== 'config')
    return `MCP server ${server.name}: stdio servers are served from the config file (mcp_servers) only`;
  if (!server.command) return `MCP server ${server.name}: stdio transport requires a command`;
  if (!allowedCommands.includes(basename(server.command)))
    return (
      `MCP stdio command '${server.command}' is not in the allowlist (${[...allowedCommands].sort().join(', ')}). ` +
      'Add it to LITELLM_MCP_STDIO_EXTRA_COMMANDS to allow this command.'
    );
  return undefined;
}
