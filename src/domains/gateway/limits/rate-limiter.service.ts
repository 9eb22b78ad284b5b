import { Logger } from '@nestjs/common';
import { ApiError } from '../../../platform/common/errors/api-error';
import type { RedisService } from '../../../platform/redis/redis.module';
import {
  MemoryCounterStore,
  type CounterGuard,
  type CounterHit,
  type CounterSlot,
  type CounterStore,
  type SlotCounts,
} from './counter-store';
import type { RateLimitDescriptor, RateLimitTicket } from './rate-limit';
import { RedisCounterStore } from './redis-counter-store';

/** LiteLLM's LITELLM_RATE_LIMIT_WINDOW_SIZE default, in seconds. */
export const DEFAULT_RATE_LIMIT_WINDOW_SECONDS = 60;

export interface RateLimiterOptions {
  /** The fixed window's length (LITELLM_RATE_LIMIT_WINDOW_SIZE). */
  windowSeconds: number;
}

type LimitType = 'requests' | 'tokens' | 'max_parallel_requests';

/** One limit of one descriptor, as counted for this request. */
interface LimitStatus {
  descriptor: RateLimitDescriptor;
  type: LimitType;
  limit: number;
  remaining: number;
  over: boolean;
  windowStart: number;
}

const UNLIMITED: RateLimitTicket = { headers: {}, release: () => Promise.resolve() };

/** Redis-down warnings at most this often, so a dead Redis does not flood the log. */
const WARN_EVERY_MS = 10_000;

/**
 * LiteLLM's request-time rate limits (v3 limiter, tenancy.md §16.4): rpm, tpm and max parallel
 * requests per descriptor (key, user, team, team member, end user, model per key), counted in a
 * fixed window that starts at a descriptor's first request. All descriptors of a request are
 * checked and counted in one Redis call, so the limits hold across pods; without Redis (or while
 * it fails) they are counted in this process, so they hold per pod. Built by LimitsModule's factory
 * (the window size is an option).
 */
export class RateLimiterService {
  private readonly logger = new Logger('rate-limits');
  private readonly memory = new MemoryCounterStore();
  private readonly redis: RedisCounterStore | undefined;
  private readonly windowMs: number;
  private lastWarning = 0;

  constructor(redis: RedisService, options: Partial<RateLimiterOptions> = {}) {
    this.redis = redis.client ? new RedisCounterStore(redis.client) : undefined;
    this.windowMs = (options.windowSeconds ?? DEFAULT_RATE_LIMIT_WINDOW_SECONDS) * 1000;
  }

  get windowSeconds(): number {
    return this.windowMs / 1000;
  }

  /**
   * Counts the request against every descriptor with a limit and admits it, or throws LiteLLM's
   * 429. Descriptors without limits cost nothing: with none, no counter is touched at all.
   */
  async acquire(descriptors: readonly RateLimitDescriptor[], now = Date.now()): Promise<RateLimitTicket> {
    const limited = descriptors.filter(hasLimit);
    if (limited.length === 0) return UNLIMITED;
    const slots = limited.map(slotOf);
    const { store, ...hit } = await this.hit(slots, now);
    return this.admitted(limited, slots, store, hit);
  }

  /**
   * `acquire` behind a guard of counters (the request's budget counters), in one Redis call: the
   * request is counted only when every guard counter exists and is below its max. Undefined when
   * nothing was counted: a guard counter was missing or at its max, the request has no limits, or
   * Redis is not counting right now; the caller then checks its budgets the slow way (seeding, the
   * refusal's message) and calls `acquire`.
   */
  async acquireGuarded(
    descriptors: readonly RateLimitDescriptor[],
    guard: CounterGuard,
    now = Date.now(),
  ): Promise<RateLimitTicket | undefined> {
    const limited = descriptors.filter(hasLimit);
    if (limited.length === 0 || !this.redis?.ready) return undefined;
    const slots = limited.map(slotOf);
    let hit: CounterHit | undefined;
    try {
      hit = await this.redis.guardedHit(guard, slots, now, this.windowMs);
    } catch {
      return undefined; // the slow path says why (and counts in memory)
    }
    return hit && this.admitted(limited, slots, this.redis, hit);
  }

  private admitted(
    limited: RateLimitDescriptor[],
    slots: CounterSlot[],
    store: CounterStore,
    { over, counts }: CounterHit,
  ): RateLimitTicket {
    const statuses = limited.flatMap((d, i) => statusesOf(d, counts[i]));
    const headers = headersOf(statuses);
    if (over) throw this.rejection(statuses, headers);
    return new Ticket(store, slots, headers, this.windowMs);
  }

