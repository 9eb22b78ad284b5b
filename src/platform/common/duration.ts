/**
 * LiteLLM duration strings (`"30s"`, `"15m"`, `"6h"`, `"7d"`, `"2w"`, `"1mo"`) and the two things they
 * drive: a key's exact expiry (`expires = now + duration`) and a budget's calendar-aligned next reset
 * (`budget_reset_at`), as in LiteLLM's `litellm_core_utils/duration_parser.py` (spec/tenancy.md §18).
 *
 * Pure logic: callers pass `now` (from their injected clock); a zone's wall clock comes from
 * wall-clock.ts.
 */

import {
  calendarMs,
  DAY_MS,
  HOUR_MS,
  isValidTimeZone,
  MINUTE_MS,
  mod,
  SECOND_MS,
  wallClockMs,
  zonedToUtcMs,
} from './wall-clock';

export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'mo';

export interface Duration {
  readonly amount: number;
  readonly unit: DurationUnit;
}

/** Where budget resets land: LiteLLM's `litellm_settings.timezone` and `budget_reset_time`. */
export interface ResetOptions {
  /** IANA zone name; default `UTC`. */
  timeZone?: string;
  /** Wall-clock time of day, `"HH:MM"` or `"HH:MM:SS"` (24-hour); default `"00:00"`. */
  resetTime?: string;
}

export interface TimeOfDay {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const FORMAT_HINT =
  'expected <integer><unit> with unit s, m, h, d, w or mo (e.g. "30d", "1mo"), ' +
  'or one of hourly, daily, weekly, monthly';

/** A duration string (or object) that cannot be used. The message is written for the API caller. */
export class InvalidDurationError extends Error {
  constructor(
    readonly value: string,
    message = `Invalid duration "${value}": ${FORMAT_HINT}`,
  ) {
    super(message);
    this.name = 'InvalidDurationError';
  }
}

/** A bad `timezone` or `budget_reset_time` setting; raised so misconfiguration fails at startup. */
export class InvalidResetSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidResetSettingsError';
  }
}

const UNIT_SECONDS: Record<DurationUnit, number> = {
  s: 1,
  m: 60,
  h: 3_600,
  d: 86_400,
  w: 604_800,
  // LiteLLM's duration_in_seconds measures a real calendar month from "now" (28-31 days). Without a
  // start date we use 30 days; anything that needs the exact instant goes through addDuration.
  mo: 30 * 86_400,
};

// 100 years keeps every result a valid Date (and inside PostgreSQL's timestamp range) while
// allowing any realistic key lifetime; LiteLLM itself only rejects values that overflow Python's
// datetime (year 9999).
const MAX_DAYS = 36_525;
const MAX_AMOUNT: Record<DurationUnit, number> = {
  s: MAX_DAYS * 86_400,
  m: MAX_DAYS * 1_440,
  h: MAX_DAYS * 24,
  d: MAX_DAYS,
  w: Math.floor(MAX_DAYS / 7),
  mo: 1_200,
};

// The word forms LiteLLM accepts for budget_duration (newest duration_parser). Note that
// "daily" is 24h, not 1d: it takes the hourly path and ignores budget_reset_time.
const ALIASES: ReadonlyMap<string, Duration> = new Map<string, Duration>([
  ['hourly', { amount: 1, unit: 'h' }],
  ['daily', { amount: 24, unit: 'h' }],
  ['weekly', { amount: 7, unit: 'd' }],
  ['monthly', { amount: 30, unit: 'd' }],
]);

const MIDNIGHT: TimeOfDay = { hour: 0, minute: 0, second: 0 };
const RESET_TIME_PATTERN = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/;

// Stricter than LiteLLM's prefix match, which also takes "10dd" as 10d and "1month" as 1mo.
const DURATION_PATTERN = /^(\d+)(mo|[smhdw])$/;

/**
 * Parses `<integer><unit>` or a word alias. Surrounding whitespace is ignored and aliases are
 * case-insensitive (LiteLLM strips and lower-cases them); units are lower-case only, so `"1M"` cannot
 * be misread as minutes or months.
 */
export function parseDuration(value: string): Duration {
  if (typeof value !== 'string') {
    throw new InvalidDurationError(String(value));
  }
  const trimmed = value.trim();
  const alias = ALIASES.get(trimmed.toLowerCase());
  if (alias) {
    return { ...alias };
  }
  const match = DURATION_PATTERN.exec(trimmed);
  if (!match) {
    throw new InvalidDurationError(value);
  }
  const unit = match[2] as DurationUnit;
  const amount = Number(match[1]);
  if (amount > MAX_AMOUNT[unit]) {
    throw new InvalidDurationError(
      value,
      `Invalid duration "${value}": longer than 100 years is not supported`,
    );
  }
  return { amount, unit };
}

