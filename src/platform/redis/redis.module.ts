import { Global, Inject, Injectable, Logger, Module, OnModuleDestroy } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';

/**
 * Redis connections, only when REDIS_URL / REDIS_HOST is configured. `client` is for commands;
 * `subscriber()` makes a dedicated connection for pub/sub (a subscribed connection can do
 * nothing else). The command connection pipelines automatically: the commands that concurrent
 * requests issue in one event-loop turn leave in one socket write (each write is a system call;
 * one per command was the gateway's largest single CPU cost under load).
 */
@Injectable()
export class RedisService implements OnModuleDestroy {
  private readonly logger = new Logger('redis');
  private readonly connections: Redis[] = [];
  readonly client: Redis | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.client = config.redis ? this.connect('client', { enableAutoPipelining: true }) : undefined;
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  subscriber(): Redis {
    if (!this.config.redis) throw new Error('Redis is not configured');
    return this.connect('subscriber');
  }

  private connect(name: string, options: RedisOptions = {}): Redis {
    const redis = new Redis(this.config.redis!.url, {
      ...options,
      lazyConnect: false,
      maxRetriesPerRequest: 2,
      connectionName: `litellm-cp-${name}`,
    });
    redis.on('error', (e: Error) =>
      this.logger.warn({ msg: 'redis error', connection: name, error: e.message }),
    );
    this.connections.push(redis);
    return redis;
  }

  async onModuleDestroy() {
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
export class RedisModule {}
