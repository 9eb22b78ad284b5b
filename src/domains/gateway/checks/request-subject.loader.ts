import { Prisma } from '@prisma/client';
import type { PrismaService } from '../../../platform/prisma/prisma.service';
import type { EndUserFacts, Limits, RequestSubject } from './request-subject';

/** The one method the loaders use: prepared, row-shaped reads on Prisma's pool. */
export type RowReader = Pick<PrismaService, 'queryRows'>;

type Int = number | bigint | null;

interface SubjectRow {
  token: string;
  key_alias: string | null;
  user_id: string | null;
  team_id: string | null;
  organization_id: string | null;
  project_id: string | null;
  models: string[] | null;
  aliases: unknown;
  key_max_budget: number | null;
  key_rpm: Int;
  key_tpm: Int;
  key_parallel: Int;
  model_max_budget: unknown;
  metadata: unknown;
  access_group_ids: string[] | null;
  key_group_models: string[] | null;
  t_id: string | null;
  t_alias: string | null;
  t_models: string[] | null;
  t_max_budget: number | null;
  t_rpm: Int;
  t_tpm: Int;
  t_parallel: Int;
  t_access_group_ids: string[] | null;
  t_group_models: string[] | null;
  t_organization_id: string | null;
  t_model_aliases: unknown;
  m_budget_found: boolean;
  m_max_budget: number | null;
  m_rpm: Int;
  m_tpm: Int;
  m_parallel: Int;
  m_allowed_models: string[] | null;
  u_id: string | null;
  u_models: string[] | null;
  u_max_budget: number | null;
  u_rpm: Int;
  u_tpm: Int;
  u_parallel: Int;
  o_id: string | null;
  o_models: string[] | null;
  o_max_budget: number | null;
  p_id: string | null;
  p_models: string[] | null;
  p_max_budget: number | null;
}

/**
 * Everything the request checks need about a key, in one statement: the key (its limits falling
 * back to its budget row), its team with the team's model aliases and the access-group models of
 * key and team, the owner's membership budget (else the team's default member budget, named by
 * `metadata.team_member_budget_id`), the owner, the organization (the key's, else the team's) and
 * the project, with their budget rows. Access-group models are read here rather than per request:
 * a group edit evicts the keys and teams it touches from auth's cache, and the subject with them.
 */
const SUBJECT_SQL = (tokenHash: string) => Prisma.sql`
  SELECT v.token, v.key_alias, v.user_id, v.team_id, v.organization_id, v.project_id, v.models, v.aliases,
         COALESCE(v.max_budget, kb.max_budget) AS key_max_budget,
         COALESCE(v.rpm_limit, kb.rpm_limit) AS key_rpm, COALESCE(v.tpm_limit, kb.tpm_limit) AS key_tpm,
         COALESCE(v.max_parallel_requests, kb.max_parallel_requests) AS key_parallel,
         v.model_max_budget, v.metadata, v.access_group_ids,
         (SELECT array_agg(DISTINCT name) FROM "LiteLLM_AccessGroupTable" g, unnest(g.access_model_names) name
           WHERE g.access_group_id = ANY(v.access_group_ids)) AS key_group_models,
         t.team_id AS t_id, t.team_alias AS t_alias, t.models AS t_models, t.max_budget AS t_max_budget,
         t.rpm_limit AS t_rpm, t.tpm_limit AS t_tpm, t.max_parallel_requests AS t_parallel,
         t.access_group_ids AS t_access_group_ids, t.organization_id AS t_organization_id,
         (SELECT array_agg(DISTINCT name) FROM "LiteLLM_AccessGroupTable" g, unnest(g.access_model_names) name
           WHERE g.access_group_id = ANY(t.access_group_ids)) AS t_group_models,
         mt.aliases AS t_model_aliases,
         (mb.budget_id IS NOT NULL OR db.budget_id IS NOT NULL) AS m_budget_found,
         CASE WHEN mb.budget_id IS NOT NULL THEN mb.max_budget ELSE db.max_budget END AS m_max_budget,
         CASE WHEN mb.budget_id IS NOT NULL THEN mb.rpm_limit ELSE db.rpm_limit END AS m_rpm,
         CASE WHEN mb.budget_id IS NOT NULL THEN mb.tpm_limit ELSE db.tpm_limit END AS m_tpm,
         CASE WHEN mb.budget_id IS NOT NULL THEN mb.max_parallel_requests ELSE db.max_parallel_requests END
           AS m_parallel,
         mb.allowed_models AS m_allowed_models,
         u.user_id AS u_id, u.models AS u_models, u.max_budget AS u_max_budget,
         u.rpm_limit AS u_rpm, u.tpm_limit AS u_tpm, u.max_parallel_requests AS u_parallel,
         o.organization_id AS o_id, o.models AS o_models, ob.max_budget AS o_max_budget,
         p.project_id AS p_id, p.models AS p_models, pb.max_budget AS p_max_budget
  FROM "LiteLLM_VerificationToken" v
  LEFT JOIN "LiteLLM_BudgetTable" kb ON kb.budget_id = v.budget_id
  LEFT JOIN "LiteLLM_TeamTable" t ON t.team_id = v.team_id
  LEFT JOIN "LiteLLM_ModelTable" mt ON mt.id = t.model_id
  LEFT JOIN "LiteLLM_TeamMembership" tm ON tm.team_id = v.team_id AND tm.user_id = v.user_id
  LEFT JOIN "LiteLLM_BudgetTable" mb ON mb.budget_id = tm.budget_id
  LEFT JOIN "LiteLLM_BudgetTable" db ON db.budget_id = t.metadata->>'team_member_budget_id'
  LEFT JOIN "LiteLLM_UserTable" u ON u.user_id = v.user_id
  LEFT JOIN "LiteLLM_OrganizationTable" o ON o.organization_id = COALESCE(v.organization_id, t.organization_id)
  LEFT JOIN "LiteLLM_BudgetTable" ob ON ob.budget_id = o.budget_id
  LEFT JOIN "LiteLLM_ProjectTable" p ON p.project_id = v.project_id
  LEFT JOIN "LiteLLM_BudgetTable" pb ON pb.budget_id = p.budget_id
  WHERE v.token = ${tokenHash}`;

