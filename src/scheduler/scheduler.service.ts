import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG } from '../platform/config/config.module';
import type { AppConfig } from '../platform/config/app-config';
import { PrismaService } from '../platform/prisma/prisma.service';
import { CronLeaseService, Lease, LeaseLostError } from './cron-lease.service';
import { JobRunsService, windowStart } from './job-runs.service';
import { JobContext, SCHEDULED_JOBS, ScheduledJob } from './scheduled-job';
import { ScheduledJobs } from './scheduled-jobs';

/** The scheduler's beat in `@nestjs/schedule`'s SchedulerRegistry (an interval of `renewSeconds`). */
export const SCHEDULER_TICK = 'scheduler_tick';

/**
 * Leader election first, jobs second. Every `renewSeconds` each pod tries to take or renew the
 * lease; only the holder looks at the jobs, and runs each one whose current window has no `done`
 * run record. A leader that loses the lease stops at its next fenced write.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('scheduler');
  private lease: Lease | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SCHEDULED_JOBS) private readonly jobs: ScheduledJob[],
    private readonly prisma: PrismaService,
    private readonly leases: CronLeaseService,
    private readonly runs: JobRunsService,
    private readonly registry: SchedulerRegistry,
    private readonly plugins: ScheduledJobs,
  ) {}

  /** The built-in jobs, then those higher modules registered (ScheduledJobs). */
  private allJobs(): readonly ScheduledJob[] {
    return [...this.jobs, ...this.plugins.all()];
  }

  get podId() {
    return this.leases.podId;
  }

  get isLeader(): boolean {
    return this.lease !== undefined;
  }

  onApplicationBootstrap() {
    if (!this.config.scheduler.enabled) {
      this.logger.log({
        msg: 'scheduler disabled on this instance (SCHEDULER_ENABLED=false): it never leads',
      });
      return;
    }
    // unref(): the beat alone must not keep a process (or a test run) alive.
    const interval = setInterval(() => this.beat(), this.config.scheduler.renewSeconds * 1000).unref();
    this.registry.addInterval(SCHEDULER_TICK, interval);
    this.beat(); // the first tick right away, not one interval later
  }

  async beforeApplicationShutdown() {
    this.stopping = true;
    // ScheduleModule clears its registry on shutdown too, and may have done so already.
    if (this.registry.doesExist('interval', SCHEDULER_TICK)) this.registry.deleteInterval(SCHEDULER_TICK);
    await this.running?.catch(() => undefined);
    if (this.lease) {
      await this.leases.release(this.lease).catch(() => undefined);
      this.logger.log({ msg: 'released the scheduler lease', pod_id: this.podId });
      this.lease = undefined;
    }
  }

  /** Starts a tick unless one is still running: a slow tick delays the next, never overlaps it. */
  private beat() {
    if (this.running || this.stopping) return;
    this.running = this.tick().finally(() => (this.running = undefined));
  }

  /** One beat: hold the lease, then run what is due. Exposed for tests. */
  async tick(now = new Date()): Promise<void> {
    try {
      await this.holdLease();
      if (!this.lease) return;
      for (const job of this.allJobs()) {
        if (this.stopping || !this.lease) break;
        if (job.enabled()) await this.runWindow(job, this.lease, now);
      }
    } catch (e) {
      this.logger.error({ msg: 'scheduler tick failed', error: (e as Error).message });
    }
  }

  private async holdLease() {
    if (this.lease && (await this.leases.renew(this.lease))) return;
    const had = this.lease;
    this.lease = await this.leases.acquire();
    if (this.lease && (!had || had.generation !== this.lease.generation)) {
      this.logger.log({
        msg: 'became scheduler leader',
        pod_id: this.podId,
        generation: this.lease.generation,
      });
    } else if (had && !this.lease) {
      this.logger.warn({ msg: 'lost the scheduler lease', pod_id: this.podId, generation: had.generation });
    }
  }

  /** Runs `job` for the window containing `now`, unless that window is done or owned elsewhere. */
  async runWindow(job: ScheduledJob, lease: Lease, now = new Date()): Promise<'ran' | 'skipped' | 'lost'> {
    const window = windowStart(now, job.windowSeconds());
    let runId: string | undefined;
    try {
      runId = await this.runs.claim(job.name, window, lease);
      if (!runId) return 'skipped';
      const started = Date.now();
      const ctx: JobContext = {
        now: new Date(),
        windowStart: window,
        fenced: (work) =>
          this.prisma.$transaction(
            async (tx) => {
              await this.leases.fence(tx, lease);
              return work(tx);
            },
            { timeout: 60_000 },
          ),
        fence: (tx) => this.leases.fence(tx, lease),
        stopping: () => this.stopping,
      };
      const outcome = await job.run(ctx);
      await this.runs.finish(runId, lease, outcome);
      this.logger.log({
        msg: 'job done',
        job: job.name,
        window: window.toISOString(),
        rows: outcome.rows,
        ms: Date.now() - started,
        details: outcome.details,
      });
      return 'ran';
    } catch (e) {
      if (e instanceof LeaseLostError) {
        this.logger.warn({ msg: 'stopped a job: lease lost', job: job.name, window: window.toISOString() });
        this.lease = undefined;
        return 'lost';
      }
      this.logger.error({
        msg: 'job failed',
        job: job.name,
        window: window.toISOString(),
        error: (e as Error).message,
      });
      if (runId) await this.runs.fail(runId, lease, (e as Error).message).catch(() => undefined);
      return 'skipped';
    }
  }

  async status() {
    const current = await this.leases.current();
    const jobs = this.allJobs();
    const last = await this.runs.latest(jobs.map((j) => j.name));
    return {
      pod_id: this.podId,
      is_leader: this.isLeader,
      leader:
        current && current.active
          ? { pod_id: current.pod_id, generation: current.generation, lease_expires_at: current.ttl }
          : null,
      jobs: jobs.map((job) => ({
        name: job.name,
        enabled: job.enabled(),
        window_seconds: job.windowSeconds(),
        last_run: last[job.name]
          ? {
              window_start: last[job.name]!.window_start,
              status: last[job.name]!.status,
              pod_id: last[job.name]!.pod_id,
              finished_at: last[job.name]!.finished_at,
              rows_affected: last[job.name]!.rows_affected,
            }
          : null,
      })),
    };
  }
}
