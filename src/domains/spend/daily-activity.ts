import { Prisma } from '@prisma/client';
import { badRequest } from '../../platform/common/errors/api-error';

/**
 * The metrics of LiteLLM's Daily*Spend tables, shared by every daily-activity report (users,
 * teams; later tags, orgs, end users): the SQL sums, the empty totals and how rows add up.
 */
export interface DailySums {
  spend: number;
  prompt_tokens: bigint;
  completion_tokens: bigint;
  cache_read_input_tokens: bigint;
  cache_creation_input_tokens: bigint;
  api_requests: bigint;
  successful_requests: bigint;
  failed_requests: bigint;
}

/** SELECT list summing a Daily*Spend table's metric columns into `DailySums`. */
export const DAILY_SUMS = Prisma.sql`
  COALESCE(SUM(spend), 0)::float8 AS spend,
  COALESCE(SUM(prompt_tokens), 0)::bigint AS prompt_tokens,
  COALESCE(SUM(completion_tokens), 0)::bigint AS completion_tokens,
  COALESCE(SUM(cache_read_input_tokens), 0)::bigint AS cache_read_input_tokens,
  COALESCE(SUM(cache_creation_input_tokens), 0)::bigint AS cache_creation_input_tokens,
  COALESCE(SUM(api_requests), 0)::bigint AS api_requests,
  COALESCE(SUM(successful_requests), 0)::bigint AS successful_requests,
  COALESCE(SUM(failed_requests), 0)::bigint AS failed_requests`;

export function emptyMetrics() {
  return {
    spend: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    total_tokens: 0,
    api_requests: 0,
    successful_requests: 0,
    failed_requests: 0,
  };
}

export type DailyMetrics = ReturnType<typeof emptyMetrics>;

export function addSums(metrics: DailyMetrics, row: DailySums): void {
  metrics.spend += row.spend;
  metrics.prompt_tokens += Number(row.prompt_tokens);
  metrics.completion_tokens += Number(row.completion_tokens);
  metrics.total_tokens += Number(row.prompt_tokens) + Number(row.completion_tokens);
  metrics.cache_read_input_tokens += Number(row.cache_read_input_tokens);
  metrics.cache_creation_input_tokens += Number(row.cache_creation_input_tokens);
  metrics.api_requests += Number(row.api_requests);
  metrics.successful_requests += Number(row.successful_requests);
  metrics.failed_requests += Number(row.failed_requests);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date in YYYY-MM-DD (rejects 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** start_date and end_date of a daily-activity query: both required, both real YYYY-MM-DD dates. */
export function assertDateRange(q: { start_date?: string; end_date?: string }): void {
  if (!q.start_date || !q.end_date)
    throw badRequest('Please provide start_date and end_date', q.start_date ? 'end_date' : 'start_date');
  for (const field of ['start_date', 'end_date'] as const) {
    if (!isCalendarDate(q[field]!))
      throw badRequest(`Invalid ${field} '${q[field]}'. Use YYYY-MM-DD.`, field);
  }
}
