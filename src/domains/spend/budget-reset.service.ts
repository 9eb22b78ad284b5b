import { Injectable, Logger, Optional } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { InvalidDurationError, nextResetAt, parseDurationAs } from '../../platform/common/duration';
import { budgetResetPolicy } from '../../platform/common/durations-input';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { BudgetCountersService } from './ledger/budget-counters.service';
import type { SpendEntityKind } from './ledger/spend-event';

type Tx = Prisma.TransactionClient;

/** The live counters (ledger/budget-counters.service.ts) of each table's rows, dropped after a reset. */
const COUNTER_KINDS: Record<string, SpendEntityKind | undefined> = {
  LiteLLM_VerificationToken: 'key',
  LiteLLM_UserTable: 'user',
  LiteLLM_TeamTable: 'team',
  LiteLLM_TeamMembership: 'team_member',
  LiteLLM_OrganizationTable: 'org',
  LiteLLM_EndUserTable: 'end_user',
  LiteLLM_TagTable: 'tag',
  LiteLLM_ProjectTable: 'project',
};

/**
 * Entities with their own `budget_duration` / `budget_reset_at` columns. None of them needs an index on
 * `budget_reset_at` (our migrations drop LiteLLM's on the key table so that resets are HOT updates); the
 * reset is as correct with one (a LiteLLM start-up may recreate it), it just does not use it.
 */
export const OWN_BUDGET_TABLES = [
  { table: 'LiteLLM_VerificationToken', onlyLive: true },
  { table: 'LiteLLM_UserTable', onlyLive: false },
  { table: 'LiteLLM_TeamTable', onlyLive: false },
] as const;

export type OwnBudgetTable = (typeof OWN_BUDGET_TABLES)[number];

/** Entities whose window comes from their LiteLLM_BudgetTable row (`budget_id`). */
const BUDGET_LINKED_TABLES = [
  'LiteLLM_TeamMembership',
  'LiteLLM_OrganizationMembership',
  'LiteLLM_OrganizationTable',
  'LiteLLM_EndUserTable',
  'LiteLLM_TagTable',
  'LiteLLM_ProjectTable',
] as const;

/** What is due in one table with its own budget window, planned once per run. */
export interface BudgetTablePlan {
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

/**
 * The spend counters of other domains' rows (`spend`, `budget_reset_at` of keys, users, teams,
 * memberships, organizations, customers, tags, projects and budgets): the spend domain owns those
 * columns (README, "Who writes which table"). These are the budget-reset statements, set-based and
 * idempotent: each touches only rows still due (`budget_reset_at <= now`) and moves `budget_reset_at`
 * to the next calendar boundary in the same statement, so a repeat in the same window changes nothing
 * and never erases new-window spend. The scheduler's budget-reset job decides when, in which
 * transaction (fenced by its lease) and in what order; every write here runs in the `tx` it is given.
 */
@Injectable()
export class BudgetResetService {
  private readonly logger = new Logger('budget-reset');

  constructor(
    private readonly prisma: PrismaService,
    // Absent when a job is built by hand without the spend module (some tests).
    @Optional() private readonly counters?: BudgetCountersService,
  ) {}

  /**
   * A reset's rows keep their old spend in the live counters until those are dropped: drop every counter
   * of the table's kind (shortly, once the reset's transaction has committed; see forgetKinds).
   */
  private resetCounters(table: string, rows: number): number {
    const kind = COUNTER_KINDS[table];
    if (rows > 0 && kind) this.counters?.forgetKinds([kind]);
    return rows;
  }

  /** The next boundary of `duration` after `now`; undefined for a duration that cannot be used. */
  nextReset(duration: string, now: Date): Date | undefined {
    try {
      // The rule request bodies are validated with (@DurationField 'reset'); rows it refuses are skipped.
      return nextResetAt(parseDurationAs(duration, 'reset'), now, budgetResetPolicy());
    } catch (e) {
      if (e instanceof InvalidDurationError) return undefined;
      throw e;
    }
  }

