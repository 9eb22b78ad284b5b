import { Inject, Injectable } from '@nestjs/common';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { forbidden } from '../../../platform/common/errors/api-error';
import type { McpDecision } from '../gateway/mcp-admission';
import { type McpCall, McpGatewayService } from '../gateway/mcp-gateway.service';
import { toolAllowed } from '../gateway/mcp-permissions';
import { MCP_REGISTRY } from '../gateway/mcp-registry.token';
import { McpScopeService } from '../gateway/mcp-scope.service';
import { prefixedToolName, routeToolName, TOOL_PREFIX_SEPARATOR } from '../gateway/mcp-tools';
import { McpRegistryService } from '../registry/mcp-registry.service';
import type { McpRegistry, McpServer } from '../registry/mcp-server';
import type { McpRestToolCallRequest, McpRestToolResponse, McpRestToolsListResponse } from './mcp-rest.dto';

/** What the REST routes read of the request besides the caller: its headers and the direct peer's address. */
export interface McpRestRequest {
  headers: Record<string, string | string[] | undefined>;
  ip: string | undefined;
}

/**
 * `GET /v1/mcp/tools` and the REST façade (`/mcp-rest/tools/list`, `/mcp-rest/tools/call`) over the
 * MCP gateway: the caller is the key the global guard authenticated, its servers are the gateway's
 * (McpScopeService: permissions, access groups, the address's visibility), and a call goes through
 * the gateway's `tools/call` (tool permissions, rate limits, the `call_mcp_tool` spend row).
 */
@Injectable()
export class McpRestService {
  constructor(
    private readonly scopes: McpScopeService,
    private readonly gateway: McpGatewayService,
    @Inject(MCP_REGISTRY) private readonly registry: McpRegistry,
    private readonly registryService: McpRegistryService,
  ) {}

  /** E1: every permitted tool of every server the key may use, named `{server}-{tool}`. */
  async tools(auth: AuthContext, req: McpRestRequest): Promise<{ tools: Tool[] }> {
    return { tools: await this.gateway.listTools(await this.callOf(auth, req)) };
  }

  /**
   * The tools of the key's servers (or of one), by their upstream names, each with its server. A
   * server that fails is reported as LiteLLM does: `server_error` for the one asked for; among all,
   * `partial_failure` only when every server failed.
   */
  async listTools(
    auth: AuthContext,
    req: McpRestRequest,
    serverId?: string,
  ): Promise<McpRestToolsListResponse> {
    const call = await this.callOf(auth, req);
    const servers = serverId ? call.scope.servers.filter((s) => s.serverId === serverId) : call.scope.servers;
    if (serverId && servers.length === 0)
      return { tools: [], error: 'server_not_found', message: `Server with id ${serverId} not found` };
    const lists = await Promise.all(
      servers.map(async (server) => {
        try {
          const tools = await this.gateway.permittedTools(call, server);
          return { server, tools: tools.map((tool) => restTool(server, tool)) };
        } catch (e) {
          return { server, tools: [], error: (e as Error).message };
        }
      }),
    );
    const tools = lists.flatMap((l) => l.tools);
    const failed = lists.filter((l) => 'error' in l);
    if (serverId && failed.length > 0)
      return {
        tools: [],
        error: 'server_error',
        message: `Failed to get tools from server ${failed[0].server.name}: ${failed[0].error}`,
      };
    if (failed.length > 0 && tools.length === 0)
      return {
        tools: [],
        error: 'partial_failure',
        message: `Failed to get tools from servers: ${failed.map((l) => `${l.server.name}: ${l.error}`).join('; ')}`,
      };
    return { tools, error: null, message: 'Successfully retrieved tools' };
  }

  /**
   * One tool call. A tool the key may not call (its server not the key's, or not among its tool
   * permissions) is LiteLLM's 403, before anything goes upstream; the upstream's answer is returned
   * as its `CallToolResult`.
   */
  async callTool(
    auth: AuthContext,
    req: McpRestRequest,
    body: McpRestToolCallRequest,
  ): Promise<CallToolResult> {
    const call = await this.callOf(auth, req);
    let servers = call.scope.servers;
    let name = body.name;
    if (body.server_id) {
      servers = servers.filter((s) => s.serverId === body.server_id);
      const server = servers[0];
      if (server && !name.startsWith(`${server.name}${TOOL_PREFIX_SEPARATOR}`))
        name = prefixedToolName(server, name);
    }
    const route = routeToolName(servers, name);
    if (!route || !toolAllowed(call.scope.permissions, route.server, route.tool)) {
      const allowed = call.scope.servers.map((s) => s.name).join(', ');
      throw forbidden(`User not allowed to call this tool. Allowed MCP servers: [${allowed}]`);
    }
    const scoped: McpCall = { ...call, scope: { ...call.scope, servers: [route.server] } };
    return this.gateway.callTool(scoped, { name, arguments: body.arguments ?? undefined });
  }

  /** The gateway's view of this caller: the aggregate (every allowed server visible from its address). */
  private async callOf(auth: AuthContext, req: McpRestRequest): Promise<McpCall> {
    const decision: McpDecision = {
      caller: { kind: 'key', auth },
      targetNames: undefined,
      accessGroups: undefined,
      delegateServers: [],
      ip: this.registryService.clientIp(req),
    };
    const scope = await this.scopes.scopeOf(decision, this.registry);
    return { decision, scope, registry: this.registry, headers: req.headers };
  }
}

/** A listed (prefixed) tool as the REST façade shows it: the upstream name, the server in mcp_info. */
function restTool(server: McpServer, tool: Tool): McpRestToolResponse {
  const prefix = `${server.name}${TOOL_PREFIX_SEPARATOR}`;
  return {
    name: tool.name.startsWith(prefix) ? tool.name.slice(prefix.length) : tool.name,
    description: tool.description ?? null,
    inputSchema: tool.inputSchema,
    mcp_info: { ...server.mcpInfo, server_name: server.name, server_id: server.serverId },
  };
}
