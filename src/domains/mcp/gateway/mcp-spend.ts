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

/**
 * The `LiteLLM_SpendLogs` row of one tool call as LiteLLM logs it: `call_type` `call_mcp_tool`, no
 * tokens, `model` `MCP: {tool}`, the server's name as `custom_llm_provider`, the namespaced tool name
 * in `mcp_namespaced_tool_name` (and so in the Daily tables' key and the tool index).
 */
export function toolCallEvent(f: ToolCallFacts): SpendEvent {
  const { key, team } = f.subject;
  const end = new Date();
  return {
    requestId: randomUUID(),
    callType: 'call_mcp_tool',
    apiKey: key.token,
    keyAlias: key.alias,
    spend: 0,
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
      },
    },
    ...(f.failure ? { error: { type: f.failure.name, message: f.failure.message, statusCode: 500 } } : {}),
  };
}