  /** What is due in one table: its distinct durations (each boundary computed once) and its size. */
  async plan(spec: OwnBudgetTable, now: Date, batchSize: number): Promise<BudgetTablePlan | undefined> {
    const t = Prisma.raw(`"${spec.table}"`);
    const live = spec.onlyLive ? Prisma.sql`AND (expires IS NULL OR expires > ${now})` : Prisma.empty;
    const durations = await this.prisma.$queryRaw<{ budget_duration: string; due: number; unset: number }[]>`
      SELECT budget_duration, count(*)::float8 AS due,
             count(*) FILTER (WHERE budget_reset_at IS NULL)::float8 AS unset
      FROM ${t}
      WHERE budget_duration IS NOT NULL AND (budget_reset_at IS NULL OR budget_reset_at <= ${now}) ${live}
      GROUP BY budget_duration`;
    const next = new Map<string, Date>();
    let due = 0;
    let unset = 0;
    for (const { budget_duration: duration, due: rows, unset: noResetAt } of durations) {
      const at = this.nextReset(duration, now);
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
    const pagesPerChunk = Math.max(1, Math.round(batchSize / Math.max(1, size.rows_per_page)));
    // Finding a batch reads the table up to its last due row: past one batch, one pass beats several.
    const byPages = due > batchSize;
    return { ...spec, live, next, due, unset, pages: size.pages, pagesPerChunk, byPages };
  }

  /** Rows with a duration but no `budget_reset_at` get one, and keep their spend (LiteLLM issue 22013). */
  giveResetTimes(tx: Tx, plan: BudgetTablePlan): Promise<number> {
    const { nextAt, durations } = nextResetCase(plan);
    return tx.$executeRaw`
      UPDATE ${Prisma.raw(`"${plan.table}"`)} SET budget_reset_at = ${nextAt}
      WHERE budget_reset_at IS NULL AND budget_duration IN (${durations}) ${plan.live}`;
  }

  /** Resets the due rows of one physical chunk (ctid range) of the table, starting at `firstPage`. */
  async resetChunk(tx: Tx, plan: BudgetTablePlan, firstPage: number, now: Date): Promise<number> {
    const { nextAt, durations } = nextResetCase(plan);
    const from = `(${firstPage},0)`;
    const to = `(${firstPage + plan.pagesPerChunk},0)`;
    const rows = await tx.$executeRaw`
      UPDATE ${Prisma.raw(`"${plan.table}"`)} SET spend = 0, budget_reset_at = ${nextAt}
      WHERE ctid >= ${from}::tid AND ctid < ${to}::tid
        AND budget_reset_at <= ${now} AND budget_duration IN (${durations}) ${plan.live}`;
    return this.resetCounters(plan.table, rows);
  }

  /** Resets up to `batchSize` due rows of the table. */
  async resetDueBatch(tx: Tx, plan: BudgetTablePlan, now: Date, batchSize: number): Promise<number> {
    const { nextAt, durations } = nextResetCase(plan);
    const t = Prisma.raw(`"${plan.table}"`);
    const due = Prisma.sql`budget_reset_at <= ${now} AND budget_duration IN (${durations}) ${plan.live}`;
    // One sequential read that stops at the batch's last due row, then the rows by their ctids (a TID
    // scan, whatever the statistics say): never a join that reads the table a second time. A row moved by
    // a concurrent update since is re-checked against `due`, as any UPDATE does.
    const rows = await tx.$executeRaw`
      UPDATE ${t} SET spend = 0, budget_reset_at = ${nextAt}
      WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${t} WHERE ${due} LIMIT ${batchSize}))
        AND ${due}`;
    return this.resetCounters(plan.table, rows);
  }

  /** The distinct durations of budget rows that are due (or have no `budget_reset_at` yet). */
  async dueBudgetDurations(now: Date): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ budget_duration: string }[]>`
      SELECT DISTINCT budget_duration FROM "LiteLLM_BudgetTable"
      WHERE budget_duration IS NOT NULL AND (budget_reset_at IS NULL OR budget_reset_at <= ${now})`;
    return rows.map((r) => r.budget_duration);
  }

  /** Budget rows of `duration` with no `budget_reset_at` get `next`. */
  giveBudgetResetTimes(tx: Tx, duration: string, next: Date): Promise<number> {
    return tx.$executeRaw`
      UPDATE "LiteLLM_BudgetTable" SET budget_reset_at = ${next}
      WHERE budget_duration = ${duration} AND budget_reset_at IS NULL`;
  }

  /**
   * Up to `batchSize` due budget rows of `duration`, locked in id order: zero every row linked to them,
   * then move the budgets' next reset to `next`. Adds the rows changed per table to `counts`; returns
   * the number of budget rows done (fewer than `batchSize`: none left).
   */
  async resetDueBudgets(
    tx: Tx,
    duration: string,
    next: Date,
    now: Date,
    batchSize: number,
    counts: Record<string, number>,
  ): Promise<number> {
    const due = await tx.$queryRaw<{ budget_id: string }[]>`
      SELECT budget_id FROM "LiteLLM_BudgetTable"
      WHERE budget_duration = ${duration} AND budget_reset_at <= ${now}
      ORDER BY budget_id LIMIT ${batchSize} FOR UPDATE`;
    if (due.length === 0) return 0;
    const ids = due.map((d) => d.budget_id);
    for (const table of BUDGET_LINKED_TABLES) {
      const n = await tx.$executeRaw`
        UPDATE ${Prisma.raw(`"${table}"`)} SET spend = 0 WHERE budget_id = ANY(${ids}) AND spend <> 0`;
      counts[table] = (counts[table] ?? 0) + this.resetCounters(table, n);
    }
    // Keys with their own budget_duration follow their own window (above).
    const keys = await tx.$executeRaw`
      UPDATE "LiteLLM_VerificationToken" SET spend = 0
      WHERE budget_id = ANY(${ids}) AND budget_duration IS NULL AND spend <> 0
        AND (expires IS NULL OR expires > ${now})`;
    counts.LiteLLM_VerificationToken =
      (counts.LiteLLM_VerificationToken ?? 0) + this.resetCounters('LiteLLM_VerificationToken', keys);
    await tx.$executeRaw`UPDATE "LiteLLM_BudgetTable" SET budget_reset_at = ${next} WHERE budget_id = ANY(${ids})`;
    counts.LiteLLM_BudgetTable = (counts.LiteLLM_BudgetTable ?? 0) + ids.length;
    return ids.length;
  }
}

/** `CASE budget_duration WHEN '1d' THEN <next midnight> ... END`, and the list of durations it covers. */
function nextResetCase(plan: BudgetTablePlan) {
  const entries = [...plan.next.entries()];
  return {
    nextAt: Prisma.sql`CASE budget_duration ${Prisma.join(
      entries.map(([d, at]) => Prisma.sql`WHEN ${d} THEN ${at.toISOString()}::timestamp(3)`),
      ' ',
    )} END`,
    durations: Prisma.join(entries.map(([d]) => d)),
  };
}
