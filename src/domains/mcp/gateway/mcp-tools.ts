import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '../registry/mcp-server';

/** LiteLLM's `MCP_TOOL_PREFIX_SEPARATOR` (default `-`): tools are listed as `{server}-{tool}`. */
export const TOOL_PREFIX_SEPARATOR = process.env.MCP_TOOL_PREFIX_SEPARATOR || '-';

export function prefixedToolName(server: McpServer, tool: string): string {
  return `${server.name}${TOOL_PREFIX_SEPARATOR}${tool}`;
}

/**
 * A tool as the gateway lists it: the prefixed name, the server's description override, and its
 * display name as the tool's `title` (the upstream's name stays what a call is routed with).
 */
export function listedTool(server: McpServer, tool: Tool): Tool {
  const description = server.toolNameToDescription[tool.name] ?? tool.description;
  const title = server.toolNameToDisplayName[tool.name] ?? tool.title;
  return {
    ...tool,
    name: prefixedToolName(server, tool.name),
    ...(description !== undefined ? { description } : {}),
    ...(title !== undefined ? { title } : {}),
  };
}

/**
 * The server and upstream tool a prefixed name routes to, among the request's servers: the
 * longest server name that prefixes it (a name may itself contain the separator's neighbours).
 */
export function routeToolName(
  servers: readonly McpServer[],
  name: string,
): { server: McpServer; tool: string } | undefined {
  let best: { server: McpServer; tool: string } | undefined;
  for (const server of servers) {
    const prefix = `${server.name}${TOOL_PREFIX_SEPARATOR}`;
    if (!name.startsWith(prefix) || name.length === prefix.length) continue;
    if (!best || server.name.length > best.server.name.length)
      best = { server, tool: name.slice(prefix.length) };
  }
  return best;
}
