import { randomUUID } from 'node:crypto';
import type { RequestSubject } from '../../gateway/checks/request-subject';
import type { SpendEvent } from '../../spend/ledger/spend-event';
import type { McpServer } from '../registry/mcp-server';

export interface ToolCallFacts {
  subject: RequestSubject;
  server: McpServer;
  /** The prefixed name the client called (`{server}-{tool}`). */
  name: string;
  /** The upstream's tool name. */
  tool: string;
  start: Date;
  /** The caller's address, as admission saw it. */
  ip: string | null;
  failure?: Error;
  isError: boolean;
}

/** `mcp_info.mcp_server_cost_info` of a server (DB row or config.yaml), as LiteLLM reads it. */
export interface McpServerCostInfo {
  default_cost_per_query?: number;
  tool_name_to_cost_per_query?: Record<string, number>;
}

/** The server's cost info with only the usable prices (finite numbers ≥ 0); undefined when none. */
export function serverCostInfo(server: McpServer): McpServerCostInfo | undefined {
  const raw = server.mcpInfo.mcp_server_cost_info;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const info = raw as Record<string, unknown>;
  const out: McpServerCostInfo = {};
  if (isPrice(info.default_cost_per_query)) out.default_cost_per_query = info.default_cost_per_query;
  const perTool = info.tool_name_to_cost_per_query;
  if (perTool && typeof perTool === 'object' && !Array.isArray(perTool)) {
    const prices = Object.entries(perTool).filter((e): e is [string, number] => isPrice(e[1]));
    if (prices.length > 0) out.tool_name_to_cost_per_query = Object.fromEntries(prices);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * What one call of `tool` (the upstream's name) costs: its own price in `tool_name_to_cost_per_query`,
 * else the server's `default_cost_per_query`, else 0 (LiteLLM's MCP cost calculator).
 */
export function toolCallCost(info: McpServerCostInfo | undefined, tool: string): number {
  const own = info?.tool_name_to_cost_per_query;
  if (own && Object.hasOwn(own, tool)) return own[tool];
  return info?.default_cost_per_query ?? 0;
}

function isPrice(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * The `LiteLLM_SpendLogs` row of one tool call as LiteLLM logs it: `call_type` `call_mcp_tool`, no
 * tokens, `model` `MCP: {tool}`, the server's name as `custom_llm_provider`, the namespaced tool name
 * in `mcp_namespaced_tool_name` (and so in the Daily tables' key and the tool index), and as `spend`
 * the tool's price (`toolCallCost`); a call that failed costs nothing.
 */
export function toolCallEvent(f: ToolCallFacts): SpendEvent {
  const { key, team } = f.subject;
  const end = new Date();
  const costInfo = serverCostInfo(f.server);
  return {
    requestId: randomUUID(),
    callType: 'call_mcp_tool',
    apiKey: key.token,
    keyAlias: key.alias,
    spend: f.failure ? 0 : toolCallCost(costInfo, f.tool),
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
    startTime: f.start,
    endTime: end,
    completionStartTime: null,
    model: `MCP: ${f.tool}`,
    modelGroup: '',
    modelId: f.server.serverId,
    customLlmProvider: f.server.name,
    apiBase: f.server.url ?? '',
    userId: key.userId,
    teamId: key.teamId,
    teamAlias: team?.alias ?? null,
    organizationId: key.organizationId ?? team?.organizationId ?? null,
    projectId: key.projectId,
    endUser: null,
    sessionId: randomUUID(),
    requestTags: key.tags,
    requesterIp: f.ip,
    status: f.failure ? 'failure' : 'success',
    endpoint: '/mcp',
    mcpNamespacedToolName: f.name,
    metadata: {
      mcp_tool_call_metadata: {
        name: f.tool,
        mcp_server_name: f.server.name,
        namespaced_tool_name: f.name,
        is_error: f.isError,
        ...(costInfo ? { mcp_server_cost_info: costInfo } : {}),
      },
    },
    ...(f.failure ? { error: { type: f.failure.name, message: f.failure.message, statusCode: 500 } } : {}),
  };
}
