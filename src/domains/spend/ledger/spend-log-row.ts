import type { SpendEvent } from './spend-event';

/**
 * One `LiteLLM_SpendLogs` row (and its `LiteLLM_ErrorLogs` row for a failure) as the ledger's insert
 * reads it: a JSON object per row, column names as in the table (jsonb_to_recordset in spend-ledger.sql).
 */
export interface SpendLogRow {
  request_id: string;
  call_type: string;
  api_key: string;
  spend: number;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  startTime: string;
  endTime: string;
  completionStartTime: string | null;
  request_duration_ms: number;
  model: string;
  model_id: string;
  model_group: string;
  custom_llm_provider: string;
  api_base: string;
  user: string;
  team_id: string;
  organization_id: string;
  end_user: string;
  agent_id: string | null;
  requester_ip_address: string;
  session_id: string;
  status: string;
  mcp_namespaced_tool_name: string | null;
  request_tags: string[];
  metadata: Record<string, unknown>;
  error: ErrorLogFields | null;
}

export interface ErrorLogFields {
  exception_type: string;
  exception_string: string;
  status_code: string;
  request_kwargs: Record<string, unknown>;
}

/**
 * The metadata key under which the row keeps the daily tables' `endpoint` (the spend log has no such
 * column); LiteLLM's logging metadata names the route `user_api_key_request_route`.
 */
export const ENDPOINT_METADATA_KEY = 'user_api_key_request_route';

/** The row LiteLLM's `get_logging_payload` would write for this event (spec §4.1); '' for absent ids. */
export function spendLogRow(event: SpendEvent): SpendLogRow {
  return {
    request_id: event.requestId,
    call_type: event.callType,
    api_key: event.apiKey,
    spend: finiteOrZero(event.spend),
    total_tokens: tokens(event.totalTokens),
    prompt_tokens: tokens(event.promptTokens),
    completion_tokens: tokens(event.completionTokens),
    startTime: event.startTime.toISOString(),
    endTime: event.endTime.toISOString(),
    completionStartTime: event.completionStartTime?.toISOString() ?? null,
    request_duration_ms: Math.max(0, event.endTime.getTime() - event.startTime.getTime()),
    model: event.model,
    model_id: event.modelId,
    model_group: event.modelGroup,
    custom_llm_provider: event.customLlmProvider,
    api_base: event.apiBase,
    user: event.userId ?? '',
    team_id: event.teamId ?? '',
    organization_id: event.organizationId ?? '',
    end_user: event.endUser ?? '',
    agent_id: event.agentId ?? null,
    requester_ip_address: event.requesterIp ?? '',
    session_id: event.sessionId,
    status: event.status,
    mcp_namespaced_tool_name: event.mcpNamespacedToolName || null,
    request_tags: [...new Set(event.requestTags)],
    metadata: spendLogMetadata(event),
    error: event.error ? errorLogFields(event) : null,
  };
}

/** LiteLLM's `metadata` keys for the row, then the gateway's extras (which never override the ids). */
export function spendLogMetadata(event: SpendEvent): Record<string, unknown> {
  const priceNote = event.unpriced
    ? { unpriced: `no price for model ${event.model}: spend recorded as 0` }
    : { model_map_information: { model_map_key: event.model } };
  return {
    ...event.metadata,
    user_api_key: event.apiKey,
    user_api_key_alias: event.keyAlias,
    user_api_key_team_id: event.teamId,
    user_api_key_org_id: event.organizationId,
    user_api_key_user_id: event.userId,
    user_api_key_team_alias: event.teamAlias,
    user_api_key_project_id: event.projectId,
    user_api_key_end_user_id: event.endUser,
    [ENDPOINT_METADATA_KEY]: event.endpoint,
    requester_ip_address: event.requesterIp,
    status: event.status,
    usage_object: {
      prompt_tokens: tokens(event.promptTokens),
      completion_tokens: tokens(event.completionTokens),
      total_tokens: tokens(event.totalTokens),
      cache_read_input_tokens: tokens(event.cacheReadInputTokens),
      cache_creation_input_tokens: tokens(event.cacheCreationInputTokens),
      prompt_tokens_details: { cached_tokens: tokens(event.cacheReadInputTokens) },
    },
    ...priceNote,
    ...(event.error
      ? {
          error_information: {
            error_class: event.error.type,
            error_message: event.error.message,
            error_code: String(event.error.statusCode),
            llm_provider: event.customLlmProvider,
          },
        }
      : {}),
  };
}

function errorLogFields(event: SpendEvent): ErrorLogFields {
  const error = event.error!;
  return {
    exception_type: error.type,
    exception_string: error.message,
    status_code: String(error.statusCode),
    request_kwargs: { model: event.modelGroup, call_type: event.callType },
  };
}

/** The table's token columns are int4: a count is a non-negative integer. */
function tokens(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.min(Math.trunc(n), 2_147_483_647) : 0;
}

function finiteOrZero(n: number): number {
  return Number.isFinite(n) ? n : 0;
}
