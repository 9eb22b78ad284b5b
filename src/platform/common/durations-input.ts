import { badRequest } from './errors/api-error';
import { addDuration, InvalidDurationError, nextResetAt, parseDuration, ResetOptions } from './duration';

/**
 * The calendar of budget resets (BUDGET_RESET_TIMEZONE / BUDGET_RESET_TIME), set once at start-up
 * from the config so that every `budget_reset_at` written by a request and by the reset job agrees.
 */
let resetPolicy: ResetOptions = {};

export function setBudgetResetPolicy(policy: ResetOptions): void {
  resetPolicy = { ...policy };
}

export function budgetResetPolicy(): ResetOptions {
  return resetPolicy;
}

/**
 * Duration fields of request bodies, with LiteLLM's 400 messages. Shared by keys, users, teams,
 * budgets and customers so the rules cannot drift.
 */
export function expiryFromDuration(duration: string | null | undefined, now: Date): Date | null | undefined {
  if (duration === undefined) return undefined;
  if (duration === null || duration === '-1') return null;
  try {
    return addDuration(now, parseDuration(duration));
  } catch (e) {
    if (e instanceof InvalidDurationError) {
      throw badRequest(
        `Invalid duration '${duration}'. Use a format like '1h', '24h', '7d', or '30d'.`,
        'duration',
      );
    }
    throw e;
  }
}

/** `budget_reset_at` for a `budget_duration`, calendar-aligned (tenancy.md §18). Rejects zero and bad values. */
export function budgetResetFromDuration(
  budgetDuration: string | null | undefined,
  now: Date,
  field = 'budget_duration',
): Date | null | undefined {
  if (budgetDuration === undefined) return undefined;
  if (budgetDuration === null) return null;
  const invalid = () =>
    badRequest(`Invalid ${field} '${budgetDuration}'. Use a format like '1h', '24h', '7d', or '30d'.`, field);
  try {
    const parsed = parseDuration(budgetDuration);
    if (parsed.amount <= 0) throw invalid();
    return nextResetAt(parsed, now, resetPolicy);
  } catch (e) {
    if (e instanceof InvalidDurationError) throw invalid();
    throw e;
  }
}

/** Validates a duration field without computing a date (e.g. `rotation_interval`). */
export function assertDuration(value: string | null | undefined, field: string): void {
  if (value === undefined || value === null) return;
  try {
    if (parseDuration(value).amount <= 0) throw new InvalidDurationError(value);
  } catch (e) {
    if (e instanceof InvalidDurationError) {
      throw badRequest(`Invalid ${field} '${value}'. Use a format like '1h', '24h', '7d', or '30d'.`, field);
    }
    throw e;
  }
}
