import { badRequest } from './errors/api-error';
import {
  addDuration,
  DurationRule,
  InvalidDurationError,
  isValidDuration,
  nextResetAt,
  parseDurationAs,
  ResetOptions,
} from './duration';

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

/** A key `duration` of `"-1"` (like null) means the key never expires (LiteLLM). */
export const NEVER_EXPIRES = '-1';

/** LiteLLM's 400 message for a duration field it cannot use. */
export function invalidDurationMessage(field: string, value: unknown): string {
  return `Invalid ${field} '${String(value)}'. Use a format like '1h', '24h', '7d', or '30d'.`;
}

/**
 * True when a request may send `value` in a duration field of that rule: what the DTO decorator
 * (`@DurationField`) checks before the handler runs, and what the helpers below then rely on.
 */
export function isAcceptedDuration(value: unknown, rule: DurationRule): value is string {
  return (rule === 'expiry' && value === NEVER_EXPIRES) || isValidDuration(value, rule);
}

/**
 * Duration fields of request bodies, with LiteLLM's 400 messages. Shared by keys, users, teams,
 * budgets and customers so the rules cannot drift. Request bodies are checked earlier, by the DTO
 * decorator; these keep the same rule for callers that build fields themselves.
 */
export function expiryFromDuration(duration: string | null | undefined, now: Date): Date | null | undefined {
  if (duration === undefined) return undefined;
  if (duration === null || duration === NEVER_EXPIRES) return null;
  return addDuration(now, parsed(duration, 'expiry', 'duration'));
}

/** `budget_reset_at` for a `budget_duration`, calendar-aligned (tenancy.md §18). Rejects zero and bad values. */
export function budgetResetFromDuration(
  budgetDuration: string | null | undefined,
  now: Date,
  field = 'budget_duration',
): Date | null | undefined {
  if (budgetDuration === undefined) return undefined;
  if (budgetDuration === null) return null;
  return nextResetAt(parsed(budgetDuration, 'reset', field), now, resetPolicy);
}

/** Validates a duration field without computing a date (e.g. `rotation_interval`). */
export function assertDuration(value: string | null | undefined, field: string): void {
  if (value === undefined || value === null) return;
  parsed(value, 'interval', field);
}

function parsed(value: string, rule: DurationRule, field: string) {
  try {
    return parseDurationAs(value, rule);
  } catch (e) {
    if (e instanceof InvalidDurationError) throw badRequest(invalidDurationMessage(field, value), field);
    throw e;
  }
}
