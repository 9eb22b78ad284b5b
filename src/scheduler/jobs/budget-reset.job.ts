import { Inject, Injectable, Logger } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { APP_CONFIG } from '../../platform/config/config.module';
import type { AppConfig } from '../../platform/config/app-config';
import { InvalidDurationError, nextResetAt, parseDuration } from '../../platform/common/duration';
import { budgetResetPolicy } from '../../platform/common/durations-input';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { JobOutcome } from '../job-runs.service';
import type { JobContext, ScheduledJob } from '../scheduled-job';

/**
 * Entities with their own `budget_duration` / `budget_reset_at` columns. None of them needs an index on
 * `budget_reset_at` (our migrations drop LiteLLM's on the key table so that resets are HOT updates); the
 * job is as correct with one (a LiteLLM start-up may recreate it), it just does not use it.
 */
const OWN_BUDGET_TABLES = [
  { table: 'LiteLLM_VerificationToken', onlyLive: true },
  { table: 'LiteLLM_UserTable', onlyLive: false },
  { table: 'LiteLLM_TeamTable', onlyLive: false },
] as const;

/** Entities whose window comes from their LiteLLM_BudgetTable row (`budget_id`). */
const BUDGET_LINKED_TABLES = [
  'LiteLLM_TeamMembership',
  'LiteLLM_OrganizationMembership',
  'LiteLLM_OrganizationTable',
  'LiteLLM_EndUserTable',
  'LiteLLM_TagTable',
  'LiteLLM_ProjectTable',
] as const;

