import { Prisma } from '@prisma/client';
import { ENDPOINT_METADATA_KEY } from './spend-log-row';

/**
 * The statements one aggregator run executes for a claimed set of spend logs (`ids`), in this order
 * inside one transaction. Each reads the claimed rows by primary key (`l`) and adds them set-based:
 * one statement per table, never a read-add-write in JavaScript. Rows of entities that do not exist are
 * not created (an UPDATE matching nothing), except end users (LiteLLM upserts them) and Daily rows.
 */
export function aggregationStatements(ids: string[]): Prisma.Sql[] {
  return [
    ...ENTITY_TABLES.map((spec) => addToEntities(ids, spec)),
    addToEndUsers(ids),
    ...DAILY_TABLES.map((spec) => addToDaily(ids, spec)),
  ];
}

/** The claimed spend logs, with the fields the counters need; absent ids as ''. */
function claimed(ids: string[]): Prisma.Sql {
  return Prisma.sql`l AS (
    SELECT s.request_id, s.api_key, s.spend, coalesce(s."user", '') AS user_id,
      coalesce(s.team_id, '') AS team_id, coalesce(s.organization_id, '') AS organization_id,
      coalesce(s.end_user, '') AS end_user, coalesce(s.agent_id, '') AS agent_id,
      CASE WHEN jsonb_typeof(s.request_tags) = 'array' THEN s.request_tags ELSE '[]'::jsonb END AS tags,
      coalesce(s.metadata->>'user_api_key_project_id', '') AS project_id,
      coalesce(s.model, '') AS model, coalesce(s.model_group, '') AS model_group,
      coalesce(s.custom_llm_provider, '') AS provider, coalesce(s.mcp_namespaced_tool_name, '') AS mcp,
      coalesce(s.metadata->>${ENDPOINT_METADATA_KEY}, '') AS endpoint,
      s.prompt_tokens, s.completion_tokens,
      ${usageCount('cache_read_input_tokens')} AS cache_read,
      ${usageCount('cache_creation_input_tokens')} AS cache_creation,
      s.status, to_char(s."startTime", 'YYYY-MM-DD') AS date
    FROM "LiteLLM_SpendLogs" s
    WHERE s.request_id = ANY(${ids}::text[]))`;
}

/** A token count from `metadata.usage_object`, 0 when missing or not a number. */
function usageCount(field: string): Prisma.Sql {
  const value = Prisma.sql`s.metadata->'usage_object'->${field}`;
  return Prisma.sql`CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric::bigint ELSE 0 END`;
}

interface EntityTable {
  table: string;
  /** The table's key columns and the claimed-row expressions they match, in order. */
  keys: { column: string; value: string }[];
  /** Extra FROM items (tags: one row per request tag). */
  from?: string;
  /** Also add per model group to the table's `model_spend` JSON. */
  modelSpend?: boolean;
}

const ENTITY_TABLES: EntityTable[] = [
  { table: 'LiteLLM_VerificationToken', keys: [{ column: 'token', value: 'l.api_key' }], modelSpend: true },
  { table: 'LiteLLM_UserTable', keys: [{ column: 'user_id', value: 'l.user_id' }] },
  { table: 'LiteLLM_TeamTable', keys: [{ column: 'team_id', value: 'l.team_id' }], modelSpend: true },
  {
    table: 'LiteLLM_TeamMembership',
    keys: [
      { column: 'user_id', value: 'l.user_id' },
      { column: 'team_id', value: 'l.team_id' },
    ],
  },
  { table: 'LiteLLM_OrganizationTable', keys: [{ column: 'organization_id', value: 'l.organization_id' }] },
  {
    table: 'LiteLLM_TagTable',
    keys: [{ column: 'tag_name', value: 'tag.value' }],
    from: ', jsonb_array_elements_text(l.tags) AS tag(value)',
  },
  { table: 'LiteLLM_ProjectTable', keys: [{ column: 'project_id', value: 'l.project_id' }] },
];

