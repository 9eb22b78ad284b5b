import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module';
import type { AppConfig } from '../../platform/config/app-config';
import { PrismaService } from '../../platform/prisma/prisma.service';
import {
  BudgetResetService,
  BudgetTablePlan,
  OWN_BUDGET_TABLES,
} from '../../domains/spend/budget-reset.service';
import type { JobOutcome } from '../job-runs.service';
import type { JobContext, ScheduledJob } from '../scheduled-job';

/** Runs `work` over `items` with at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < items.length) await work(items[nextIndex++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Budget resets, once per window: when, in which fenced transaction and in what order. The statements
 * are the spend domain's (BudgetResetService, owner of the spend counters): set-based and idempotent,
 * each touches only rows still due and moves `budget_reset_at` to the next boundary, so a second run in
 * the same window changes nothing and never erases new-window spend. Rows with a duration but no
 * `budget_reset_at` get one instead of a reset (LiteLLM issue 22013). Next boundaries are computed once
 * per distinct duration (there are few), then applied in batches.
 */
@Injectable()
export class BudgetResetJob implements ScheduledJob {
  readonly name = 'budget_reset';
  private readonly logger = new Logger('budget-reset');
  private readonly resets: BudgetResetService;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    prisma: PrismaService,
    // Injected by Nest; a job built by hand (tests, with another config) makes its own.
    resets?: BudgetResetService,
  ) {
    this.resets = resets ?? new BudgetResetService(prisma);
  }

  enabled() {
    return this.config.scheduler.budgetResetEnabled;
  }

  windowSeconds() {
    return this.config.scheduler.budgetResetWindowSeconds;
  }

  async run(ctx: JobContext): Promise<JobOutcome> {
    const { batchSize, parallelism } = this.config.scheduler;
    const details: Record<string, number> = {};
    const count = (table: string, n: number) => (details[table] = (details[table] ?? 0) + n);
    const phaseMs: Record<string, number> = {};
    let mark = Date.now();
    const phase = (name: string) => {
      phaseMs[name] = Date.now() - mark;
      mark = Date.now();
    };
    const plans = (
      await Promise.all(OWN_BUDGET_TABLES.map((spec) => this.resets.plan(spec, ctx.now, batchSize)))
    ).filter((p): p is BudgetTablePlan => p !== undefined);
    phase('plan');
    for (const plan of plans.filter((p) => p.unset > 0))
      await ctx.fenced((tx) => this.resets.giveResetTimes(tx, plan));
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
    await inParallel(chunks, parallelism, async ({ plan, first }) => {
      if (ctx.stopping()) return;
      const n = await ctx.fenced((tx) => this.resets.resetChunk(tx, plan, first, ctx.now));
      count(plan.table, n);
    });
    phase('pages');
    // Tables with at most one batch due, and, when the walk reset fewer rows than the plan counted, rows
    // that moved to another page while the chunks ran (a concurrent update): reset in batches of due rows,
    // each batch found by one sequential read. Rows that became due after the plan (or a moved row
    // offset by one of them) wait for the next window, still due, as they would anyway.
    for (const plan of plans) {
      while ((details[plan.table] ?? 0) < plan.due && !ctx.stopping()) {
        const n = await ctx.fenced((tx) => this.resets.resetDueBatch(tx, plan, ctx.now, batchSize));
        count(plan.table, n);
        if (n < batchSize) break;
      }
    }
    phase('batches');
    for (const [table, n] of Object.entries(await this.resetBudgetTable(ctx))) count(table, n);
    phase('budget_rows');
    const rows = Object.values(details).reduce((a, b) => a + b, 0);
    const byPages = plans.filter((plan) => plan.byPages).map((plan) => plan.table);
    return { rows, details: { ...details, by_pages: byPages, phase_ms: phaseMs } };
  }

  /** Budget rows that are due: zero every row linked to them, then move the budget's next reset. */
  private async resetBudgetTable(ctx: JobContext): Promise<Record<string, number>> {
    const { batchSize } = this.config.scheduler;
    const counts: Record<string, number> = {};
    for (const duration of await this.resets.dueBudgetDurations(ctx.now)) {
      const next = this.resets.nextReset(duration, ctx.now);
      if (!next) {
        this.logger.warn({
          msg: 'skipping budgets with an unusable budget_duration',
          budget_duration: duration,
        });
        continue;
      }
      await ctx.fenced((tx) => this.resets.giveBudgetResetTimes(tx, duration, next));
      for (;;) {
        if (ctx.stopping()) return counts;
        const done = await ctx.fenced((tx) =>
          this.resets.resetDueBudgets(tx, duration, next, ctx.now, batchSize, counts),
        );
        if (done < batchSize) break;
      }
    }
    return counts;
  }
}