interface TablePlan {
  table: string;
  onlyLive: boolean;
  live: Prisma.Sql;
  /** Due duration → its next boundary. */
  next: Map<string, Date>;
  /** Rows to reset (a usable duration, `budget_reset_at` passed), when planned. */
  due: number;
  /** Rows with a usable duration but no `budget_reset_at`. */
  unset: number;
  pages: number;
  pagesPerChunk: number;
  /**
   * More than one batch due (a midnight, or an hourly tick on a big table): walk the whole table once in
   * page ranges, each page read and written once. One batch or less: one statement finds and resets them.
   */
  byPages: boolean;
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < items.length) await work(items[nextIndex++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Budget resets, set-based and idempotent: each statement touches only rows still due
 * (`budget_reset_at <= now`) and moves `budget_reset_at` to the next calendar boundary in the same
 * statement, so a second run in the same window changes nothing and never erases new-window spend.
 * Rows with a duration but no `budget_reset_at` get one instead of a reset (LiteLLM issue 22013).
 * Next boundaries are computed once per distinct duration (there are few), then applied in batches.
 */
@Injectable()
export class BudgetResetJob implements ScheduledJob {
  readonly name = 'budget_reset';
  private readonly logger = new Logger('budget-reset');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
  ) {}

  enabled() {
    return this.config.scheduler.budgetResetEnabled;
  }

  windowSeconds() {
    return this.config.scheduler.budgetResetWindowSeconds;
  }

  async run(ctx: JobContext): Promise<JobOutcome> {
    const details: Record<string, number> = {};
    const count = (table: string, n: number) => (details[table] = (details[table] ?? 0) + n);
    const phaseMs: Record<string, number> = {};
    let mark = Date.now();
    const phase = (name: string) => {
      phaseMs[name] = Date.now() - mark;
      mark = Date.now();
    };
    const plans = (await Promise.all(OWN_BUDGET_TABLES.map((spec) => this.plan(ctx, spec)))).filter(
      (p): p is TablePlan => p !== undefined,
    );
    phase('plan');
    for (const plan of plans.filter((p) => p.unset > 0))
      await ctx.fenced((tx) => tx.$executeRaw`${this.giveResetTimes(ctx, plan)}`);
    phase('new_reset_times');
    // Physical chunks (ctid ranges): every heap page is written once, whatever its rows' durations,
    // and chunks run side by side. Row updates are the whole cost of this job.
    const chunks = plans
      .filter((plan) => plan.byPages)
      .flatMap((plan) =>
        Array.from({ length: Math.ceil(plan.pages / plan.pagesPerChunk) + 1 }, (_, i) => ({
          plan,
          first: i * plan.pagesPerChunk,
        })),
      );
    await inParallel(chunks, this.config.scheduler.parallelism, async ({ plan, first }) => {
      if (ctx.stopping()) return;
      const n = await ctx.fenced((tx) => tx.$executeRaw`${this.resetChunk(ctx, plan, first)}`);
      count(plan.table, n);
    });
    phase('pages');
    // Tables with at most one batch due, and, when the walk reset fewer rows than the plan counted, rows
    // that moved to another page while the chunks ran (a concurrent update): reset in batches of due rows,
    // each batch found by one sequential read. Rows that became due after the plan (or a moved row
    // offset by one of them) wait for the next window, still due, as they would anyway.
    for (const plan of plans) {
      while ((details[plan.table] ?? 0) < plan.due && !ctx.stopping()) {
        const n = await ctx.fenced((tx) => tx.$executeRaw`${this.resetDueBatch(ctx, plan)}`);
        count(plan.table, n);
        if (n < this.config.scheduler.batchSize) break;
      }
    }
    phase('batches');
    for (const [table, n] of Object.entries(await this.resetBudgetTable(ctx))) count(table, n);
    phase('budget_rows');
    const rows = Object.values(details).reduce((a, b) => a + b, 0);
    const byPages = plans.filter((plan) => plan.byPages).map((plan) => plan.table);
    return { rows, details: { ...details, by_pages: byPages, phase_ms: phaseMs } };
  }

  private nextReset(duration: string, now: Date): Date | undefined {
    try {
      const parsed = parseDuration(duration);
      if (parsed.amount <= 0) return undefined;
      return nextResetAt(parsed, now, budgetResetPolicy());
    } catch (e) {
      if (e instanceof InvalidDurationError) return undefined;
      throw e;
    }
  }

  /** What is due in one table: its distinct durations (each boundary computed once) and its size. */
  private async plan(
    ctx: JobContext,
    spec: (typeof OWN_BUDGET_TABLES)[number],
  ): Promise<TablePlan | undefined> {
    const t = Prisma.raw(`"${spec.table}"`);
    const live = spec.onlyLive ? Prisma.sql`AND (expires IS NULL OR expires > ${ctx.now})` : Prisma.empty;
    const durations = await this.prisma.$queryRaw<{ budget_duration: string; due: number; unset: number }[]>`
      SELECT budget_duration, count(*)::float8 AS due,
             count(*) FILTER (WHERE budget_reset_at IS NULL)::float8 AS unset
      FROM ${t}
      WHERE budget_duration IS NOT NULL AND (budget_reset_at IS NULL OR budget_reset_at <= ${ctx.now}) ${live}
      GROUP BY budget_duration`;
    const next = new Map<string, Date>();
    let due = 0;
    let unset = 0;
    for (const { budget_duration: duration, due: rows, unset: noResetAt } of durations) {
      const at = this.nextReset(duration, ctx.now);
      if (at) {
        next.set(duration, at);
        due += rows - noResetAt;
        unset += noResetAt;
      } else {
        this.logger.warn({
          msg: 'skipping rows with an unusable budget_duration',
          table: spec.table,
          budget_duration: duration,
        });
      }
    }
    if (next.size === 0) return undefined;
    const [size] = await this.prisma.$queryRaw<{ pages: number; rows_per_page: number }[]>`
      SELECT (pg_relation_size(${`"${spec.table}"`}::regclass) / current_setting('block_size')::int)::int AS pages,
             CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN c.reltuples / c.relpages ELSE 30 END::float8 AS rows_per_page
      FROM pg_class c WHERE c.oid = ${`"${spec.table}"`}::regclass`;
    const batchSize = this.config.scheduler.batchSize;
    const pagesPerChunk = Math.max(1, Math.round(batchSize / Math.max(1, size.rows_per_page)));
    // Finding a batch reads the table up to its last due row: past one batch, one pass beats several.
    const byPages = due > batchSize;
    return { ...spec, live, next, due, unset, pages: size.pages, pagesPerChunk, byPages };
  }

  /** `CASE budget_duration WHEN '1d' THEN <next midnight> ... END`, and the list of durations it covers. */
  private nextResetCase(plan: TablePlan) {
    const entries = [...plan.next.entries()];
    return {
      nextAt: Prisma.sql`CASE budget_duration ${Prisma.join(
        entries.map(([d, at]) => Prisma.sql`WHEN ${d} THEN ${at.toISOString()}::timestamp(3)`),
        ' ',
      )} END`,
      durations: Prisma.join(entries.map(([d]) => d)),
    };
  }

  /** Rows with a duration but no `budget_reset_at` get one, and keep their spend (LiteLLM issue 22013). */
  private giveResetTimes(ctx: JobContext, plan: TablePlan) {
    const { nextAt, durations } = this.nextResetCase(plan);
    return Prisma.sql`
      UPDATE ${Prisma.raw(`"${plan.table}"`)} SET budget_reset_at = ${nextAt}
      WHERE budget_reset_at IS NULL AND budget_duration IN (${durations}) ${plan.live}`;
  }

  private resetChunk(ctx: JobContext, plan: TablePlan, firstPage: number) {
    const { nextAt, durations } = this.nextResetCase(plan);
    const from = `(${firstPage},0)`;
    const to = `(${firstPage + plan.pagesPerChunk},0)`;
    return Prisma.sql`
      UPDATE ${Prisma.raw(`"${plan.table}"`)} SET spend = 0, budget_reset_at = ${nextAt}
      WHERE ctid >= ${from}::tid AND ctid < ${to}::tid
        AND budget_reset_at <= ${ctx.now} AND budget_duration IN (${durations}) ${plan.live}`;
  }

  private resetDueBatch(ctx: JobContext, plan: TablePlan) {
    const { nextAt, durations } = this.nextResetCase(plan);
    const t = Prisma.raw(`"${plan.table}"`);
    const due = Prisma.sql`budget_reset_at <= ${ctx.now} AND budget_duration IN (${durations}) ${plan.live}`;
    // One sequential read that stops at the batch's last due row, then the rows by their ctids (a TID
    // scan, whatever the statistics say): never a join that reads the table a second time. A row moved by
    // a concurrent update since is re-checked against `due`, as any UPDATE does.
    return Prisma.sql`
      UPDATE ${t} SET spend = 0, budget_reset_at = ${nextAt}
      WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${t} WHERE ${due} LIMIT ${this.config.scheduler.batchSize}))
        AND ${due}`;
  }

  /** Budget rows that are due: zero every row linked to them, then move the budget's next reset. */
  private async resetBudgetTable(ctx: JobContext): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    const durations = await this.prisma.$queryRaw<{ budget_duration: string }[]>`
      SELECT DISTINCT budget_duration FROM "LiteLLM_BudgetTable"
      WHERE budget_duration IS NOT NULL AND (budget_reset_at IS NULL OR budget_reset_at <= ${ctx.now})`;
    for (const { budget_duration: duration } of durations) {
      const next = this.nextReset(duration, ctx.now);
      if (!next) {
        this.logger.warn({
          msg: 'skipping budgets with an unusable budget_duration',
          budget_duration: duration,
        });
        continue;
      }
      await ctx.fenced(
        (tx) => tx.$executeRaw`
          UPDATE "LiteLLM_BudgetTable" SET budget_reset_at = ${next}
          WHERE budget_duration = ${duration} AND budget_reset_at IS NULL`,
      );
      for (;;) {
        if (ctx.stopping()) return counts;
        const done = await ctx.fenced(async (tx) => {
          const due = await tx.$queryRaw<{ budget_id: string }[]>`
            SELECT budget_id FROM "LiteLLM_BudgetTable"
            WHERE budget_duration = ${duration} AND budget_reset_at <= ${ctx.now}
            ORDER BY budget_id LIMIT ${this.config.scheduler.batchSize} FOR UPDATE`;
          if (due.length === 0) return 0;
          const ids = due.map((d) => d.budget_id);
          for (const table of BUDGET_LINKED_TABLES) {
            const n = await tx.$executeRaw`
              UPDATE ${Prisma.raw(`"${table}"`)} SET spend = 0 WHERE budget_id = ANY(${ids}) AND spend <> 0`;
            counts[table] = (counts[table] ?? 0) + n;
          }
          // Keys with their own budget_duration follow their own window (above).
          const keys = await tx.$executeRaw`
            UPDATE "LiteLLM_VerificationToken" SET spend = 0
            WHERE budget_id = ANY(${ids}) AND budget_duration IS NULL AND spend <> 0
              AND (expires IS NULL OR expires > ${ctx.now})`;
          counts.LiteLLM_VerificationToken = (counts.LiteLLM_VerificationToken ?? 0) + keys;
          await tx.$executeRaw`UPDATE "LiteLLM_BudgetTable" SET budget_reset_at = ${next} WHERE budget_id = ANY(${ids})`;
          counts.LiteLLM_BudgetTable = (counts.LiteLLM_BudgetTable ?? 0) + ids.length;
          return ids.length;
        });
        if (done < this.config.scheduler.batchSize) break;
      }
    }
    return counts;
  }
}
