/**
 * A time zone's wall clock as epoch-style milliseconds on a UTC calendar axis, and back: the
 * calendar maths of budget resets (duration.ts) happens on that axis so that adding a day never
 * lands an hour off across a DST change. Time zones are handled with `Intl.DateTimeFormat` only.
 */

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Epoch-style milliseconds of a calendar date at 00:00; months overflow into years like Date.UTC. */
export function calendarMs(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day); // unlike Date.UTC, years 0-99 are not read as 19xx
  return d.getTime();
}

export function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** True for a time zone name the runtime's ICU data knows (IANA names such as "Asia/Kolkata"). */
export function isValidTimeZone(value: string): boolean {
  try {
    formatterFor(value);
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Throws RangeError for a zone ICU does not know.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's wall clock at `utcMs`, as milliseconds on a UTC-style calendar axis. */
export function wallClockMs(utcMs: number, timeZone: string): number {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(utcMs))) {
    fields[part.type] = part.value;
  }
  const year = fields.era === 'BC' ? 1 - Number(fields.year) : Number(fields.year);
  const hour = Number(fields.hour) % 24; // some ICU versions print midnight as 24
  return (
    calendarMs(year, Number(fields.month) - 1, Number(fields.day)) +
    hour * HOUR_MS +
    Number(fields.minute) * MINUTE_MS +
    Number(fields.second) * SECOND_MS +
    mod(utcMs, SECOND_MS)
  );
}

function offsetMs(utcMs: number, timeZone: string): number {
  return wallClockMs(utcMs, timeZone) - utcMs;
}

/**
 * The instant at which the zone's clock shows `wallMs`. Offsets are sampled a day either side (zones
 * change offset at most once a day). A wall time skipped by a spring-forward change is read with the
 * offset from before the change, moving it forward by the gap (02:30 → 03:30), as Python and Temporal do.
 */
export function zonedToUtcMs(wallMs: number, timeZone: string, prefer: 'earlier' | 'later'): number {
  const before = offsetMs(wallMs - DAY_MS, timeZone);
  const after = offsetMs(wallMs + DAY_MS, timeZone);
  const matches = [...new Set([before, after])]
    .map((offset) => wallMs - offset)
    .filter((utcMs) => wallClockMs(utcMs, timeZone) === wallMs)
    .sort((a, b) => a - b);
  if (matches.length === 0) {
    return wallMs - before;
  }
  return prefer === 'earlier' ? matches[0] : matches[matches.length - 1];
}
