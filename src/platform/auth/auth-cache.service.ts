import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';
import { SingleFlight } from '../common/single-flight';
import type { AuthSubject } from './auth-context';
import { Invalidation, InvalidationBus } from './invalidation-bus';

interface Entry {
  subject: AuthSubject;
  expiresAt: number;
  /** What other layers derive from the same rows (the gateway's request subject), evicted with it. */
  attachments?: Map<string, unknown>;
}

const MAX_ENTRIES = 50_000;

/**
 * In-process cache of key lookups by key hash. Every mutation of a key, user or team calls one
 * of the `invalidate*` methods: the local entry goes at once and the message reaches every other
 * pod through the bus. A lookup that started before an invalidation is not cached (generation
 * check), so a slow read cannot put stale state back.
 */
@Injectable()
export class AuthCacheService implements OnApplicationBootstrap {
  private readonly logger = new Logger('auth-cache');
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private readonly loads = new SingleFlight<unknown>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bus: InvalidationBus,
  ) {}

  async onApplicationBootstrap() {
    await this.bus.start(
      (message) => this.apply(message),
      () => this.apply({ scope: 'all' }),
    );
    this.logger.log({ msg: 'auth cache invalidation ready', transport: this.bus.transport });
  }

  /** The cached key while its entry lives. */
  get(tokenHash: string, now = Date.now()): AuthSubject | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.subject;
  }

  /**
   * The cached key, else `load`'s answer, cached for the TTL (capped at its `notAfter`, e.g. a
   * rotated key's `revoke_at`). Requests that miss it together share one load, and a load that began
   * before an invalidation is neither cached nor joined by a request that came after it.
   */
  getOrLoad(
    tokenHash: string,
    now: number,
    load: () => Promise<{ subject: AuthSubject; notAfter?: number } | undefined>,
  ): Promise<AuthSubject | undefined> {
    const cached = this.get(tokenHash, now);
    if (cached) return Promise.resolve(cached);
    return this.sharedLoad(`key ${tokenHash}`, async (generation) => {
      const found = await load();
      if (found) this.set(tokenHash, found.subject, generation, now, found.notAfter);
      return found?.subject;
    });
  }

  /**
   * Data a higher layer derives from this key's rows (the gateway's limits, its MCP permissions),
   * kept in the key's entry so every invalidation that evicts the key evicts it too; `load` reads
   * it when absent, shared and fenced like `getOrLoad`'s. Not kept when the key itself is not
   * cached (then the next request loads again).
   */
  attachedOrLoad<T>(tokenHash: string, slot: string, load: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(tokenHash)?.attachments?.get(slot);
    if (cached !== undefined) return Promise.resolve(cached as T);
    return this.sharedLoad(`${slot} ${tokenHash}`, async (generation) => {
      const value = await load();
      if (value !== undefined) this.attach(tokenHash, slot, value, generation);
      return value;
    }) as Promise<T>;
  }

  /** One load per key and invalidation generation: a later generation never joins an earlier load. */
  private sharedLoad<T>(key: string, load: (generation: number) => Promise<T>): Promise<T> {
    const generation = this.generation;
    return this.loads.run(`${generation} ${key}`, () => load(generation)) as Promise<T>;
  }

  private attach(tokenHash: string, slot: string, value: unknown, generation: number): void {
    if (generation !== this.generation) return;
    const entry = this.entries.get(tokenHash);
    if (!entry) return;
    (entry.attachments ??= new Map()).set(slot, value);
  }

  private set(tokenHash: string, subject: AuthSubject, generation: number, now: number, notAfter = Infinity) {
    if (generation !== this.generation || this.config.authCacheTtlSeconds === 0) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const expiresAt = Math.min(now + this.config.authCacheTtlSeconds * 1000, notAfter);
    this.entries.set(tokenHash, { subject, expiresAt });
  }

  invalidateKey(tokenHash: string) {
    return this.invalidate({ scope: 'key', id: tokenHash });
  }
  invalidateUser(userId: string) {
    return this.invalidate({ scope: 'user', id: userId });
  }
  invalidateTeam(teamId: string) {
    return this.invalidate({ scope: 'team', id: teamId });
  }
  invalidateAll() {
    return this.invalidate({ scope: 'all' });
  }

  /** Several invalidations at once, each sent once; `all` makes the others moot. */
  async invalidateMany(messages: readonly Invalidation[]): Promise<void> {
    if (messages.some((m) => m.scope === 'all')) return this.invalidateAll();
    const unique = new Map(messages.map((m) => [`${m.scope}:${'id' in m ? m.id : ''}`, m]));
    await Promise.all([...unique.values()].map((m) => this.invalidate(m)));
  }

  /** Local eviction first (this pod is exact at once), then every other pod. */
  private async invalidate(message: Invalidation): Promise<void> {
    this.apply(message);
    try {
      await this.bus.publish(message);
    } catch (e) {
      this.logger.error({
        msg: 'could not publish invalidation; other pods keep entries until TTL',
        error: (e as Error).message,
        scope: message.scope,
      });
    }
  }

  private apply(message: Invalidation) {
    if (message.scope === 'models' || message.scope === 'mcp') return; // the registries', not ours
    this.generation++;
    if (message.scope === 'all') {
      this.entries.clear();
      return;
    }
    // A key can also be cached under an old (rotated) hash, so match on the row, not only the map key.
    for (const [hash, { subject }] of this.entries) {
      const owner =
        message.scope === 'key'
          ? subject.key.token
          : message.scope === 'user'
            ? subject.key.userId
            : subject.key.teamId;
      if (owner === message.id || hash === message.id) this.entries.delete(hash);
    }
  }
}