/** The request subject of a key (by its SHA-256 hash), or undefined when no such key exists. */
export async function loadRequestSubject(
  db: RowReader,
  tokenHash: string,
): Promise<RequestSubject | undefined> {
  const [row] = await db.queryRows<SubjectRow>(SUBJECT_SQL(tokenHash));
  if (!row) return undefined;
  const metadata = asObject(row.metadata);
  return {
    key: {
      ...limits(row.key_max_budget, row.key_rpm, row.key_tpm, row.key_parallel),
      token: row.token,
      alias: row.key_alias,
      userId: row.user_id,
      teamId: row.team_id,
      organizationId: row.organization_id,
      projectId: row.project_id,
      models: row.models ?? [],
      aliases: stringMap(row.aliases),
      accessGroupIds: row.access_group_ids ?? [],
      accessGroupModels: row.key_group_models ?? [],
      modelMaxBudget: modelMaxBudget(row.model_max_budget),
      modelRpm: numberMap(metadata.model_rpm_limit),
      modelTpm: numberMap(metadata.model_tpm_limit),
      tags: stringList(metadata.tags),
      tempBudgetIncrease: tempBudgetIncrease(metadata),
    },
    team: teamOf(row),
    user:
      row.u_id === null
        ? null
        : {
            ...limits(row.u_max_budget, row.u_rpm, row.u_tpm, row.u_parallel),
            id: row.u_id,
            models: row.u_models ?? [],
          },
    organization:
      row.o_id === null ? null : { id: row.o_id, maxBudget: row.o_max_budget, models: row.o_models ?? [] },
    project:
      row.p_id === null ? null : { id: row.p_id, maxBudget: row.p_max_budget, models: row.p_models ?? [] },
  };
}

function teamOf(row: SubjectRow): RequestSubject['team'] {
  if (row.t_id === null) return null;
  return {
    ...limits(row.t_max_budget, row.t_rpm, row.t_tpm, row.t_parallel),
    id: row.t_id,
    alias: row.t_alias,
    models: row.t_models ?? [],
    modelAliases: stringMap(row.t_model_aliases),
    accessGroupIds: row.t_access_group_ids ?? [],
    accessGroupModels: row.t_group_models ?? [],
    organizationId: row.t_organization_id,
    member: row.m_budget_found
      ? {
          ...limits(row.m_max_budget, row.m_rpm, row.m_tpm, row.m_parallel),
          // Only the membership's own budget scopes models; the team's default budget does not (LiteLLM).
          allowedModels: row.m_allowed_models ?? [],
        }
      : null,
  };
}

