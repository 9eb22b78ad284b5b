import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { AuthCacheService } from '../auth/auth-cache.service';
import type { Invalidation } from '../auth/invalidation-bus';
import { PrismaService } from '../prisma/prisma.service';
import { Actor, AuditEntry, AuditService } from './audit.service';

/**
 * One management change as it happens: the transaction the write runs in, the audit rows that
 * land in that same transaction, and the cached auth state it makes stale. The invalidations are
 * only collected here; `ChangesService.run` sends them once the transaction has committed, so a
 * rolled-back change evicts nothing and a committed one is never served stale by another pod.
 */
export class Change {
  private readonly stale: Invalidation[] = [];

  constructor(
    readonly tx: Prisma.TransactionClient,
    private readonly actor: Actor,
    private readonly auditor: AuditService,
  ) {}

  /** Records `entry` as an audit row in this change's transaction. */
  audit(entry: AuditEntry): Promise<void> {
    return this.auditor.record(this.actor, entry, this.tx);
  }

  /** Cached lookups of these keys (token hashes) go stale when the change commits. */
  invalidatesKeys(...tokenHashes: string[]): this {
    for (const id of tokenHashes) this.stale.push({ scope: 'key', id });
    return this;
  }
  invalidatesUsers(...userIds: string[]): this {
    for (const id of userIds) this.stale.push({ scope: 'user', id });
    return this;
  }
  invalidatesTeams(...teamIds: string[]): this {
    for (const id of teamIds) this.stale.push({ scope: 'team', id });
    return this;
  }
  /** For changes whose reach is not worth computing (e.g. a proxy-wide setting). */
  invalidatesEverything(): this {
    this.stale.push({ scope: 'all' });
    return this;
  }

  /** @internal read by ChangesService after commit. */
  get invalidations(): readonly Invalidation[] {
    return this.stale;
  }
}

/**
 * The one way a domain records a change: `run` opens the transaction, hands the write a `Change`
 * to audit and to name what it makes stale, and after commit evicts the caches on this pod and
 * announces it to the others. Services no longer call the auth cache by hand.
 */
@Injectable()
export class ChangesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly auditor: AuditService,
    private readonly cache: AuthCacheService,
  ) {}

  /** `options.timeout`: for a change with many rows (and audit rows), longer than Prisma's 5 s default. */
  async run<T>(
    actor: Actor,
    write: (change: Change) => Promise<T>,
    options?: { timeout?: number },
  ): Promise<T> {
    let change!: Change;
    const result = await this.prisma.$transaction(async (tx) => {
      change = new Change(tx, actor, this.auditor);
      return write(change);
    }, options);
    await this.announce(change.invalidations);
    return result;
  }

  /**
   * The common case in one call: one write, one audit row, known stale entries.
   * `stale` is applied to the change before the write runs.
   */
  async audited<T>(
    actor: Actor,
    entry: AuditEntry,
    stale: (change: Change) => unknown,
    write: (tx: Prisma.TransactionClient) => Promise<T>,
  ): Promise<T> {
    return this.run(actor, async (change) => {
      stale(change);
      const result = await write(change.tx);
      await change.audit(entry);
      return result;
    });
  }

  /**
   * For writes that are not a management change of their own (jobs, sign-in): send these
   * invalidations now. Call it after the write has committed.
   */
  announce(invalidations: readonly Invalidation[]): Promise<void> {
    return this.cache.invalidateMany(invalidations);
  }
}
