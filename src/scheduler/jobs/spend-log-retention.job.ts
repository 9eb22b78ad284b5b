import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module';
import type { AppConfig } from '../../platform/config/app-config';
import { addDuration, parseDuration } from '../../platform/common/duration';
import type { JobContext, ScheduledJob } from '../scheduled-job';

const BATCH = 1_000;
const MAX_BATCHES = 500;

/**
 * Deletes spend logs older than MAXIMUM_SPEND_LOGS_RETENTION_PERIOD in bounded batches, each its own
 * short transaction with lock and statement timeouts, so request writes never wait behind it.
 * Served by the startTime index. Leftovers past the batch cap go in the next window.
 */
@Injectable()
export class SpendLogRetentionJob implements ScheduledJob {
  readonly name = 'spend_log_retention';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  enabled() {
    return this.config.scheduler.spendLogRetentionPeriod !== undefined;
  }

  windowSeconds() {
    return this.config.scheduler.spendLogRetentionWindowSeconds;
  }

  async run(ctx: JobContext) {
    const period = parseDuration(this.config.scheduler.spendLogRetentionPeriod!);
    const cutoff = new Date(2 * ctx.now.getTime() - addDuration(ctx.now, period).getTime());
    let rows = 0;
    for (let i = 0; i < MAX_BATCHES && !ctx.stopping(); i++) {
      const n = await ctx.fenced(async (tx) => {
        await tx.$executeRaw`SET LOCAL lock_timeout = '5s'`;
        await tx.$executeRaw`SET LOCAL statement_timeout = '30s'`;
        return tx.$executeRaw`
          DELETE FROM "LiteLLM_SpendLogs" WHERE request_id IN (
            SELECT request_id FROM "LiteLLM_SpendLogs" WHERE "startTime" < ${cutoff} LIMIT ${BATCH})`;
      });
      rows += n;
      if (n < BATCH) break;
    }
    return { rows, details: { cutoff: cutoff.toISOString() } };
  }
}
