import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.module';
import { PrismaService } from '../prisma/prisma.service';

export type Invalidation =
  | { scope: 'key'; id: string }
  | { scope: 'user'; id: string }
  | { scope: 'team'; id: string }
  | { scope: 'all' }
  /** The model registry (LiteLLM_ProxyModelTable) changed: every pod reloads its deployments. */
  | { scope: 'models' }
  /** The MCP server registry (LiteLLM_MCPServerTable, toolsets) changed: every pod reloads its servers. */
  | { scope: 'mcp' };

interface Listener {
  onMessage: (message: Invalidation) => void;
  onReset: () => void;
}

const CHANNEL = 'litellm_cp_auth_invalidate';

/**
 * Carries cache invalidations to every pod: Redis pub/sub when Redis is configured, else
 * PostgreSQL LISTEN/NOTIFY (every pod has the database, so revocation is cluster-wide either
 * way). Several caches listen on the one channel (auth, the model registry); each ignores the
 * scopes it does not hold. `onReset` fires when the channel reconnects, because messages may
 * have been missed.
 */
@Injectable()
export class InvalidationBus implements OnModuleDestroy {
  private readonly logger = new Logger('auth-invalidation');
  private readonly listeners: Listener[] = [];
  private opened: Promise<void> | undefined;
  private pgListener: Client | undefined;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly prisma: PrismaService,
  ) {}

  get transport(): 'redis' | 'postgres' {
    return this.redis.enabled ? 'redis' : 'postgres';
  }

  /** Adds a listener; the first call opens the channel, later ones wait for it to be open. */
  start(onMessage: (message: Invalidation) => void, onReset: () => void): Promise<void> {
    this.listeners.push({ onMessage, onReset });
    this.opened ??= this.open();
    return this.opened;
  }

  private async open(): Promise<void> {
    if (this.redis.enabled) {
      const sub = this.redis.subscriber();
      sub.on('message', (_channel: string, payload: string) => this.receive(payload));
      let first = true;
      sub.on('ready', () => {
        if (!first) this.reset();
        first = false;
      });
      await sub.subscribe(CHANNEL);
    } else {
      await this.listenPostgres();
    }
  }

  async publish(message: Invalidation): Promise<void> {
    const payload = JSON.stringify(message);
    if (this.redis.client) {
      await this.redis.client.publish(CHANNEL, payload);
    } else {
      await this.prisma.$executeRaw`SELECT pg_notify(${CHANNEL}, ${payload})`;
    }
  }

  private receive(payload: string) {
    let message: Invalidation;
    try {
      message = JSON.parse(payload) as Invalidation;
    } catch (e) {
      this.logger.warn({ msg: 'ignored malformed invalidation', error: (e as Error).message });
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener.onMessage(message);
      } catch (e) {
        this.logger.warn({ msg: 'invalidation listener failed', error: (e as Error).message });
      }
    }
  }

  private reset() {
    for (const listener of this.listeners) listener.onReset();
  }

  private async listenPostgres(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl });
    client.on('notification', (n) => n.payload && this.receive(n.payload));
    client.on('error', (e) => this.logger.warn({ msg: 'listener connection error', error: e.message }));
    client.on('end', () => {
      this.pgListener = undefined;
      if (!this.stopped) this.reconnectPostgres(0);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.pgListener = client;
  }

  /** Retries with backoff; once back, everything cached may be stale, so reset. */
  private reconnectPostgres(attempt: number) {
    const delay = Math.min(500 * 2 ** attempt, 30_000);
    setTimeout(() => {
      if (this.stopped) return;
      this.listenPostgres().then(
        () => this.reset(),
        () => this.reconnectPostgres(attempt + 1),
      );
    }, delay).unref();
  }

  async onModuleDestroy() {
    this.stopped = true;
    await this.pgListener?.end().catch(() => undefined);
  }
}
