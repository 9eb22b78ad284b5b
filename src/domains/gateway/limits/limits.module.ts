import { Module } from '@nestjs/common';
import { RedisService } from '../../../platform/redis/redis.module';
import { DEFAULT_RATE_LIMIT_WINDOW_SECONDS, RateLimiterService } from './rate-limiter.service';

/**
 * LITELLM_RATE_LIMIT_WINDOW_SIZE (seconds), LiteLLM's variable, read once here because the
 * limiter is its only reader; anything but a positive integer means LiteLLM's default.
 */
export function rateLimitWindowSeconds(env: Record<string, string | undefined>): number {
  const raw = env.LITELLM_RATE_LIMIT_WINDOW_SIZE?.trim();
  const seconds = raw && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return seconds > 0 ? seconds : DEFAULT_RATE_LIMIT_WINDOW_SECONDS;
}

/** The gateway's rate limiter (Redis scripts, or per process without Redis). */
@Module({
  providers: [
    {
      provide: RateLimiterService,
      inject: [RedisService],
      useFactory: (redis: RedisService) =>
        new RateLimiterService(redis, { windowSeconds: rateLimitWindowSeconds(process.env) }),
    },
  ],
  exports: [RateLimiterService],
})
export class LimitsModule {}
