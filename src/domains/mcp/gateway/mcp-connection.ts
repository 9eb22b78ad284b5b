import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamRpcError } from './mcp-upstream-errors';

/** One open session with an upstream MCP server: what the gateway asks of it. */
export interface McpConnection {
  listTools(): Promise<Tool[]>;
  callTool(name: string, args: Record<string, unknown> | undefined): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** One page of a `tools/list` answer. */
export interface ToolsPage {
  tools: Tool[];
  nextCursor?: string;
}

/** Every tool of a server: `tools/list` pages, following `nextCursor` until the last. */
export async function everyTool(page: (cursor: string | undefined) => Promise<ToolsPage>): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    tools.push(...next.tools);
    cursor = next.nextCursor || undefined;
  } while (cursor);
  return tools;
}

/**
 * A session through the MCP SDK's own client: stdio children and legacy SSE upstreams (streamable
 * HTTP has its own lean client, mcp-streamable-connection.ts). The SDK's JSON-RPC errors become
 * UpstreamRpcError like the lean client's, so the gateway relays both alike.
 */
export class SdkConnection implements McpConnection {
  constructor(
    private readonly client: Client,
    private readonly server: string,
  ) {}

  listTools(): Promise<Tool[]> {
    return everyTool((cursor) => this.rpc(() => this.client.listTools(cursor ? { cursor } : undefined)));
  }

  callTool(name: string, args: Record<string, unknown> | undefined): Promise<CallToolResult> {
    return this.rpc(() => this.client.callTool({ name, arguments: args }) as Promise<CallToolResult>);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async rpc<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      if (!(e instanceof McpError)) throw e;
      const message = e.message.replace(/^MCP error -?\d+: /, '');
      throw new UpstreamRpcError(
        { code: e.code, message, ...(e.data === undefined ? {} : { data: e.data }) },
        this.server,
      );
    }
  }
}
