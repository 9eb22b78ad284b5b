import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG } from '../platform/config/config.module';
import type { AppConfig } from '../platform/config/app-config';
import { PrismaService } from '../platform/prisma/prisma.service';

/** The one lease every pod competes for; its holder runs all scheduled jobs. */
export const LEADER_LEASE = 'control_plane_scheduler_leader';

export interface Lease {
  podId: string;
  /** Fencing token: bumped on every change of holder, so a stalled ex-leader's writes are refused. */
  generation: bigint;
}

/** Thrown inside a job transaction when this process no longer holds the lease. */
export class LeaseLostError extends Error {
  constructor() {
    super('scheduler lease lost: another pod leads now');
    this.name = 'LeaseLostError';
  }
}

/**
 * Leader election on LiteLLM_CronJob. Acquire, renew and release are each one atomic statement,
 * judged by the database clock, so two pods can never both win and pod clocks do not matter.
 */
@Injectable()
export class CronLeaseService {
  /** Unique per process (several processes may share a host and even a pid namespace). */
  readonly podId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
  ) {}

  /** Takes the lease if it is free, expired or already ours. Returns it, or undefined. */
  async acquire(job = LEADER_LEASE): Promise<Lease | undefined> {
    const ttl = this.config.scheduler.leaseTtlSeconds;
    const rows = await this.prisma.$queryRaw<{ generation: bigint }[]>`
      INSERT INTO "LiteLLM_CronJob" AS l (cronjob_id, pod_id, status, last_updated, ttl, generation)
      VALUES (${job}, ${this.podId}, 'ACTIVE', now(), now() + make_interval(secs => ${ttl}), 1)
      ON CONFLICT (cronjob_id) DO UPDATE SET
        pod_id = EXCLUDED.pod_id,
        status = 'ACTIVE',
        last_updated = now(),
        ttl = EXCLUDED.ttl,
        generation = CASE WHEN l.pod_id = EXCLUDED.pod_id AND l.status = 'ACTIVE' AND l.ttl > now()
                          THEN l.generation ELSE l.generation + 1 END
      WHERE l.ttl <= now() OR l.status = 'INACTIVE' OR l.pod_id = EXCLUDED.pod_id
      RETURNING l.generation`;
    return rows[0] ? { podId: this.podId, generation: rows[0].generation } : undefined;
  }

  /** Extends a lease still held (same holder, same generation, not yet expired). */
  async renew(lease: Lease, job = LEADER_LEASE): Promise<boolean> {
    const ttl = this.config.scheduler.leaseTtlSeconds;
    const n = await this.prisma.$executeRaw`
      UPDATE "LiteLLM_CronJob" SET ttl = now() + make_interval(secs => ${ttl}), last_updated = now()
      WHERE cronjob_id = ${job} AND pod_id = ${lease.podId} AND generation = ${lease.generation}
        AND status = 'ACTIVE' AND ttl > now()`;
    return n === 1;
  }

  async release(lease: Lease, job = LEADER_LEASE): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE "LiteLLM_CronJob" SET status = 'INACTIVE', ttl = now(), last_updated = now()
      WHERE cronjob_id = ${job} AND pod_id = ${lease.podId} AND generation = ${lease.generation}`;
  }

  /**
   * Call first in every job transaction: passes only while the lease is still ours, and holds a
   * share lock on the lease row so no takeover can commit until this transaction has.
   */
  async fence(tx: Prisma.TransactionClient, lease: Lease, job = LEADER_LEASE): Promise<void> {
    const rows = await tx.$queryRaw<{ ok: number }[]>`
      SELECT 1 AS ok FROM "LiteLLM_CronJob"
      WHERE cronjob_id = ${job} AND pod_id = ${lease.podId} AND generation = ${lease.generation}
        AND status = 'ACTIVE' AND ttl > now()
      FOR SHARE`;
    if (rows.length === 0) throw new LeaseLostError();
  }

  /** Who holds the lease now (for status pages). */
  async current(job = LEADER_LEASE) {
    const rows = await this.prisma.$queryRaw<
      { pod_id: string; generation: bigint; ttl: Date; active: boolean }[]
    >`
      SELECT pod_id, generation, ttl, (status = 'ACTIVE' AND ttl > now()) AS active
      FROM "LiteLLM_CronJob" WHERE cronjob_id = ${job}`;
    return rows[0];
  }
}
