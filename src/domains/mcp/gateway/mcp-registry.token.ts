/**
 * The registry the gateway routes with (the `McpRegistry` contract of registry/mcp-server.ts),
 * injected by token so the gateway depends on the contract only.
 */
export const MCP_REGISTRY = Symbol('McpRegistry');
