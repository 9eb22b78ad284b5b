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
