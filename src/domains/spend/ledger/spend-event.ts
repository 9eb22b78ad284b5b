/** What one LLM request cost and who it is charged to: the source of one `LiteLLM_SpendLogs` row. */
export interface SpendEvent {
  requestId: string;
  /** LiteLLM's call types: `acompletion`, `aembedding`, `aresponses`, `anthropic_messages`. */
  callType: string;
  /** SHA-256 hex of the virtual key (the key's `token`), or the master key's hash. */
  apiKey: string;
  keyAlias: string | null;
  spend: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  startTime: Date;
  endTime: Date;
  completionStartTime: Date | null;
  /** `provider/model` as called upstream. */
  model: string;
  modelGroup: string;
  modelId: string;
  customLlmProvider: string;
  apiBase: string;
  userId: string | null;
  teamId: string | null;
  teamAlias: string | null;
  organizationId: string | null;
  projectId: string | null;
  endUser: string | null;
  /** The key's agent (`LiteLLM_VerificationToken.agent_id`): the spend log's `agent_id`, a Daily agent row. */
  agentId?: string | null;
  sessionId: string;
  requestTags: string[];
  requesterIp: string | null;
  status: 'success' | 'failure';
  /** Set when the model had no price: the row's metadata says so and spend is 0. */
  unpriced?: boolean;
  /** `/chat/completions` etc.: the daily tables' `endpoint` column. */
  endpoint: string;
  /**
   * MCP tool calls: the tool as the client called it (`{server}-{tool}`), the spend log's
   * `mcp_namespaced_tool_name` column, a key column of the Daily tables and the tool of the row's
   * `LiteLLM_SpendLogToolIndex` entry. Absent (NULL) for LLM calls.
   */
  mcpNamespacedToolName?: string | null;
  /** Extra metadata merged into the row's `metadata` (attempted retries, overhead ms, ...). */
  metadata?: Record<string, unknown>;
  /** For failures: also written to `LiteLLM_ErrorLogs`. */
  error?: { type: string; message: string; statusCode: number };
}

/** Everything a request's spend is counted against: the entities of tenancy.md §17.1. */
export type SpendEntityKind =
  'key' | 'user' | 'team' | 'team_member' | 'org' | 'end_user' | 'tag' | 'project' | 'key_model';
export interface SpendEntity {
  kind: SpendEntityKind;
  /** team_member: `${teamId}:${userId}`; key_model: `${keyToken}:${modelGroup}` (`keyModelEntity`). */
  id: string;
  /** team_member only: its two halves (an id may itself contain ':'). */
  teamId?: string;
  userId?: string;
}

/**
 * A key's lifetime spend on one model group: the counter of its `model_max_budget` check, read from
 * the key's `model_spend` column and its pending logs. Not one of `entitiesOf` (the aggregator keeps
 * `model_spend` with the key): the gateway adds to it only for keys that have per-model budgets.
 */
export function keyModelEntity(keyToken: string, modelGroup: string): SpendEntity {
  return { kind: 'key_model', id: `${keyToken}:${modelGroup}` };
}

/** The entities a spend event is charged to, in a fixed order (the writer's lock order). */
export function entitiesOf(
  event: Pick<
    SpendEvent,
    'apiKey' | 'userId' | 'teamId' | 'organizationId' | 'projectId' | 'endUser' | 'requestTags'
  >,
): SpendEntity[] {
  const out: SpendEntity[] = [{ kind: 'key', id: event.apiKey }];
  if (event.userId) out.push({ kind: 'user', id: event.userId });
  if (event.teamId) out.push({ kind: 'team', id: event.teamId });
  if (event.teamId && event.userId)
    out.push({
      kind: 'team_member',
      id: `${event.teamId}:${event.userId}`,
      teamId: event.teamId,
      userId: event.userId,
    });
  if (event.organizationId) out.push({ kind: 'org', id: event.organizationId });
  if (event.endUser) out.push({ kind: 'end_user', id: event.endUser });
  for (const tag of new Set(event.requestTags)) out.push({ kind: 'tag', id: tag });
  if (event.projectId) out.push({ kind: 'project', id: event.projectId });
  return out;
}
