import type Redis from 'ioredis';
import {
  parallelKey,
  requestsKey,
  tokensKey,
  windowKey,
  type CounterGuard,
  type CounterHit,
  type CounterSlot,
  type CounterStore,
} from './counter-store';

const NO_GUARD: CounterGuard = { keys: [], limits: [] };

/**
 * Counts one request on every slot and answers `{over, start, requests, tokens, parallel, ...}`.
 * KEYS: the guard counters (ARGV[3] of them), then window, requests, tokens, parallel per slot.
 * ARGV: now, window ms, the guard count, max and inclusive (1/0) per guard, then rpm, tpm, max
 * parallel per slot (-1 for none). Guards are counters that must exist and be below their max (at
 * or above with inclusive) before anything is counted: the budget counters of the request, so the
 * budget check and the limits cost one round trip. A guard missing or at its max counts nothing
 * and answers `{2}` (the caller seeds and checks the slow way).
 * A window older than the window size starts again at `now`, with its tokens dropped; the
 * in-flight counter outlives windows. When any slot is over, the request's parallel places are
 * given back in the same call: a rejected request keeps its request count (LiteLLM) but holds no
 * parallel place. Tokens come back as strings because Lua numbers are truncated to integers on
 * the way out.
 */
const ACQUIRE_LUA = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local guards = tonumber(ARGV[3])
for g = 1, guards do
  local value = redis.call('GET', KEYS[g])
  if not value then return {2} end
  local max = tonumber(ARGV[2 + g * 2])
  local spend = tonumber(value)
  if (ARGV[3 + g * 2] == '1' and spend >= max) or spend > max then return {2} end
end
local keyBase = guards
local argBase = 3 + guards * 2
local slots = (#KEYS - guards) / 4
local out = {0}
local over = 0
for s = 0, slots - 1 do
  local wk, rk, tk, pk = KEYS[keyBase + s * 4 + 1], KEYS[keyBase + s * 4 + 2], KEYS[keyBase + s * 4 + 3], KEYS[keyBase + s * 4 + 4]
  local rpm = tonumber(ARGV[argBase + s * 3 + 1])
  local tpm = tonumber(ARGV[argBase + s * 3 + 2])
  local maxParallel = tonumber(ARGV[argBase + s * 3 + 3])
  local start = tonumber(redis.call('GET', wk))
  local requests
  if not start or now - start >= window then
    start = now
    redis.call('SET', wk, now, 'PX', window)
    redis.call('SET', rk, 1, 'PX', window)
    redis.call('DEL', tk)
    requests = 1
  else
    requests = redis.call('INCR', rk)
    if requests == 1 then redis.call('PEXPIRE', rk, window) end
  end
  local tokens = tonumber(redis.call('GET', tk) or '0')
  local parallel = 0
  if maxParallel >= 0 then
    parallel = redis.call('INCR', pk)
    if redis.call('PTTL', pk) < 0 then redis.call('PEXPIRE', pk, window) end
  end
  if (rpm >= 0 and requests > rpm) or (tpm >= 0 and tokens >= tpm) or (maxParallel >= 0 and parallel > maxParallel) then
    over = 1
  end
  table.insert(out, tostring(start))
  table.insert(out, requests)
  table.insert(out, tostring(tokens))
  table.insert(out, parallel)
end
if over == 1 then
  for s = 0, slots - 1 do
    if tonumber(ARGV[argBase + s * 3 + 3]) >= 0 then
      local pk = KEYS[keyBase + s * 4 + 4]
      if redis.call('DECR', pk) <= 0 then redis.call('DEL', pk) end
    end
  end
end
out[1] = over
return out
`;

/**
 * A request ended (KEYS: the tokens counters, then the parallel counters; ARGV: window ms, tokens,
 * how many KEYS are tokens counters). The expiry is set only on a counter without one, so adding
 * tokens never stretches a window; a parallel counter at zero (or below, after a lost slot expired)
 * is removed.
 */
const RELEASE_LUA = `
local window = tonumber(ARGV[1])
local tokenKeys = tonumber(ARGV[3])
for i = 1, tokenKeys do
  redis.call('INCRBYFLOAT', KEYS[i], ARGV[2])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], window) end
end
for i = tokenKeys + 1, #KEYS do
  if redis.call('DECR', KEYS[i]) <= 0 then redis.call('DEL', KEYS[i]) end
end
return 1
`;

type ScriptCall = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;

interface ScriptedRedis {
  litellmRateLimitAcquire: ScriptCall;
  litellmRateLimitRelease: ScriptCall;
}

/** LiteLLM's counters in Redis: one script call (EVALSHA) per request start and one per end. */
export class RedisCounterStore implements CounterStore {
  private readonly scripts: ScriptedRedis;

  constructor(readonly client: Redis) {
    // defineCommand sends EVALSHA and loads the script on NOSCRIPT (after a Redis restart, too).
    client.defineCommand('litellmRateLimitAcquire', { lua: ACQUIRE_LUA });
    client.defineCommand('litellmRateLimitRelease', { lua: RELEASE_LUA });
    this.scripts = client as unknown as ScriptedRedis;
  }

  /** Commands would queue while Redis is away; the limiter counts in memory instead. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  async hit(slots: CounterSlot[], now: number, windowMs: number): Promise<CounterHit> {
    return (await this.guardedHit(NO_GUARD, slots, now, windowMs))!;
  }

  /**
   * `hit`, but only when every guard counter exists and is below its max; otherwise nothing is
   * counted and the answer is undefined.
   */
  async guardedHit(
    guard: CounterGuard,
    slots: CounterSlot[],
    now: number,
    windowMs: number,
  ): Promise<CounterHit | undefined> {
    const keys = slots.flatMap((s) => [
      windowKey(s.prefix),
      requestsKey(s.prefix),
      tokensKey(s.prefix),
      parallelKey(s.prefix),
    ]);
    const guards = guard.limits.flatMap((l) => [l.max, l.inclusive ? 1 : 0]);
    const limits = slots.flatMap((s) => [s.rpm ?? -1, s.tpm ?? -1, s.maxParallel ?? -1]);
    const reply = (await this.scripts.litellmRateLimitAcquire(
      guard.keys.length + keys.length,
      ...guard.keys,
      ...keys,
      now,
      windowMs,
      guard.keys.length,
      ...guards,
      ...limits,
    )) as (string | number)[];
    if (Number(reply[0]) === 2) return undefined;
    const counts = slots.map((_, i) => ({
      windowStart: Number(reply[i * 4 + 1]),
      requests: Number(reply[i * 4 + 2]),
      tokens: Number(reply[i * 4 + 3]),
      parallel: Number(reply[i * 4 + 4]),
    }));
    return { over: Number(reply[0]) === 1, counts };
  }

  async release(
    tokenSlots: string[],
    tokens: number,
    parallelSlots: string[],
    windowMs: number,
  ): Promise<void> {
    const keys = [...tokenSlots.map(tokensKey), ...parallelSlots.map(parallelKey)];
    if (keys.length === 0) return;
    await this.scripts.litellmRateLimitRelease(keys.length, ...keys, windowMs, tokens, tokenSlots.length);
  }
}
