import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module';
import type { AppConfig } from '../../platform/config/app-config';
import type { JobContext, ScheduledJob } from '../scheduled-job';

/** Deletes rotated keys' old hashes once their grace period is over (`revoke_at` passed), in batches. */
@Injectable()
export class DeprecatedKeyCleanupJob implements ScheduledJob {
  readonly name = 'deprecated_key_cleanup';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  enabled() {
    return this.config.scheduler.deprecatedKeyCleanupEnabled;
  }

  windowSeconds() {
    return this.config.scheduler.deprecatedKeyCleanupWindowSeconds;
  }

  async run(ctx: JobContext) {
    let rows = 0;
    for (;;) {
      if (ctx.stopping()) break;
      const n = await ctx.fenced(
        (tx) => tx.$executeRaw`
          DELETE FROM "LiteLLM_DeprecatedVerificationToken" WHERE id IN (
            SELECT id FROM "LiteLLM_DeprecatedVerificationToken" WHERE revoke_at < ${ctx.now}
            LIMIT ${this.config.scheduler.batchSize})`,
      );
      rows += n;
      if (n < this.config.scheduler.batchSize) break;
    }
    return { rows };
  }
}