interface EndUserRow {
  user_id: string;
  blocked: boolean | null;
  max_budget: number | null;
  rpm_limit: Int;
  tpm_limit: Int;
  max_parallel_requests: Int;
}

/** The end user named by a request's `user` (LiteLLM_EndUserTable + budget row), if known. */
export async function loadEndUser(db: RowReader, id: string): Promise<EndUserFacts | undefined> {
  const [row] = await db.queryRows<EndUserRow>(Prisma.sql`
    SELECT e.user_id, e.blocked, b.max_budget, b.rpm_limit, b.tpm_limit, b.max_parallel_requests
    FROM "LiteLLM_EndUserTable" e
    LEFT JOIN "LiteLLM_BudgetTable" b ON b.budget_id = e.budget_id
    WHERE e.user_id = ${id}`);
  if (!row) return undefined;
  return {
    ...limits(row.max_budget, row.rpm_limit, row.tpm_limit, row.max_parallel_requests),
    id: row.user_id,
    blocked: row.blocked === true,
  };
}

/**
 * Every tag with a max budget (tag → max): a small table the caller caches and refreshes on tag
 * changes, so a request's tags are checked without a read.
 */
export async function loadTagBudgets(db: RowReader): Promise<Map<string, number>> {
  const rows = await db.queryRows<{ tag_name: string; max_budget: number }>(Prisma.sql`
    SELECT t.tag_name, b.max_budget
    FROM "LiteLLM_TagTable" t
    JOIN "LiteLLM_BudgetTable" b ON b.budget_id = t.budget_id
    WHERE b.max_budget IS NOT NULL`);
  return new Map(rows.map((r) => [r.tag_name, r.max_budget]));
}

// ---------------------------------------------------------------- column conversions

function limits(maxBudget: number | null, rpm: Int, tpm: Int, maxParallel: Int): Limits {
  return { maxBudget, rpm: toNumber(rpm), tpm: toNumber(tpm), maxParallel: toNumber(maxParallel) };
}

/** `int8` arrives as a bigint; the limits are far below 2^53. */
function toNumber(value: Int): number | null {
  return value === null ? null : Number(value);
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A JSON object's entries, without `__proto__` (assigning it would replace the map's prototype). */
function ownEntries(value: unknown): [string, unknown][] {
  return Object.entries(asObject(value)).filter(([name]) => name !== '__proto__');
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, target] of ownEntries(value)) if (typeof target === 'string') out[name] = target;
  return out;
}

/** Numbers or numeric strings (LiteLLM's UI sends both). */
function numberMap(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, raw] of ownEntries(value)) {
    const n = toAmount(raw);
    if (n !== null) out[name] = n;
  }
  return out;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function toAmount(raw: unknown): number | null {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** `model_max_budget` entries with LiteLLM's aliases folded: `max_budget` → budget_limit, `budget_duration` → time_period. */
function modelMaxBudget(value: unknown): RequestSubject['key']['modelMaxBudget'] {
  const out: RequestSubject['key']['modelMaxBudget'] = {};
  for (const [model, raw] of ownEntries(value)) {
    const entry = asObject(raw);
    const limit = toAmount(entry.budget_limit ?? entry.max_budget);
    const period = entry.time_period ?? entry.budget_duration;
    out[model] = {
      ...(limit === null ? {} : { budget_limit: limit }),
      ...(typeof period === 'string' ? { time_period: period } : {}),
    };
  }
  return out;
}

/** `metadata.temp_budget_increase` with `temp_budget_expiry` (ISO; no offset means UTC, as LiteLLM reads it). */
function tempBudgetIncrease(metadata: Record<string, unknown>): RequestSubject['key']['tempBudgetIncrease'] {
  const amount = toAmount(metadata.temp_budget_increase);
  const expiry = metadata.temp_budget_expiry;
  if (!amount || typeof expiry !== 'string') return null;
  const text = expiry.trim().replace(' ', 'T');
  const hasZone = /(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(text);
  const expiresAt = Date.parse(hasZone || !text.includes('T') ? text : `${text}Z`);
  return Number.isFinite(expiresAt) ? { amount, expiresAt } : null;
}
