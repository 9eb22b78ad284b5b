import type { Prisma } from '@prisma/client';
import type { JobOutcome } from './job-runs.service';

/** What a job gets from the scheduler for one window. */
export interface JobContext {
  /** The instant the window's run started (jobs compare against it, not the wall clock). */
  now: Date;
  windowStart: Date;
  /** Runs `work` in a transaction that first proves this pod still holds the lease (fencing). */
  fenced<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T>;
  /** The same proof inside a transaction someone else opened (e.g. the key rotation's). */
  fence(tx: Prisma.TransactionClient): Promise<void>;
  /** True once shutdown began: stop between batches. */
  stopping(): boolean;
}

/** A job the leader runs once per window. Runs must be idempotent: a repeat finds nothing due. */
export interface ScheduledJob {
  readonly name: string;
  enabled(): boolean;
  windowSeconds(): number;
  run(ctx: JobContext): Promise<JobOutcome>;
}

export const SCHEDULED_JOBS = Symbol('SCHEDULED_JOBS');
