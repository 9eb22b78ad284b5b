import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module';
import type { AppConfig } from '../../platform/config/app-config';
import { addDuration, parseDuration } from '../../platform/common/duration';
import { SpendLogsService } from '../../domains/spend/spend-logs.service';
import type { JobContext, ScheduledJob } from '../scheduled-job';

const BATCH = 1_000;
const MAX_BATCHES = 500;

/**
 * Deletes spend logs older than MAXIMUM_SPEND_LOGS_RETENTION_PERIOD in bounded batches, each its own
 * short fenced transaction (the statement, with its lock and statement timeouts, is the spend
 * domain's: SpendLogsService). Leftovers past the batch cap go in the next window.
 */
@Injectable()
export class SpendLogRetentionJob implements ScheduledJob {
  readonly name = 'spend_log_retention';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly spendLogs: SpendLogsService,
  ) {}

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
      const n = await ctx.fenced((tx) => this.spendLogs.deleteOlderThan(tx, cutoff, BATCH));
      rows += n;
      if (n < BATCH) break;
    }
    return { rows, details: { cutoff: cutoff.toISOString() } };
  }
}
