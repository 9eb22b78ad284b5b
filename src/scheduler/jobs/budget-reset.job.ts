import { Inject, Injectable, Logger } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { InvalidDurationError, nextResetAt, parseDuration } from '../../common/duration';
import { budgetResetPolicy } from '../../common/durations-input';
import { PrismaService } from '../../prisma/prisma.service';
import type { JobContext, ScheduledJob } from '../scheduled-job';

/** Entities with their own `budget_duration` / `budget_reset_at` columns. */
const OWN_BUDGET_TABLES = [
  { table: 'LiteLLM_VerificationToken', pk: 'token', onlyLive: true },
  { table: 'LiteLLM_UserTable', pk: 'user_id', onlyLive: false },
  { table: 'LiteLLM_TeamTable', pk: 'team_id', onlyLive: false },
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

interface ResetUnit {
  table: string;
  pk: string;
  onlyLive: boolean;
  duration: string;
  next: Date;
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

  async run(ctx: JobContext) {
    const details: Record<string, number> = {};
    const units = (await Promise.all(OWN_BUDGET_TABLES.map((spec) => this.dueUnits(ctx, spec)))).flat();
    // Independent (table, duration) units run side by side: row updates are the cost, and they scale with cores.
    await inParallel(units, this.config.scheduler.parallelism, async (unit) => {
      const n = await this.resetUnit(ctx, unit);
      details[unit.table] = (details[unit.table] ?? 0) + n;
    });
    const linked = await this.resetBudgetTable(ctx);
    for (const [table, n] of Object.entries(linked)) details[table] = (details[table] ?? 0) + n;
    return { rows: Object.values(details).reduce((a, b) => a + b, 0), details };
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

  /** One unit per distinct due `budget_duration` of a table, with its next boundary computed once. */
  private async dueUnits(ctx: JobContext, spec: (typeof OWN_BUDGET_TABLES)[number]): Promise<ResetUnit[]> {
    const t = Prisma.raw(`"${spec.table}"`);
    const live = spec.onlyLive ? Prisma.sql`AND (expires IS NULL OR expires > ${ctx.now})` : Prisma.empty;
    const durations = await this.prisma.$queryRaw<{ budget_duration: string }[]>`
      SELECT DISTINCT budget_duration FROM ${t}
      WHERE budget_duration IS NOT NULL AND (budget_reset_at IS NULL OR budget_reset_at <= ${ctx.now}) ${live}`;
    const units: ResetUnit[] = [];
    for (const { budget_duration: duration } of durations) {
      const next = this.nextReset(duration, ctx.now);
      if (next) units.push({ ...spec, duration, next });
      else
        this.logger.warn({
          msg: 'skipping rows with an unusable budget_duration',
          table: spec.table,
          budget_duration: duration,
        });
    }
    return units;
  }

  private async resetUnit(ctx: JobContext, unit: ResetUnit): Promise<number> {
    const { duration, next } = unit;
    const t = Prisma.raw(`"${unit.table}"`);
    const id = Prisma.raw(`"${unit.pk}"`);
    const live = unit.onlyLive ? Prisma.sql`AND (expires IS NULL OR expires > ${ctx.now})` : Prisma.empty;
    await ctx.fenced(
      (tx) => tx.$executeRaw`
        UPDATE ${t} SET budget_reset_at = ${next}
        WHERE budget_duration = ${duration} AND budget_reset_at IS NULL ${live}`,
    );
    let reset = 0;
    for (;;) {
      if (ctx.stopping()) return reset;
      const n = await ctx.fenced(
        (tx) => tx.$executeRaw`
          WITH due AS (
            SELECT ${id} FROM ${t}
            WHERE budget_duration = ${duration} AND budget_reset_at <= ${ctx.now} ${live}
            LIMIT ${this.config.scheduler.batchSize}
            FOR UPDATE
          )
          UPDATE ${t} x SET spend = 0, budget_reset_at = ${next}
          FROM due WHERE x.${id} = due.${id}`,
      );
      reset += n;
      if (n < this.config.scheduler.batchSize) return reset;
    }
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
