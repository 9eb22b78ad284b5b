import { Injectable } from '@nestjs/common';
import type { ScheduledJob } from './scheduled-job';

/**
 * Jobs of modules above the scheduler (which may not import them): such a module registers its job
 * here in `onModuleInit`, before the scheduler's first tick (`onApplicationBootstrap`); the leader
 * then runs it once per window like the built-in ones, under the same lease and run records.
 */
@Injectable()
export class ScheduledJobs {
  private readonly jobs: ScheduledJob[] = [];

  register(job: ScheduledJob): void {
    if (this.jobs.some((j) => j.name === job.name))
      throw new Error(`scheduled job ${job.name} registered twice`);
    this.jobs.push(job);
  }

  all(): readonly ScheduledJob[] {
    return this.jobs;
  }
}