/** `UPDATE <table> SET spend = spend + Σ` per entity of the claimed rows (entities with spend only). */
function addToEntities(ids: string[], spec: EntityTable): Prisma.Sql {
  const keyList = spec.keys.map((k, i) => `${k.value} AS k${i}`).join(', ');
  const keyNames = spec.keys.map((_, i) => `k${i}`).join(', ');
  const present = spec.keys.map((k) => `${k.value} <> ''`).join(' AND ');
  const match = spec.keys.map((k, i) => `t.${k.column} = a.k${i}`).join(' AND ');
  const modelSpend = spec.modelSpend ? `, model_spend = ${mergeModelSpend('t.model_spend', 'a.models')}` : '';
  return Prisma.sql`
    WITH ${claimed(ids)},
    g AS (
      SELECT ${Prisma.raw(keyList)}, l.model_group, sum(l.spend) AS amount
      FROM l${Prisma.raw(spec.from ?? '')}
      WHERE ${Prisma.raw(present)}
      GROUP BY ${Prisma.raw(keyNames)}, l.model_group
    ),
    a AS (
      SELECT ${Prisma.raw(keyNames)}, sum(amount) AS amount,
        coalesce(jsonb_object_agg(model_group, amount) FILTER (WHERE model_group <> ''), '{}'::jsonb) AS models
      FROM g GROUP BY ${Prisma.raw(keyNames)}
      HAVING sum(amount) <> 0
    )
    UPDATE ${Prisma.raw(`"${spec.table}"`)} t
    SET spend = t.spend + a.amount${Prisma.raw(modelSpend)}
    FROM a WHERE ${Prisma.raw(match)}`;
}

/**
 * `model_spend` with each model group's amount added; a value that is not a number (or a column that is
 * not an object) counts as 0 rather than failing the whole run.
 */
function mergeModelSpend(current: string, deltas: string): string {
  const base = `CASE WHEN jsonb_typeof(${current}) = 'object' THEN ${current} ELSE '{}'::jsonb END`;
  const old = `CASE WHEN jsonb_typeof(${current}->m.key) = 'number' THEN (${current}->>m.key)::float8 ELSE 0 END`;
  return `(${base}) || coalesce((SELECT jsonb_object_agg(m.key, ${old} + m.value::float8)
    FROM jsonb_each_text(${deltas}) m), '{}'::jsonb)`;
}

/** End users may have no row yet: LiteLLM's upsert creates it with the request's spend. */
function addToEndUsers(ids: string[]): Prisma.Sql {
  return Prisma.sql`
    WITH ${claimed(ids)}
    INSERT INTO "LiteLLM_EndUserTable" AS t (user_id, spend)
    SELECT l.end_user, sum(l.spend) FROM l WHERE l.end_user <> '' GROUP BY l.end_user ORDER BY l.end_user
    ON CONFLICT (user_id) DO UPDATE SET spend = t.spend + EXCLUDED.spend`;
}

interface DailyTable {
  table: string;
  column: string;
  /** The entity of a claimed row; rows where it is '' are skipped unless `keepEmpty`. */
  value: string;
  from?: string;
  /** LiteLLM writes a user row for requests without a user (user_id ''). */
  keepEmpty?: boolean;
  /** The tag table keeps the latest request id of the row. */
  requestId?: boolean;
}

const DAILY_TABLES: DailyTable[] = [
  { table: 'LiteLLM_DailyUserSpend', column: 'user_id', value: 'l.user_id', keepEmpty: true },
  { table: 'LiteLLM_DailyTeamSpend', column: 'team_id', value: 'l.team_id' },
  { table: 'LiteLLM_DailyOrganizationSpend', column: 'organization_id', value: 'l.organization_id' },
  { table: 'LiteLLM_DailyEndUserSpend', column: 'end_user_id', value: 'l.end_user' },
  { table: 'LiteLLM_DailyAgentSpend', column: 'agent_id', value: 'l.agent_id' },
  {
    table: 'LiteLLM_DailyTagSpend',
    column: 'tag',
    value: 'tag.value',
    from: ', jsonb_array_elements_text(l.tags) AS tag(value)',
    requestId: true,
  },
];

