/**
 * Concurrent loads of one key share one promise: when a cached entry expires under load, the
 * requests that miss it together read the database once, not once each (a busy key's twenty
 * requests in flight used to run twenty lookups at the same instant and queue behind them).
 * Callers put what makes a load stale into the key (e.g. the cache's invalidation generation), so a
 * request that arrives after an invalidation starts a load of its own instead of joining an old one.
 */
export class SingleFlight<V> {
  private readonly loads = new Map<string, Promise<V>>();

  run(key: string, load: () => Promise<V>): Promise<V> {
    let flight = this.loads.get(key);
    if (!flight) {
      flight = load().finally(() => this.loads.delete(key));
      this.loads.set(key, flight);
    }
    return flight;
  }
}

/**
 * Values read at most once per `ttlMs` each (by key), concurrent misses sharing the read: for
 * lookups that no invalidation reaches and may lag their table by the TTL (the gateway's end users
 * and tag budgets). Past `maxEntries` keys, everything is dropped and read again.
 */
export class ExpiringLoads<V> {
  private readonly values = new Map<string, { value: V; until: number }>();
  private readonly loads = new SingleFlight<V>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get(key: string, now: number, load: () => Promise<V>): Promise<V> {
    const hit = this.values.get(key);
    if (hit && hit.until > now) return Promise.resolve(hit.value);
    return this.loads.run(key, async () => {
      const value = await load();
      if (this.values.size >= this.maxEntries) this.values.clear();
      this.values.set(key, { value, until: now + this.ttlMs });
      return value;
    });
  }
}