  private async hit(slots: CounterSlot[], now: number) {
    if (this.redis?.ready) {
      try {
        return { store: this.redis as CounterStore, ...(await this.redis.hit(slots, now, this.windowMs)) };
      } catch (e) {
        this.warn(`counting in memory: ${(e as Error).message}`);
      }
    } else if (this.redis) {
      this.warn(`counting in memory: Redis is ${this.redis.client.status}`);
    }
    return { store: this.memory as CounterStore, ...(await this.memory.hit(slots, now, this.windowMs)) };
  }

  private rejection(statuses: LimitStatus[], headers: Record<string, string>): ApiError {
    const first = statuses.find((s) => s.over)!;
    const resetAt = utcText(first.windowStart + this.windowMs);
    const { scope, value } = first.descriptor;
    return new ApiError(
      429,
      `Rate limit exceeded for ${scope}: ${value}. Limit type: ${first.type}. ` +
        `Current limit: ${first.limit}, Remaining: 0. Limit resets at: ${resetAt}`,
      'rate_limit_error',
      null,
    ).withHeaders({
      ...headers,
      'retry-after': String(this.windowSeconds),
      rate_limit_type: first.type,
      reset_at: resetAt,
    });
  }

  private warn(msg: string) {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn({ msg: `rate limits: ${msg}; limits hold per pod until Redis answers again` });
  }
}

/** An admitted request: its headers, and the one release that gives back what it holds. */
class Ticket implements RateLimitTicket {
  private released = false;

  constructor(
    private readonly store: CounterStore,
    private readonly slots: CounterSlot[],
    readonly headers: Record<string, string>,
    private readonly windowMs: number,
  ) {}

  async release(tokens: number): Promise<void> {
    if (this.released) return;
    this.released = true;
    const counted = Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
    const tokenSlots = counted > 0 ? this.slots.filter((s) => s.tpm !== undefined).map((s) => s.prefix) : [];
    const parallelSlots = this.slots.filter((s) => s.maxParallel !== undefined).map((s) => s.prefix);
    if (tokenSlots.length === 0 && parallelSlots.length === 0) return;
    await this.store.release(tokenSlots, counted, parallelSlots, this.windowMs);
  }
}

const limitOf = (value: number | null | undefined): number | undefined =>
  value === null || value === undefined ? undefined : value;

function hasLimit(d: RateLimitDescriptor): boolean {
  return limitOf(d.rpm) !== undefined || limitOf(d.tpm) !== undefined || limitOf(d.maxParallel) !== undefined;
}

function slotOf(d: RateLimitDescriptor): CounterSlot {
  return {
    prefix: `{${d.scope}:${d.value}}`,
    rpm: limitOf(d.rpm),
    tpm: limitOf(d.tpm),
    maxParallel: limitOf(d.maxParallel),
  };
}

function statusesOf(descriptor: RateLimitDescriptor, counts: SlotCounts): LimitStatus[] {
  const statuses: LimitStatus[] = [];
  const add = (type: LimitType, limit: number | undefined, used: number, over: boolean) => {
    if (limit === undefined) return;
    const remaining = Math.max(0, Math.floor(limit - used));
    statuses.push({ descriptor, type, limit, remaining, over, windowStart: counts.windowStart });
  };
  const rpm = limitOf(descriptor.rpm);
  const tpm = limitOf(descriptor.tpm);
  const maxParallel = limitOf(descriptor.maxParallel);
  add('requests', rpm, counts.requests, rpm !== undefined && counts.requests > rpm);
  add('tokens', tpm, counts.tokens, tpm !== undefined && counts.tokens >= tpm);
  add(
    'max_parallel_requests',
    maxParallel,
    counts.parallel,
    maxParallel !== undefined && counts.parallel > maxParallel,
  );
  return statuses;
}

/**
 * `x-ratelimit-{scope}-remaining-{type}` / `-limit-{type}` for every limit checked (LiteLLM's
 * `_rate_limit_headers.py`), plus OpenAI's `x-ratelimit-{remaining,limit}-{requests,tokens}` from
 * the key's own limits, which OpenAI SDKs read.
 */
function headersOf(statuses: LimitStatus[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const s of statuses) {
    const scope = s.descriptor.scope;
    headers[`x-ratelimit-${scope}-remaining-${s.type}`] ??= String(s.remaining);
    headers[`x-ratelimit-${scope}-limit-${s.type}`] ??= String(s.limit);
    if (scope === 'api_key' && s.type !== 'max_parallel_requests') {
      headers[`x-ratelimit-remaining-${s.type}`] = String(s.remaining);
      headers[`x-ratelimit-limit-${s.type}`] = String(s.limit);
    }
  }
  return headers;
}

/** `YYYY-MM-DD HH:MM:SS UTC`, as LiteLLM writes reset times. */
function utcText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
