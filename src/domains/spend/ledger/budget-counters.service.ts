import { Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { InvalidationBus, type Invalidation } from '../../../platform/auth/invalidation-bus';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { RedisService } from '../../../platform/redis/redis.module';
import { counterKey, counterPrefix, seedQuery } from './counter-seeds';
import { MemoryCounterStore, RedisCounterStore, type CounterStore } from './counter-stores';
import type { SpendEntity, SpendEntityKind } from './spend-event';

/** A counter lives this long after its seed, then is read from the ledger again (bounds any drift). */
const COUNTER_TTL_SECONDS = 60;
/**
 * A dropped counter is dropped once more this long after: a seed that read the database just before
 * the reset committed may have written the old spend back in between.
 */
const FORGET_AGAIN_MS = 500;

/**
 * The live spend of keys, users, teams, members, organizations, end users, tags and projects, read by
 * the request-time budget checks without touching the database: Redis counters shared by every pod
 * (one MGET per request), else counters in this process. A missing counter is seeded from the ledger
 * (the row's spend plus its pending logs) with SET NX, so N pods seeding at once do not add N times;
 * `add` increments only counters that exist, so a seed, which reads the request's log, never counts
 * it twice. `add` runs beside the log's write, not after it (one round trip less per request): a
 * counter may show the spend a moment before its row commits, which only makes a budget check
 * stricter, and a write that fails leaves the counter that much high until it expires. A seed
 * racing with an `add` may be off by that one request until the counter expires (at most
 * `COUNTER_TTL_SECONDS`).
 */
@Injectable()
export class BudgetCountersService implements OnApplicationBootstrap {
  private readonly logger = new Logger('budget-counters');
  private readonly store: CounterStore;
  /** Seeds in flight, by counter key: one database read per counter per process. */
  private readonly seeding = new Map<string, Promise<number>>();
  private readonly kindsToForget = new Set<SpendEntityKind>();
  private forgetTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: PrismaService,
    redis: RedisService,
    // Absent only where a test builds the service by hand.
    @Optional() private readonly bus?: InvalidationBus,
  ) {
    this.store = redis.client ? new RedisCounterStore(redis.client) : new MemoryCounterStore();
  }

  /**
   * A management change of a key, user or team (e.g. `/key/{key}/reset_spend`, `spend` in an update)
   * may have set its spend: the change's invalidation drops the counter, so the next check reads the
   * ledger. Changes that did not touch spend only cost one seed.
   */
  async onApplicationBootstrap() {
    await this.bus?.start(
      (message) => this.onInvalidation(message),
      () => this.forgetKinds(['key', 'user', 'team', 'team_member']),
    );
  }

  private onInvalidation(message: Invalidation) {
    switch (message.scope) {
      case 'key':
      case 'user':
        void this.forget([{ kind: message.scope, id: message.id }]).catch(() => undefined);
        return;
      case 'team':
        // Member counters are keyed by user first; a team change drops them all (teams change rarely).
        void this.forget([{ kind: 'team', id: message.id }]).catch(() => undefined);
        this.forgetKinds(['team_member']);
        return;
      case 'all':
        this.forgetKinds(['key', 'user', 'team', 'team_member']);
        return;
    }
  }

  /** The spend of each entity (same order), seeding counters that are missing. */
  async spendOf(entities: readonly SpendEntity[]): Promise<number[]> {
    if (entities.length === 0) return [];
    const keys = entities.map(counterKey);
    let values: (number | undefined)[];
    try {
      values = await this.store.get(keys);
    } catch (e) {
      // Redis down: the ledger is still right, only slower to read.
      this.logger.warn({ msg: 'counters unreadable; reading the ledger', error: (e as Error).message });
      return Promise.all(entities.map((entity) => this.ledgerSpend(entity)));
    }
    return Promise.all(values.map((v, i) => (v !== undefined ? v : this.seed(keys[i], entities[i]))));
  }

  /** Adds a request's cost to the counters that exist (beside the write of its spend log). */
  async add(entities: readonly SpendEntity[], amount: number): Promise<void> {
    if (entities.length === 0 || !Number.isFinite(amount) || amount === 0) return;
    try {
      await this.store.add(entities.map(counterKey), amount);
    } catch (e) {
      // The ledger has the spend; the counter catches up when it is seeded again.
      this.logger.warn({ msg: 'counter add failed', error: (e as Error).message });
    }
  }

  /** Drops these entities' counters (after their spend was reset): the next read seeds them anew. */
  async forget(entities: readonly SpendEntity[]): Promise<void> {
    const keys = entities.map(counterKey);
    await this.store.forget(keys);
    setTimeout(() => void this.store.forget(keys).catch(() => undefined), FORGET_AGAIN_MS).unref();
  }

  /**
   * Drops every counter of these kinds, soon (the budget-reset job, which resets up to millions of rows
   * in many transactions, calls this per batch: one pass per kind covers every batch before it). Live
   * counters are only those of entities active in the last TTL, so a pass is cheap.
   */
  forgetKinds(kinds: SpendEntityKind[]): void {
    kinds.forEach((k) => this.kindsToForget.add(k));
    this.forgetTimer ??= setTimeout(() => void this.forgetPendingKinds(), FORGET_AGAIN_MS);
    this.forgetTimer.unref();
  }

  /** Runs the pending `forgetKinds` pass now (tests; the job's end). */
  async flushForgets(): Promise<void> {
    await this.forgetPendingKinds();
  }

  private async forgetPendingKinds() {
    if (this.forgetTimer) clearTimeout(this.forgetTimer);
    this.forgetTimer = undefined;
    const kinds = [...this.kindsToForget];
    this.kindsToForget.clear();
    try {
      for (const kind of kinds) await this.store.forgetPrefix(counterPrefix(kind));
    } catch (e) {
      this.logger.error({ msg: 'could not drop reset counters', kinds, error: (e as Error).message });
    }
  }

  private seed(key: string, entity: SpendEntity): Promise<number> {
    let seeding = this.seeding.get(key);
    if (!seeding) {
      seeding = this.ledgerSpend(entity)
        .then((spend) => this.store.seed(key, spend, COUNTER_TTL_SECONDS).catch(() => spend))
        .finally(() => this.seeding.delete(key));
      this.seeding.set(key, seeding);
    }
    return seeding;
  }

  private async ledgerSpend(entity: SpendEntity): Promise<number> {
    const [row] = await this.prisma.queryRows<{ spend: number }>(seedQuery(entity));
    return row?.spend ?? 0;
  }
}
