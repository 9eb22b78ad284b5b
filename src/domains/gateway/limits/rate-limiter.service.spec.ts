import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { ApiError } from '../../../platform/common/errors/api-error';
import type { AppConfig } from '../../../platform/config/app-config';
import { RedisService } from '../../../platform/redis/redis.module';
import { rateLimitWindowSeconds } from './limits.module';
import type { RateLimitDescriptor, RateLimitTicket } from './rate-limit';
import { RateLimiterService } from './rate-limiter.service';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);

const connections: RedisService[] = [];

async function redisService(url = REDIS_URL, waitReady = true): Promise<RedisService> {
  const service = new RedisService({ redis: { url } } as AppConfig);
  connections.push(service);
  if (waitReady) await ready(service.client!);
  return service;
}

function ready(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => client.once('ready', () => resolve()));
}

const noRedis = () => new RedisService({ redis: undefined } as AppConfig);

/** A descriptor of its own per test, so runs and tests never share counters. */
const key = (limits: Omit<RateLimitDescriptor, 'scope' | 'value'>): RateLimitDescriptor => ({
  scope: 'api_key',
  value: `hash-${randomUUID()}`,
  ...limits,
});

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('the request was admitted');
}

afterAll(async () => {
  await Promise.all(connections.map((c) => c.onModuleDestroy()));
});

describe.each([
  [
    'Redis',
    async (windowSeconds?: number) => new RateLimiterService(await redisService(), { windowSeconds }),
  ],
  [
    'memory',
    (windowSeconds?: number) => Promise.resolve(new RateLimiterService(noRedis(), { windowSeconds })),
  ],
])('RateLimiterService (%s)', (_mode, limiter) => {
  it('should admit rpm requests in a window and reject the next with LiteLLM message and headers', async () => {
    const service = await limiter();
    const d = key({ rpm: 5 });
    let last: RateLimitTicket | undefined;
    for (let i = 0; i < 5; i++) last = await service.acquire([d], T0 + i);
    expect(last!.headers).toMatchObject({
      'x-ratelimit-api_key-remaining-requests': '0',
      'x-ratelimit-api_key-limit-requests': '5',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-limit-requests': '5',
    });

    const error = await rejection(service.acquire([d], T0 + 10));
    expect(error.status).toBe(429);
    expect(error.type).toBe('rate_limit_error');
    expect(error.message).toBe(
      `Rate limit exceeded for api_key: ${d.value}. Limit type: requests. Current limit: 5, Remaining: 0. ` +
        'Limit resets at: 2026-12-06 09:01:00 UTC',
    );
    expect(error.headers).toMatchObject({
      'retry-after': '60',
      rate_limit_type: 'requests',
      reset_at: '2026-12-06 09:01:00 UTC',
      'x-ratelimit-api_key-remaining-requests': '0',
    });
  });

  it('should start a new window once the window size has passed since its first request', async () => {
    const service = await limiter(2);
    const d = key({ rpm: 2 });
    await service.acquire([d], T0);
    const second = await service.acquire([d], T0 + 1_500);
    expect(second.headers['x-ratelimit-api_key-remaining-requests']).toBe('0');
    await expect(service.acquire([d], T0 + 1_999)).rejects.toThrow(/Limit type: requests/);

    const fresh = await service.acquire([d], T0 + 2_000);
    expect(fresh.headers['x-ratelimit-api_key-remaining-requests']).toBe('1');
  });

  it('should count tokens when a request ends and refuse the next request once tpm is reached', async () => {
    const service = await limiter();
    const d = key({ tpm: 100 });
    const first = await service.acquire([d], T0);
    expect(first.headers['x-ratelimit-api_key-remaining-tokens']).toBe('100');
    await first.release(60);

    const second = await service.acquire([d], T0 + 1);
    expect(second.headers).toMatchObject({
      'x-ratelimit-api_key-remaining-tokens': '40',
      'x-ratelimit-remaining-tokens': '40',
      'x-ratelimit-limit-tokens': '100',
    });
    await second.release(40);

    const error = await rejection(service.acquire([d], T0 + 2));
    expect(error.message).toMatch(/Limit type: tokens\. Current limit: 100, Remaining: 0\./);
    expect(error.headers?.rate_limit_type).toBe('tokens');
  });

  it('should hold max_parallel places until release, reject the next, and keep none for a rejected request', async () => {
    const service = await limiter();
    const d = key({ maxParallel: 2 });
    const a = await service.acquire([d], T0);
    await service.acquire([d], T0);
    const error = await rejection(service.acquire([d], T0));
    expect(error.message).toMatch(/Limit type: max_parallel_requests\. Current limit: 2, Remaining: 0\./);

    await a.release(0);
    await a.release(0); // a second release gives nothing back twice
    const c = await service.acquire([d], T0);
    expect(c.headers['x-ratelimit-api_key-remaining-max_parallel_requests']).toBe('0');
    await expect(service.acquire([d], T0)).rejects.toThrow(/max_parallel_requests/);
  });

  it('should reject for the first descriptor over its limit and still count the request everywhere', async () => {
    const service = await limiter();
    const apiKey = key({ rpm: 100 });
    const team: RateLimitDescriptor = { scope: 'team', value: `team-${randomUUID()}`, rpm: 1 };
    const user: RateLimitDescriptor = { scope: 'user', value: 'nobody', rpm: null, tpm: null };
    const ok = await service.acquire([apiKey, user, team], T0);
    expect(ok.headers).toMatchObject({
      'x-ratelimit-api_key-remaining-requests': '99',
      'x-ratelimit-team-remaining-requests': '0',
      'x-ratelimit-team-limit-requests': '1',
    });
    expect(Object.keys(ok.headers).some((h) => h.includes('-user-'))).toBe(false);

    const error = await rejection(service.acquire([apiKey, user, team], T0 + 1));
    expect(error.message).toContain(`Rate limit exceeded for team: ${team.value}. Limit type: requests.`);
    const next = await service.acquire([apiKey], T0 + 2);
    expect(next.headers['x-ratelimit-api_key-remaining-requests']).toBe('97');
  });
});

