import { parseDuration } from './duration';
import { badRequest } from './errors/api-error';

/**
 * `model_max_budget`: per-model budgets, `{"<model>": {"budget_limit": 10, "time_period": "1d"}}`.
 * LiteLLM reads each entry as its `BudgetConfig`, where `budget_limit`/`time_period` are aliases of
 * `max_budget`/`budget_duration` and `tpm_limit`/`rpm_limit` may be added; numeric strings are
 * accepted for the limit (its UI sends them). Unlike LiteLLM, unknown fields and entries without a
 * limit are refused, so a typo cannot silently store a budget that is never enforced.
 */
const MAX_MODELS = 1000;
const MAX_MODEL_NAME = 256;
const LIMIT_FIELDS = ['budget_limit', 'max_budget'] as const;
const PERIOD_FIELDS = ['time_period', 'budget_duration'] as const;
const RATE_FIELDS = ['tpm_limit', 'rpm_limit'] as const;
const KNOWN_FIELDS: ReadonlySet<string> = new Set([...LIMIT_FIELDS, ...PERIOD_FIELDS, ...RATE_FIELDS]);

export const MODEL_MAX_BUDGET_EXAMPLE = { 'gpt-4o': { budget_limit: 10, time_period: '1d' } };

/** A `model_max_budget` of a key, user or team request: 400 on its first problem. */
export function validateModelMaxBudget(value: Record<string, unknown>): void {
  const problem = modelMaxBudgetProblem(value);
  if (problem) throw badRequest(`Invalid model_max_budget: ${problem}`, 'model_max_budget');
}

/** The first problem with a `model_max_budget` value, or `null` when it is valid. */
export function modelMaxBudgetProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return 'expected an object keyed by model name';
  const entries = Object.entries(value);
  if (entries.length > MAX_MODELS) return `at most ${MAX_MODELS} models are allowed`;
  for (const [model, config] of entries) {
    const problem = entryProblem(model, config);
    if (problem) return problem;
  }
  return null;
}

function entryProblem(model: string, config: unknown): string | null {
  if (model.trim() === '') return 'model names must not be empty';
  if (model.length > MAX_MODEL_NAME) return `model names must be at most ${MAX_MODEL_NAME} characters`;
  const where = `model '${model}'`;
  if (!isPlainObject(config))
    return `${where}: expected an object like {"budget_limit": 10, "time_period": "1d"}`;
  const unknown = Object.keys(config).find((field) => !KNOWN_FIELDS.has(field));
  if (unknown !== undefined) return `${where}: unknown field '${unknown}'`;

  const limits = LIMIT_FIELDS.filter((f) => config[f] !== undefined && config[f] !== null);
  if (limits.length === 0) return `${where}: budget_limit is required`;
  if (limits.length > 1) return `${where}: set budget_limit or max_budget, not both`;
  const limit = config[limits[0]];
  if (!isNonNegativeAmount(limit)) return `${where}: ${limits[0]} must be a non-negative finite number`;

  const periods = PERIOD_FIELDS.filter((f) => config[f] !== undefined && config[f] !== null);
  if (periods.length > 1) return `${where}: set time_period or budget_duration, not both`;
  if (periods.length === 1 && !isPositiveDuration(config[periods[0]])) {
    return `${where}: ${periods[0]} must be a duration like '1h', '1d', '30d' or '1mo'`;
  }
  for (const field of RATE_FIELDS) {
    const rate = config[field];
    if (rate !== undefined && rate !== null && !(Number.isSafeInteger(rate) && (rate as number) >= 0)) {
      return `${where}: ${field} must be a non-negative whole number`;
    }
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeAmount(value: unknown): boolean {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

function isPositiveDuration(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return parseDuration(value).amount > 0;
  } catch {
    return false;
  }
}
