import type Redis from 'ioredis';

/** Where the live counters live: Redis (shared by every pod) or this process's memory. */
export interface CounterStore {
  /** Current values; undefined where a counter does not exist (or expired). */
  get(keys: string[]): Promise<(number | undefined)[]>;
  /** Sets `value` unless the counter exists (another pod seeded it first); returns the counter's value. */
  seed(key: string, value: number, ttlSeconds: number): Promise<number>;
  /** Adds `amount` to the counters that exist; a missing one stays missing (its seed reads the ledger). */
  add(keys: string[], amount: number): Promise<void>;
  forget(keys: string[]): Promise<void>;
  /** Drops every counter whose key starts with `prefix`. */
  forgetPrefix(prefix: string): Promise<void>;
}

/** INCRBYFLOAT only where the key exists, atomically (a plain INCRBYFLOAT would create it from 0). */
const ADD_IF_EXISTS = `
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('INCRBYFLOAT', key, ARGV[1]) end
end
return 0`;

type RedisWithAdd = Redis & {
  spendAddIfExists(numKeys: number, ...args: (string | number)[]): Promise<number>;
};

export class RedisCounterStore implements CounterStore {
  private readonly redis: RedisWithAdd;

  constructor(redis: Redis) {
    if (!('spendAddIfExists' in redis)) redis.defineCommand('spendAddIfExists', { lua: ADD_IF_EXISTS });
    this.redis = redis as RedisWithAdd;
  }

  async get(keys: string[]): Promise<(number | undefined)[]> {
    const values = await this.redis.mget(...keys);
    return values.map((v) => (v === null ? undefined : Number(v)));
  }

  async seed(key: string, value: number, ttlSeconds: number): Promise<number> {
    const set = await this.redis.set(key, String(value), 'EX', ttlSeconds, 'NX');
    if (set === 'OK') return value;
    const current = await this.redis.get(key);
    return current === null ? value : Number(current);
  }

  async add(keys: string[], amount: number): Promise<void> {
    await this.redis.spendAddIfExists(keys.length, ...keys, String(amount));
  }

  async forget(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.unlink(...keys);
  }

  /** SCAN + UNLINK in batches: counters live a TTL, so there are only as many as entities active lately. */
  async forgetPrefix(prefix: string): Promise<void> {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}

const SWEEP_AT = 100_000;

/** The same counters in this process only (no Redis): each pod reseeds from the ledger once per TTL. */
export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, { value: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(keys: string[]): Promise<(number | undefined)[]> {
    return Promise.resolve(keys.map((k) => this.live(k)?.value));
  }

  seed(key: string, value: number, ttlSeconds: number): Promise<number> {
    const current = this.live(key);
    if (current) return Promise.resolve(current.value);
    if (this.counters.size >= SWEEP_AT) this.sweep();
    this.counters.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return Promise.resolve(value);
  }

  add(keys: string[], amount: number): Promise<void> {
    for (const key of keys) {
      const counter = this.live(key);
      if (counter) counter.value += amount;
    }
    return Promise.resolve();
  }

  forget(keys: string[]): Promise<void> {
    keys.forEach((k) => this.counters.delete(k));
    return Promise.resolve();
  }

  forgetPrefix(prefix: string): Promise<void> {
    for (const key of this.counters.keys()) if (key.startsWith(prefix)) this.counters.delete(key);
    return Promise.resolve();
  }

  /** Expired counters are dropped when read; a sweep bounds the ones never read again. */
  private sweep() {
    const now = this.now();
    for (const [key, counter] of this.counters) if (counter.expiresAt <= now) this.counters.delete(key);
  }

  private live(key: string) {
    const counter = this.counters.get(key);
    if (counter && counter.expiresAt <= this.now()) {
      this.counters.delete(key);
      return undefined;
    }
    return counter;
  }
}