/**
 * What a duration field is for, which decides the values it takes beyond the syntax:
 * - `expiry` (a key's `duration`, `expires = now + duration`): any length, zero included;
 * - `interval` (`rotation_interval`): longer than zero;
 * - `reset` (`budget_duration` and the team member budget durations): longer than zero and a
 *   calendar period nextResetAt can honour (`Nmo` only as `1mo`).
 */
export type DurationRule = 'expiry' | 'interval' | 'reset';

/**
 * parseDuration plus the rule of the field: the one check behind request validation (the DTO
 * decorator), the row-building helpers and the scheduler jobs. Throws InvalidDurationError.
 */
export function parseDurationAs(value: string, rule: DurationRule): Duration {
  const duration = parseDuration(value);
  if (rule !== 'expiry' && duration.amount <= 0) {
    throw new InvalidDurationError(value, `Invalid duration "${value}": must be longer than zero`);
  }
  if (rule === 'reset') assertResettable(duration);
  return duration;
}

/** For validators: true when parseDuration (or parseDurationAs with `rule`) would accept the value. */
export function isValidDuration(value: unknown, rule: DurationRule = 'expiry'): value is string {
  if (typeof value !== 'string') {
    return false;
  }
  try {
    parseDurationAs(value, rule);
    return true;
  } catch {
    return false;
  }
}

/** Length in seconds; a month counts as 30 days (see UNIT_SECONDS). Zero is a valid result. */
export function durationToSeconds(value: string | Duration): number {
  const { amount, unit } = toDuration(value);
  return amount * UNIT_SECONDS[unit];
}

/**
 * Exact expiry arithmetic: `from + duration`. Seconds to weeks are fixed lengths; months are calendar
 * months in UTC (same day of month and time of day, clamped to the month's last day: Jan 31 + 1mo is
 * Feb 28 or 29), which is what LiteLLM's `now + duration_in_seconds("1mo")` comes to on a UTC host.
 */
