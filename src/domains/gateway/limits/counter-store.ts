/**
 * The counters of one limited descriptor, under keys that share the cluster hash tag
 * `{scope:value}` so one script may touch all of them on a Redis Cluster too.
 */
export interface CounterSlot {
  /** `{scope:value}`; the counters are `${prefix}:window`, `:requests`, `:tokens`, `:parallel`. */
  prefix: string;
  rpm?: number;
  tpm?: number;
  maxParallel?: number;
}

/** A slot's counters right after the request was counted. */
export interface SlotCounts {
  /** When the slot's window began (ms); it ends `windowMs` later. */
  windowStart: number;
  requests: number;
  /** Tokens released into this window so far (before this request, which has none yet). */
  tokens: number;
  /** Requests in flight, this one included (0 when the slot has no max_parallel). */
  parallel: number;
}

/**
 * Counters that must exist and be below their max before a request is counted (the request's
 * budget counters, read in the same Redis call as the limits are counted).
 */
export interface CounterGuard {
  keys: string[];
  /** Per key: blocked at `max` already (`inclusive`), else only above it. */
  limits: { max: number; inclusive: boolean }[];
}

export interface CounterHit {
  /** Some slot is over a limit; the request's parallel slots were given back already. */
  over: boolean;
  counts: SlotCounts[];
}

/**
 * Where the counters live: Redis for the cluster, or this process. Both count the same way
 * (LiteLLM's v3 limiter, internals §1.5): a fixed window per descriptor anchored at its first
 * request; every request counts, the rejected ones too; tokens are added when a request ends.
 */
export interface CounterStore {
  /** Counts one request on every slot at once and says whether any is now over a limit. */
  hit(slots: CounterSlot[], now: number, windowMs: number): Promise<CounterHit>;
  /** A request ended: add its tokens to `tokenSlots` and free its place in `parallelSlots`. */
  release(tokenSlots: string[], tokens: number, parallelSlots: string[], windowMs: number): Promise<void>;
}

export const windowKey = (prefix: string) => `${prefix}:window`;
export const requestsKey = (prefix: string) => `${prefix}:requests`;
export const tokensKey = (prefix: string) => `${prefix}:tokens`;
export const parallelKey = (prefix: string) => `${prefix}:parallel`;

/** The over-limit test (LiteLLM's): requests > rpm after counting, tokens already ≥ tpm, parallel > max. */
export function isOver(slot: CounterSlot, counts: SlotCounts): boolean {
  return (
    (slot.rpm !== undefined && counts.requests > slot.rpm) ||
    (slot.tpm !== undefined && counts.tokens >= slot.tpm) ||
    (slot.maxParallel !== undefined && counts.parallel > slot.maxParallel)
  );
}

interface MemoryWindow {
  start: number;
  requests: number;
  tokens: number;
}

interface MemoryParallel {
  inFlight: number;
  /** Like the Redis key's TTL: a slot leaked by a lost release is forgotten after a window. */
  expiresAt: number;
}

/** Entries kept before expired windows are swept (bounded memory without a timer). */
const SWEEP_ABOVE = 10_000;

/**
 * The counters in this process: what the limiter uses without Redis, or while Redis fails.
 * Limits then hold per process (per pod), as in LiteLLM's in-memory fallback.
 */
export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<string, MemoryWindow>();
  private readonly parallel = new Map<string, MemoryParallel>();

  hit(slots: CounterSlot[], now: number, windowMs: number): Promise<CounterHit> {
    this.sweep(now, windowMs);
    const counts = slots.map((slot) => this.count(slot, now, windowMs));
    const over = slots.some((slot, i) => isOver(slot, counts[i]));
    if (over) this.releaseParallel(slots.filter((s) => s.maxParallel !== undefined).map((s) => s.prefix));
    return Promise.resolve({ over, counts });
  }

  release(tokenSlots: string[], tokens: number, parallelSlots: string[], _windowMs: number): Promise<void> {
    for (const prefix of tokenSlots) {
      // No window (never begun, or swept): the next request starts a fresh one anyway, as in Redis.
      const window = this.windows.get(prefix);
      if (window) window.tokens += tokens;
    }
    this.releaseParallel(parallelSlots);
    return Promise.resolve();
  }

  private count(slot: CounterSlot, now: number, windowMs: number): SlotCounts {
    let window = this.windows.get(slot.prefix);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, requests: 0, tokens: 0 };
      this.windows.set(slot.prefix, window);
    }
    window.requests += 1;
    let inFlight = 0;
    if (slot.maxParallel !== undefined) {
      const current = this.parallel.get(slot.prefix);
      const live = current && current.expiresAt > now ? current : { inFlight: 0, expiresAt: now + windowMs };
      live.inFlight += 1;
      this.parallel.set(slot.prefix, live);
      inFlight = live.inFlight;
    }
    return {
      windowStart: window.start,
      requests: window.requests,
      tokens: window.tokens,
      parallel: inFlight,
    };
  }

  private releaseParallel(prefixes: string[]) {
    for (const prefix of prefixes) {
      const current = this.parallel.get(prefix);
      if (!current) continue;
      current.inFlight -= 1;
      if (current.inFlight <= 0) this.parallel.delete(prefix);
    }
  }

  private sweep(now: number, windowMs: number) {
    if (this.windows.size + this.parallel.size < SWEEP_ABOVE) return;
    for (const [prefix, window] of this.windows) {
      if (now - window.start >= windowMs) this.windows.delete(prefix);
    }
    for (const [prefix, slot] of this.parallel) {
      if (slot.expiresAt <= now) this.parallel.delete(prefix);
    }
  }
}
