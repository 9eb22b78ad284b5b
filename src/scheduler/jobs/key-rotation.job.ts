import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../platform/config/config.module';
import type { AppConfig } from '../../platform/config/app-config';
import type { AuthContext } from '../../platform/auth/auth-context';
import { ApiError } from '../../platform/common/errors/api-error';
import { KeyRotationService } from '../../domains/keys/key-rotation.service';
import type { JobContext, ScheduledJob } from '../scheduled-job';

/** The identity scheduled jobs act as (LiteLLM's `litellm_internal_jobs`). */
export const INTERNAL_JOBS_AUTH: AuthContext = {
  apiKey: 'litellm_internal_jobs',
  isMasterKey: false,
  userId: 'litellm_internal_jobs',
  role: 'proxy_admin',
  teamId: null,
  organizationId: null,
  key: null,
  team: null,
};

/**
 * Rotates keys with `auto_rotate` whose `key_rotation_at` has come, through the same code path as
 * /key/regenerate (archive, new hash in place, grace period from LITELLM_KEY_ROTATION_GRACE_PERIOD).
 * Each rotation is fenced by the lease; a key already rotated (by a previous leader) is skipped.
 */
@Injectable()
export class KeyRotationJob implements ScheduledJob {
  readonly name = 'key_rotation';
  private readonly logger = new Logger('key-rotation-job');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rotation: KeyRotationService,
  ) {}

  enabled() {
    return this.config.scheduler.keyRotationEnabled;
  }

  windowSeconds() {
    return this.config.scheduler.keyRotationWindowSeconds;
  }

  async run(ctx: JobContext) {
    let rotated = 0;
    let failed = 0;
    let after = '';
    for (;;) {
      if (ctx.stopping()) break;
      const due = await this.rotation.dueForRotation(ctx.now, after, 100);
      if (due.length === 0) break;
      for (const token of due) {
        after = token;
        try {
          await this.rotation.regenerate({ auth: INTERNAL_JOBS_AUTH }, token, {}, ctx.now, {
            inTransaction: async (tx) => {
              await ctx.fence(tx);
              const still = await this.rotation.stillDueForRotation(tx, token, ctx.now);
              if (!still) throw new ApiError(409, 'already rotated', 'conflict_error');
            },
          });
          rotated++;
        } catch (e) {
          if (e instanceof ApiError && (e.status === 404 || e.status === 409)) continue;
          if (e instanceof ApiError) {
            failed++;
            this.logger.warn({
              msg: 'could not rotate key',
              token_prefix: token.slice(0, 8),
              error: e.message,
            });
            continue;
          }
          throw e;
        }
      }
    }
    return { rows: rotated, details: { rotated, failed } };
  }
}