export function addDuration(from: Date, value: string | Duration): Date {
  const { amount, unit } = toDuration(value);
  const start = validTime(from, 'from');
  if (unit !== 'mo') {
    return validDate(start + amount * UNIT_SECONDS[unit] * SECOND_MS);
  }
  const d = new Date(start);
  const months = d.getUTCMonth() + amount;
  const year = d.getUTCFullYear() + Math.floor(months / 12);
  const month = months % 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
  const timeOfDay = start - calendarMs(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return validDate(calendarMs(year, month, day) + timeOfDay);
}

/**
 * The next budget reset strictly after `now`, on LiteLLM's standardized calendar boundaries in the
 * configured zone:
 * - `1d` → the next `resetTime` (default midnight); `7d`/`1w` → next Monday at `resetTime`;
 *   `30d`/`1mo` → the 1st of the month at `resetTime`; other `Nd`/`Nw` → today's midnight + N days,
 *   at `resetTime`;
 * - `Nh` → the next multiple of N hours counted from local midnight (so `24h`/`daily` is the next
 *   midnight and ignores `resetTime`); `Nm` → the next multiple of N minutes from the top of the
 *   current hour; `Ns` → the next multiple of N seconds from the top of the current minute;
 * - amount 0 → `now`; `Nmo` with N ≠ 1 → InvalidDurationError.
 *
 * Unlike LiteLLM, which falls back to the next midnight for an unparseable duration and to UTC for an
 * unknown zone, this throws: the write path must reject what the reset job could not honour.
 */
export function nextResetAt(value: string | Duration, now: Date, opts: ResetOptions = {}): Date {
  const duration = toDuration(value);
  const zone = resolveTimeZone(opts.timeZone);
  const resetTime = opts.resetTime === undefined ? MIDNIGHT : parseResetTime(opts.resetTime);
  const nowMs = validTime(now, 'now');

  assertResettable(duration);
  // LiteLLM's "immediate expiration"; write-path validators reject non-positive budget durations.
  if (duration.amount === 0) {
    return new Date(nowMs);
  }

  // All calendar maths happens on the zone's wall clock, encoded as epoch-like milliseconds so that
  // adding a day never lands an hour off across a DST change.
  const next = nextBoundary(duration, wallClockMs(nowMs, zone), resetTime);

  // A wall time in the repeated hour of a fall-back change maps to two instants: take the first one
  // unless it is not after now (now is in the second pass of that hour), as Python's fold does.
  const earlier = zonedToUtcMs(next, zone, 'earlier');
  return validDate(earlier > nowMs ? earlier : zonedToUtcMs(next, zone, 'later'));
}

/** Parses `budget_reset_time` the way LiteLLM does: 24-hour `H:MM` or `H:MM:SS`; empty means midnight. */
export function parseResetTime(value: string): TimeOfDay {
  if (value === '') {
    return MIDNIGHT;
  }
  const match = typeof value === 'string' ? RESET_TIME_PATTERN.exec(value) : null;
  if (match) {
    const hour = Number(match[1]);
    const minute = Number(match[2]);
    const second = Number(match[3] ?? '0');
    if (hour <= 23 && minute <= 59 && second <= 59) {
      return { hour, minute, second };
    }
  }
  throw new InvalidResetSettingsError(
    `Invalid budget_reset_time "${String(value)}": expected a 24-hour "HH:MM" or "HH:MM:SS" time, e.g. "09:30"`,
  );
}

function toDuration(value: string | Duration): Duration {
  if (typeof value === 'string') {
    return parseDuration(value);
  }
  const unit = value?.unit;
  const amount = value?.amount;
  if (
    typeof unit !== 'string' ||
    !Object.hasOwn(MAX_AMOUNT, unit) ||
    !Number.isSafeInteger(amount) ||
    amount < 0
  ) {
    throw new InvalidDurationError(`${String(amount)}${String(unit)}`);
  }
  if (amount > MAX_AMOUNT[unit]) {
    const text = formatDuration(value);
    throw new InvalidDurationError(
      text,
      `Invalid duration "${text}": longer than 100 years is not supported`,
    );
  }
  return value;
}

/** Budget resets run on calendar boundaries: a month period can only be one month. */
function assertResettable(duration: Duration): void {
  if (duration.unit === 'mo' && duration.amount !== 1) {
    throw new InvalidDurationError(
      formatDuration(duration),
      `Monthly resets currently only support 1 month intervals (got "${formatDuration(duration)}"); use "1mo"`,
    );
  }
}

function formatDuration({ amount, unit }: Duration): string {
  return `${amount}${unit}`;
}

function resolveTimeZone(timeZone: string | undefined): string {
  // LiteLLM treats an unset or empty timezone as UTC.
  if (timeZone === undefined || timeZone === '') {
    return 'UTC';
  }
  if (!isValidTimeZone(timeZone)) {
    throw new InvalidResetSettingsError(
      `Invalid timezone "${String(timeZone)}": expected an IANA time zone name such as "UTC", ` +
        '"America/New_York" or "Asia/Kolkata"',
    );
  }
  return timeZone;
}

/** The next reset boundary after `wallNow`, on the zone's wall-clock axis (see nextResetAt's rules). */
function nextBoundary(duration: Duration, wallNow: number, resetTime: TimeOfDay): number {
  const midnight = wallNow - mod(wallNow, DAY_MS);
  const atResetTime = (dayStart: number) => dayStart + timeOfDayMs(resetTime);
  switch (duration.unit) {
    case 'd':
    case 'w': {
      const days = duration.unit === 'w' ? duration.amount * 7 : duration.amount;
      if (days === 1) return nextOccurrence(atResetTime(midnight), wallNow, DAY_MS);
      if (days === 7) {
        const weekday = new Date(midnight).getUTCDay(); // 0 = Sunday
        const daysUntilMonday = (8 - weekday) % 7; // 0 when today is Monday
        return nextOccurrence(atResetTime(midnight + daysUntilMonday * DAY_MS), wallNow, 7 * DAY_MS);
      }
      if (days === 30) return nextMonthStart(wallNow, resetTime);
      return atResetTime(midnight + days * DAY_MS);
    }
    case 'mo':
      return nextMonthStart(wallNow, resetTime);
    case 'h':
      return nextMultiple(wallNow, midnight, duration.amount * HOUR_MS);
    case 'm':
      return nextMultiple(wallNow, wallNow - mod(wallNow, HOUR_MS), duration.amount * MINUTE_MS);
    case 's':
      return nextMultiple(wallNow, wallNow - mod(wallNow, MINUTE_MS), duration.amount * SECOND_MS);
  }
}

/** `candidate` if it is still ahead of now, else one period later (a boundary exactly at now is past). */
function nextOccurrence(candidate: number, wallNow: number, period: number): number {
  return candidate > wallNow ? candidate : candidate + period;
}

/** The smallest `origin + k * step` (k ≥ 1) strictly after `wallNow`. */
function nextMultiple(wallNow: number, origin: number, step: number): number {
  return origin + (Math.floor((wallNow - origin) / step) + 1) * step;
}

/** The 1st of this month at the reset time if that is still ahead, else the 1st of next month. */
function nextMonthStart(wallNow: number, resetTime: TimeOfDay): number {
  const today = new Date(wallNow);
  const year = today.getUTCFullYear();
  const month = today.getUTCMonth();
  const thisMonth = calendarMs(year, month, 1) + timeOfDayMs(resetTime);
  return thisMonth > wallNow ? thisMonth : calendarMs(year, month + 1, 1) + timeOfDayMs(resetTime);
}

function timeOfDayMs({ hour, minute, second }: TimeOfDay): number {
  return hour * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS;
}

function daysInMonth(year: number, month: number): number {
  return new Date(calendarMs(year, month + 1, 0)).getUTCDate();
}

function validTime(date: Date, name: string): number {
  const time = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(time)) {
    throw new RangeError(`${name} must be a valid Date`);
  }
  return time;
}

function validDate(ms: number): Date {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) {
    throw new RangeError('Duration arithmetic left the representable date range');
  }
  return date;
}