describe('RateLimiterService across pods', () => {
  it('should admit exactly rpm requests from two limiters on two Redis connections', async () => {
    const pods = [new RateLimiterService(await redisService()), new RateLimiterService(await redisService())];
    const d = key({ rpm: 100 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 150 }, (_, i) => pods[i % 2].acquire([d], T0 + i)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(100);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused).toHaveLength(50);
    expect(refused.every((o) => o.reason instanceof ApiError && o.reason.status === 429)).toBe(true);
  });

  it('should share max_parallel places between pods', async () => {
    const [a, b] = [
      new RateLimiterService(await redisService()),
      new RateLimiterService(await redisService()),
    ];
    const d = key({ maxParallel: 1 });
    const held = await a.acquire([d], T0);
    await expect(b.acquire([d], T0)).rejects.toThrow(/max_parallel_requests/);
    await held.release(0);
    await expect(b.acquire([d], T0)).resolves.toBeDefined();
  });

  it('should count in memory while Redis cannot be reached', async () => {
    const down = await redisService('redis://127.0.0.1:1', false);
    const service = new RateLimiterService(down);
    const d = key({ rpm: 1 });
    await service.acquire([d], T0);
    await expect(service.acquire([d], T0 + 1)).rejects.toThrow(/Limit type: requests/);
    down.client!.disconnect();
  });
});

describe('RateLimiterService without limits', () => {
  it('should not touch Redis when no descriptor has a limit', async () => {
    const real = await redisService();
    const calls: string[] = [];
    const spy = new Proxy(real.client!, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(property));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const service = new RateLimiterService({ client: spy, enabled: true } as RedisService);
    calls.length = 0;
    const ticket = await service.acquire([
      { scope: 'api_key', value: 'h', rpm: null, tpm: null, maxParallel: null },
      { scope: 'team', value: 't' },
    ]);
    await ticket.release(500);
    expect(ticket.headers).toEqual({});
    expect(calls).toEqual([]);

    await (await service.acquire([key({ rpm: 3 })])).release(0);
    expect(calls).toContain('litellmRateLimitAcquire');
  });

  it('should read LITELLM_RATE_LIMIT_WINDOW_SIZE, defaulting to 60 seconds', () => {
    expect(rateLimitWindowSeconds({})).toBe(60);
    expect(rateLimitWindowSeconds({ LITELLM_RATE_LIMIT_WINDOW_SIZE: '30' })).toBe(30);
    expect(rateLimitWindowSeconds({ LITELLM_RATE_LIMIT_WINDOW_SIZE: '0' })).toBe(60);
    expect(rateLimitWindowSeconds({ LITELLM_RATE_LIMIT_WINDOW_SIZE: 'soon' })).toBe(60);
  });
});

describe('RateLimiterService.acquireGuarded (budget counters read in the same Redis call)', () => {
  /** Counters of their own per test; `spend` is what a live budget counter holds. */
  async function setUp(spends: (number | undefined)[]) {
    const redis = await redisService();
    const keys = spends.map(() => `spend:key:guard-${randomUUID()}`);
    for (const [i, spend] of spends.entries())
      if (spend !== undefined) await redis.client!.set(keys[i], spend);
    return { service: new RateLimiterService(redis), keys };
  }

  it('counts the request when every guard counter is live and below its max', async () => {
    const { service, keys } = await setUp([4.5, 10]);
    const d = key({ rpm: 2 });
    const guard = {
      keys,
      limits: [
        { max: 5, inclusive: true },
        { max: 10, inclusive: false }, // at its max, but only above blocks
      ],
    };
    const ticket = await service.acquireGuarded([d], guard, T0);
    expect(ticket?.headers['x-ratelimit-api_key-remaining-requests']).toBe('1');
    await service.acquireGuarded([d], guard, T0 + 1);
    // The limits still hold behind the guard.
    await expect(service.acquireGuarded([d], guard, T0 + 2)).rejects.toThrow(/Limit type: requests/);
  });

  it.each([
    ['a counter at its max (inclusive)', [5, 1], true],
    ['a counter above its max', [1, 10.5], false],
    ['a missing counter', [undefined, 1], true],
  ])('counts nothing and answers undefined for %s', async (_case, spends, inclusive) => {
    const { service, keys } = await setUp(spends);
    const d = key({ rpm: 1 });
    const guard = {
      keys,
      limits: [
        { max: 5, inclusive },
        { max: 10, inclusive: false },
      ],
    };
    expect(await service.acquireGuarded([d], guard, T0)).toBeUndefined();
    // Nothing was counted: the one request of the minute is still there.
    const ticket = await service.acquire([d], T0 + 1);
    expect(ticket.headers['x-ratelimit-api_key-remaining-requests']).toBe('0');
  });

  it('answers undefined without Redis, and for a request without limits', async () => {
    const guard = { keys: ['spend:key:none'], limits: [{ max: 1, inclusive: true }] };
    expect(await new RateLimiterService(noRedis()).acquireGuarded([key({ rpm: 5 })], guard)).toBeUndefined();
    const { service, keys } = await setUp([0]);
    expect(await service.acquireGuarded([key({})], { ...guard, keys }, T0)).toBeUndefined();
  });
});