/**
 * One multi-row upsert per Daily table on LiteLLM's unique key (entity, date, api_key, model, provider,
 * MCP tool, endpoint). Every key column is written non-null ('' for none, as LiteLLM normalises them):
 * a NULL never equals itself in a unique index, so a NULL key would add a new row on every run.
 */
function addToDaily(ids: string[], spec: DailyTable): Prisma.Sql {
  const keys = 'entity, l.date, l.api_key, l.model, l.provider, l.mcp, l.endpoint';
  const where = spec.keepEmpty ? 'TRUE' : `${spec.value} <> ''`;
  const requestId = spec.requestId
    ? { select: ', max(l.request_id) AS request_id', column: ', request_id', value: ', d.request_id' }
    : { select: '', column: '', value: '' };
  const setRequestId = spec.requestId ? ', request_id = EXCLUDED.request_id' : '';
  const now = Prisma.raw(`(now() AT TIME ZONE 'UTC')`);
  return Prisma.sql`
    WITH ${claimed(ids)},
    d AS (
      SELECT ${Prisma.raw(spec.value)} AS entity, l.date, l.api_key, l.model, max(l.model_group) AS model_group,
        l.provider, l.mcp, l.endpoint, sum(l.prompt_tokens)::bigint AS prompt_tokens,
        sum(l.completion_tokens)::bigint AS completion_tokens, sum(l.cache_read)::bigint AS cache_read,
        sum(l.cache_creation)::bigint AS cache_creation, sum(l.spend) AS spend, count(*) AS requests,
        count(*) FILTER (WHERE l.status IS DISTINCT FROM 'failure') AS successful,
        count(*) FILTER (WHERE l.status = 'failure') AS failed${Prisma.raw(requestId.select)}
      FROM l${Prisma.raw(spec.from ?? '')}
      WHERE ${Prisma.raw(where)}
      GROUP BY ${Prisma.raw(keys)}
    )
    INSERT INTO ${Prisma.raw(`"${spec.table}"`)} AS t (id, ${Prisma.raw(spec.column)}, date, api_key, model,
      model_group, custom_llm_provider, mcp_namespaced_tool_name, endpoint, prompt_tokens, completion_tokens,
      cache_read_input_tokens, cache_creation_input_tokens, spend, api_requests, successful_requests,
      failed_requests, created_at, updated_at${Prisma.raw(requestId.column)})
    SELECT gen_random_uuid()::text, d.entity, d.date, d.api_key, d.model, nullif(d.model_group, ''), d.provider,
      d.mcp, d.endpoint, d.prompt_tokens, d.completion_tokens, d.cache_read, d.cache_creation, d.spend,
      d.requests, d.successful, d.failed, ${now}, ${now}${Prisma.raw(requestId.value)}
    FROM d ORDER BY d.entity, d.date, d.api_key, d.model, d.provider, d.mcp, d.endpoint
    ON CONFLICT (${Prisma.raw(spec.column)}, date, api_key, model, custom_llm_provider, mcp_namespaced_tool_name, endpoint)
    DO UPDATE SET prompt_tokens = t.prompt_tokens + EXCLUDED.prompt_tokens,
      completion_tokens = t.completion_tokens + EXCLUDED.completion_tokens,
      cache_read_input_tokens = t.cache_read_input_tokens + EXCLUDED.cache_read_input_tokens,
      cache_creation_input_tokens = t.cache_creation_input_tokens + EXCLUDED.cache_creation_input_tokens,
      spend = t.spend + EXCLUDED.spend, api_requests = t.api_requests + EXCLUDED.api_requests,
      successful_requests = t.successful_requests + EXCLUDED.successful_requests,
      failed_requests = t.failed_requests + EXCLUDED.failed_requests,
      updated_at = ${now}${Prisma.raw(setRequestId)}`;
}
