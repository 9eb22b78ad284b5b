import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { aggregationStatements } from './spend-aggregation.sql';

/** Spend logs counted per transaction at most. */
const MAX_ROWS_PER_RUN = 1000;
/** How often every pod tries to count what is pending (ms). */
const INTERVAL_MS = 500;
/** pg advisory lock id of the aggregator (any constant not used elsewhere): "spendagg". */
const AGGREGATOR_LOCK = 0x7370656e64616767n;

/**
 * Adds committed spend logs to the spend counters of keys, users, teams, memberships, organizations,
 * end users, tags and projects, and to the Daily tables. Each run is ONE transaction that claims pending
 * ids, adds their rows set-based and deletes the ids: a crash or an error anywhere rolls all of it back
 * and the next run counts the same rows, so a row is counted exactly once. Every pod runs it; one at a
 * time holds the transaction-scoped advisory lock and the others skip their turn, so writers never
 * deadlock each other on hot rows (LiteLLM issues 6895, 27989).
 */
@Injectable()
export class SpendAggregatorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('spend-aggregator');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private ticking = false;

  constructor(private readonly prisma: PrismaService) {}

  onApplicationBootstrap() {
    this.timer = setInterval(() => void this.tick(), INTERVAL_MS);
    this.timer.unref();
  }

  /** The last count before the pool closes: what this pod's requests logged is not left waiting. */
  async beforeApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.drain();
    } catch (e) {
      this.logger.error({ msg: 'last spend aggregation failed', error: (e as Error).message });
    }
  }

  /**
   * Counts pending spend logs until none is left or another pod holds the lock; returns the rows
   * counted. Rejects when a run fails (nothing of that run is counted).
   */
  drain(): Promise<number> {
    // One run at a time in this process: a second caller waits for it and then runs its own.
    const previous = this.running?.catch(() => 0) ?? Promise.resolve(0);
    const run = previous.then(() => this.drainNow());
    this.running = run;
    return run;
  }

  private async drainNow(): Promise<number> {
    let total = 0;
    for (;;) {
      const counted = await this.runOnce();
      total += counted;
      if (counted < MAX_ROWS_PER_RUN) return total;
    }
  }

  private async tick() {
    if (this.ticking) return;
    this.ticking = true;
    const started = Date.now();
    try {
      const rows = await this.drain();
      if (rows > 0) this.logger.debug({ msg: 'spend counted', rows, ms: Date.now() - started });
    } catch (e) {
      const pending = await this.pendingCount().catch(() => undefined);
      this.logger.error({
        msg: 'spend aggregation failed; retried on the next run',
        pending,
        error: (e as Error).message,
      });
    } finally {
      this.ticking = false;
    }
  }

  /** One transaction: take the lock, claim up to a batch, add it everywhere, delete the claims. */
  private runOnce(): Promise<number> {
    return this.prisma.rawTransaction(async (tx) => {
      const [{ locked }] = await tx.rows<{ locked: boolean }>(Prisma.sql`
        SELECT pg_try_advisory_xact_lock(${AGGREGATOR_LOCK}::bigint) AS locked`);
      if (!locked) return 0;
      // Behind a long budget reset, give up and retry on the next run rather than queue up.
      await tx.rows(Prisma.sql`SET LOCAL lock_timeout = '5s'`);
      const claimed = await tx.rows<{ request_id: string }>(Prisma.sql`
        SELECT request_id FROM "ControlPlane_SpendLogPending"
        LIMIT ${MAX_ROWS_PER_RUN} FOR UPDATE SKIP LOCKED`);
      if (claimed.length === 0) return 0;
      const ids = claimed.map((c) => c.request_id).sort();
      for (const statement of aggregationStatements(ids)) await tx.rows(statement);
      await tx.rows(
        Prisma.sql`DELETE FROM "ControlPlane_SpendLogPending" WHERE request_id = ANY(${ids}::text[])`,
      );
      return ids.length;
    });
  }

  private async pendingCount(): Promise<number> {
    const [{ n }] = await this.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::float8 AS n FROM "ControlPlane_SpendLogPending"`;
    return n;
  }
}
