import { randomUUID } from 'node:crypto';
import { LiteLLM_TeamTable, Prisma } from '@prisma/client';
import { budgetResetFromDuration } from '../../platform/common/durations-input';
import { ApiError, badRequest, notFound } from '../../platform/common/errors/api-error';
import { validateModelMaxBudget } from '../../platform/common/model-max-budget';
import type { TeamFieldsRequest } from './dto/team.requests';

export const TEAM_TABLE = 'LiteLLM_TeamTable';

export type TeamRow = LiteLLM_TeamTable;
export type Tx = Prisma.TransactionClient;

/** Request fields LiteLLM keeps inside the team's `metadata` rather than in columns. */
const METADATA_FIELDS = [
  'model_rpm_limit',
  'model_tpm_limit',
  'rpm_limit_type',
  'tpm_limit_type',
  'tags',
  'guardrails',
  'prompts',
  'secret_manager_settings',
  'allowed_passthrough_routes',
  'allowed_vector_store_indexes',
  'enforced_batch_output_expires_after',
  'enforced_file_expires_after',
  'team_member_key_duration',
] as const;

/**
 * Metadata keys this server manages through dedicated fields (`team_member_budget*`,
 * `team_admin_permissions`); a client's `metadata` object never sets or removes them.
 */
export const MANAGED_METADATA = ['team_member_budget_id', 'team_admin_permissions'] as const;

const DIRECT_FIELDS = [
  'team_alias',
  'max_budget',
  'soft_budget',
  'budget_duration',
  'max_parallel_requests',
  'blocked',
] as const;
const LIST_FIELDS = ['models', 'team_member_permissions', 'access_group_ids', 'policies'] as const;

/** The member-default budget fields (a LiteLLM_BudgetTable row linked from metadata). */
export const MEMBER_BUDGET_FIELDS = [
  'team_member_budget',
  'team_member_rpm_limit',
  'team_member_tpm_limit',
  'team_member_budget_duration',
] as const;

export function teamMetadata(row: { metadata: unknown }): Record<string, unknown> {
  const value = row.metadata;
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** LiteLLM's 400s for team settings (negative budgets, bad durations, bad model_max_budget). */
export function validateTeamFields(req: TeamFieldsRequest, now: Date): void {
  for (const field of ['max_budget', 'soft_budget', 'team_member_budget'] as const) {
    const value = req[field];
    if (typeof value === 'number' && value < 0)
      throw badRequest(`${field} cannot be negative. Received: ${value}`, field);
  }
  if (req.model_max_budget) validateModelMaxBudget(req.model_max_budget);
  budgetResetFromDuration(req.budget_duration, now);
  budgetResetFromDuration(req.team_member_budget_duration, now, 'team_member_budget_duration');
  budgetResetFromDuration(req.team_member_key_duration, now, 'team_member_key_duration');
  if (req.team_alias === '') throw badRequest('team_alias cannot be empty', 'team_alias');
}

/**
 * The column values a request sets (only fields present). `existingMetadata` is merged with the
 * metadata sent and the metadata fields (update semantics; `{}` on create); managed keys keep
 * their stored value.
 */
export function teamColumns(
  req: TeamFieldsRequest,
  now: Date,
  existingMetadata: Record<string, unknown> = {},
): { data: Prisma.LiteLLM_TeamTableUncheckedUpdateInput; metadata: Record<string, unknown> } {
  const data: Record<string, unknown> = {};
  for (const field of DIRECT_FIELDS) if (req[field] !== undefined) data[field] = req[field];
  for (const field of LIST_FIELDS) if (req[field] !== undefined) data[field] = req[field] ?? [];
  if (req.blocked === null) data.blocked = false;
  if (req.model_max_budget !== undefined) data.model_max_budget = req.model_max_budget ?? {};
  if (req.router_settings !== undefined) data.router_settings = req.router_settings ?? {};
  if (req.tpm_limit !== undefined) data.tpm_limit = req.tpm_limit === null ? null : BigInt(req.tpm_limit);
  if (req.rpm_limit !== undefined) data.rpm_limit = req.rpm_limit === null ? null : BigInt(req.rpm_limit);
  const resetAt = budgetResetFromDuration(req.budget_duration, now);
  if (resetAt !== undefined) data.budget_reset_at = resetAt;

  const sent = { ...(req.metadata ?? {}) };
  for (const key of MANAGED_METADATA) delete sent[key];
  const metadata: Record<string, unknown> = { ...existingMetadata, ...sent };
  for (const field of METADATA_FIELDS) {
    const value = (req as Record<string, unknown>)[field];
    if (value !== undefined) metadata[field] = value;
  }
  return { data: data as Prisma.LiteLLM_TeamTableUncheckedUpdateInput, metadata };
}

/** True when the request sets any member-default budget field. */
export function setsMemberBudget(req: TeamFieldsRequest): boolean {
  return MEMBER_BUDGET_FIELDS.some((f) => req[f] !== undefined);
}

/** LiteLLM's id for a member-default budget: `team-{alias}-budget-{hex}` or `team-budget-{hex}`. */
export function memberBudgetId(alias: string | null | undefined): string {
  const hex = randomUUID().replace(/-/g, '');
  return alias ? `team-${alias.replace(/ /g, '-')}-budget-${hex}` : `team-budget-${hex}`;
}

export function teamNotFound(teamId: string, param = 'team_id'): ApiError {
  return notFound(`Team not found, passed team_id=${teamId}`, param);
}

/** The team row; 404 when there is none. */
export async function findTeamOrThrow(db: Pick<Tx, 'liteLLM_TeamTable'>, teamId: string): Promise<TeamRow> {
  const team = await db.liteLLM_TeamTable.findUnique({ where: { team_id: teamId } });
  if (!team) throw teamNotFound(teamId);
  return team;
}
