import { Prisma } from '@prisma/client';
import { addDuration } from '../../platform/common/duration';
import { budgetResetFromDuration } from '../../platform/common/durations-input';
import { badRequest } from '../../platform/common/errors/api-error';
import { modelMaxBudgetProblem, MODEL_MAX_BUDGET_EXAMPLE } from '../../platform/common/model-max-budget';
import type { BudgetFieldsRequest } from './budgets.dto';

/**
 * Budget columns as other domains pass them: `undefined` = leave alone, `null` = clear.
 * `allowed_models` is the per-member model scope used by team memberships.
 */
export interface BudgetFields {
  max_budget?: number | null;
  soft_budget?: number | null;
  max_parallel_requests?: number | null;
  tpm_limit?: number | null;
  rpm_limit?: number | null;
  budget_duration?: string | null;
  model_max_budget?: Record<string, unknown> | null;
  budget_reset_at?: Date | null;
  allowed_models?: string[] | null;
}

const FIELD_NAMES = [
  'max_budget',
  'soft_budget',
  'max_parallel_requests',
  'tpm_limit',
  'rpm_limit',
  'budget_duration',
  'model_max_budget',
  'budget_reset_at',
  'allowed_models',
] as const satisfies readonly (keyof BudgetFields)[];

/**
 * How `budget_reset_at` follows `budget_duration` when the caller did not set it: LiteLLM's
 * calendar-aligned reset (`calendar`, the default: budgets, keys, teams...) or exactly
 * now + duration (`exact`: LiteLLM's customer budgets).
 */
export type ResetRule = 'calendar' | 'exact';

/** Column values for a create or an update (assignable to both Prisma inputs). */
export interface BudgetColumns {
  max_budget?: number | null;
  soft_budget?: number | null;
  max_parallel_requests?: number | null;
  tpm_limit?: bigint | null;
  rpm_limit?: bigint | null;
  budget_duration?: string | null;
  model_max_budget?: Prisma.InputJsonObject | typeof Prisma.DbNull;
  budget_reset_at?: Date | null;
  allowed_models?: string[];
}

/** True when any budget column is given a value (LiteLLM: "budget params are passed"). */
export function hasBudgetFields(fields: BudgetFields): boolean {
  return FIELD_NAMES.some((name) => fields[name] !== undefined && fields[name] !== null);
}

/** Picks the budget columns out of a request (e.g. a `/customer/new` body). */
export function pickBudgetFields(source: BudgetFieldsRequest): BudgetFields {
  const fields: BudgetFields = {};
  for (const name of FIELD_NAMES) {
    const value = (source as Record<string, unknown>)[name];
    if (value !== undefined) (fields as Record<string, unknown>)[name] = value;
  }
  return fields;
}

/** LiteLLM's checks and messages (400), plus a duration the reset job can honour. */
export function validateBudgetFields(fields: BudgetFields, now: Date): void {
  for (const name of ['max_budget', 'soft_budget'] as const) {
    const value = fields[name];
    if (value !== undefined && value !== null && !(Number.isFinite(value) && value >= 0)) {
      throw badRequest(`${name} must be a non-negative finite number. Received: ${value}`, name);
    }
  }
  const perModel = fields.model_max_budget;
  if (perModel !== undefined && perModel !== null) {
    const problem = modelMaxBudgetProblem(perModel);
    if (problem) {
      throw badRequest(
        `Invalid model_max_budget: ${problem}. Example of a valid model_max_budget: ${JSON.stringify(MODEL_MAX_BUDGET_EXAMPLE)}`,
        'model_max_budget',
      );
    }
  }
  // Throws LiteLLM's 400 for an unusable duration (bad syntax, zero, "2mo").
  budgetResetFromDuration(fields.budget_duration, now);
}

/** `budget_reset_at` of a new budget that did not set it (undefined without a duration). */
export function initialResetAt(
  duration: string | null | undefined,
  rule: ResetRule | undefined,
  now: Date,
): Date | null | undefined {
  if (duration === undefined || duration === null) return undefined;
  return rule === 'exact' ? addDuration(now, duration) : budgetResetFromDuration(duration, now);
}

/** The columns the fields set; only fields given are returned. */
export function budgetColumns(fields: BudgetFields): BudgetColumns {
  const data: BudgetColumns = {};
  if (fields.max_budget !== undefined) data.max_budget = fields.max_budget;
  if (fields.soft_budget !== undefined) data.soft_budget = fields.soft_budget;
  if (fields.max_parallel_requests !== undefined) data.max_parallel_requests = fields.max_parallel_requests;
  if (fields.tpm_limit !== undefined) data.tpm_limit = toBigInt(fields.tpm_limit);
  if (fields.rpm_limit !== undefined) data.rpm_limit = toBigInt(fields.rpm_limit);
  if (fields.budget_duration !== undefined) data.budget_duration = fields.budget_duration;
  if (fields.model_max_budget !== undefined) {
    data.model_max_budget =
      fields.model_max_budget === null ? Prisma.DbNull : (fields.model_max_budget as Prisma.InputJsonObject);
  }
  if (fields.budget_reset_at !== undefined) data.budget_reset_at = fields.budget_reset_at;
  if (fields.allowed_models !== undefined) data.allowed_models = fields.allowed_models ?? [];
  return data;
}

function toBigInt(value: number | null): bigint | null {
  return value === null ? null : BigInt(value);
}
