import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { PrismaService } from '../platform/prisma/prisma.service';
import { CronLeaseService, Lease } from './cron-lease.service';

/** The start of the wall-clock window of `seconds` that contains `now` (epoch-aligned, same on every pod). */
export function windowStart(now: Date, seconds: number): Date {
  const ms = seconds * 1000;
  return new Date(Math.floor(now.getTime() / ms) * ms);
}

export interface JobOutcome {
  rows: number;
  details?: Record<string, unknown>;
}

/**
 * ControlPlane_JobRun: one row per job and window (unique), so "already done for this window" is a
 * fact in the database. A window left `running` or `failed` by an earlier leader is taken over by a
 * newer generation; a `done` window is never run again.
 */
@Injectable()
export class JobRunsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly lease: CronLeaseService,
  ) {}

  /** Claims the window for this leader; undefined when it is done or another live run owns it. */
  async claim(job: string, window: Date, lease: Lease): Promise<string | undefined> {
    return this.prisma.$transaction(async (tx) => {
      await this.lease.fence(tx, lease);
      const rows = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO "ControlPlane_JobRun" AS r (id, job_name, window_start, status, pod_id, generation, started_at)
        VALUES (gen_random_uuid()::text, ${job}, ${window}, 'running', ${lease.podId}, ${lease.generation}, now())
        ON CONFLICT (job_name, window_start) DO UPDATE SET
          status = 'running', pod_id = EXCLUDED.pod_id, generation = EXCLUDED.generation,
          started_at = now(), finished_at = NULL, error = NULL
        WHERE r.status <> 'done' AND (r.status = 'failed' OR r.generation < EXCLUDED.generation)
        RETURNING r.id`;
      return rows[0]?.id;
    });
  }

  /** Marks the run done, in a fenced transaction: a leader that lost the lease cannot finish it. */
  async finish(runId: string, lease: Lease, outcome: JobOutcome): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await this.lease.fence(tx, lease);
      await tx.controlPlane_JobRun.updateMany({
        where: { id: runId, generation: lease.generation, status: 'running' },
        data: {
          status: 'done',
          finished_at: new Date(),
          rows_affected: outcome.rows,
          details: (outcome.details ?? {}) as Prisma.InputJsonValue,
        },
      });
    });
  }

  async fail(runId: string, lease: Lease, error: string): Promise<void> {
    await this.prisma.controlPlane_JobRun.updateMany({
      where: { id: runId, generation: lease.generation, status: 'running' },
      data: { status: 'failed', finished_at: new Date(), error: error.slice(0, 2000) },
    });
  }

  /** The latest run of each job, for the status route. */
  async latest(jobs: string[]) {
    const rows = await Promise.all(
      jobs.map((job) =>
        this.prisma.controlPlane_JobRun.findFirst({
          where: { job_name: job },
          orderBy: { window_start: 'desc' },
        }),
      ),
    );
    return Object.fromEntries(jobs.map((job, i) => [job, rows[i]]));
  }
}
