import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module';
import type { AppConfig } from '../../platform/config/app-config';
import { KeyRotationService } from '../../domains/keys/key-rotation.service';
import type { JobContext, ScheduledJob } from '../scheduled-job';

/**
 * Deletes rotated keys' old hashes once their grace period is over (`revoke_at` passed), in batches,
 * each a fenced transaction; the statement is the keys domain's (KeyRotationService).
 */
@Injectable()
export class DeprecatedKeyCleanupJob implements ScheduledJob {
  readonly name = 'deprecated_key_cleanup';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rotation: KeyRotationService,
  ) {}

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
      const n = await ctx.fenced((tx) =>
        this.rotation.deleteRevokedHashes(tx, ctx.now, this.config.scheduler.batchSize),
      );
      rows += n;
      if (n < this.config.scheduler.batchSize) break;
    }
    return { rows };
  }
}
