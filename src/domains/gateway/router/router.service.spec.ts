import { ApiError } from '../../../platform/common/errors/api-error';
import type { Deployment } from '../deployments/deployment';
import { UpstreamError } from '../providers/provider';
import { RouterService, type RouterSettings } from './router.service';

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);

const deployment = (id: string, over: Partial<Deployment> = {}): Deployment => ({
  id,
  modelName: 'group',
  provider: 'openai',
  litellmModel: `openai/${id}`,
  upstreamModel: id,
  weight: 1,
  prices: {},
  modelInfo: {},
  extraParams: {},
  source: 'config',
  ...over,
});

const serverError = () =>
  new UpstreamError('server', 500, 'litellm.InternalServerError: upstream broke', 'internal_server_error');
const connectRefused = () =>
  new UpstreamError(
    'connect',
    500,
    'litellm.APIConnectionError: OpenAIException - Connection error.',
    'api_connection_error',
  );
const rateLimited = () =>
  new UpstreamError('rate_limited', 429, 'litellm.RateLimitError: slow down', 'rate_limit_error');
const clientError = (status = 400) =>
  new UpstreamError('client', status, 'litellm.BadRequestError: bad messages', 'invalid_request_error');

/** A deterministic PRNG (mulberry32), so statistical tests give the same answer every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A router over fake groups whose deployments answer with `behaviour[id]`, on a clock the test
 * moves; `calls` lists the deployments called, `sleeps` the backoff waits asked for.
 */
function world(
  groups: Record<string, Deployment[]>,
  settings: Partial<RouterSettings>,
  random: () => number = seeded(7),
) {
  const state = { now: T0, calls: [] as string[], sleeps: [] as number[] };
  const behaviour: Record<string, () => Promise<string>> = {};
  const router = new RouterService(settings, {
    now: () => state.now,
    random,
    sleep: (ms) => {
      state.sleeps.push(ms);
      return Promise.resolve();
    },
  });
  router.useDeployments({ group: (name) => groups[name] ?? [] });
  const call = (d: Deployment) => {
    state.calls.push(d.id);
    return (behaviour[d.id] ?? (() => Promise.resolve(`answer from ${d.id}`)))();
  };
  const route = (group: string, opts?: Parameters<RouterService['route']>[2]) =>
    router.route(group, call, opts);
  return { router, state, behaviour, route };
}

const fails = (error: () => Error) => () => Promise.reject(error());

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('the route succeeded');
}

describe('RouterService', () => {
  it('should answer every call from the healthy deployment and cool down the failing ones after allowed_fails', async () => {
    const { router, state, behaviour, route } = world(
      { group: [deployment('a'), deployment('b'), deployment('c')] },
      { numRetries: 2, allowedFails: 1, cooldownTimeMs: 60_000 },
    );
    behaviour.a = fails(serverError);
    behaviour.b = fails(connectRefused);

    let retries = 0;
    for (let i = 0; i < 30; i++) {
      const before = state.calls.length;
      const routed = await route('group');
      expect(routed.deployment.id).toBe('c');
      expect(routed.result).toBe('answer from c');
      expect(routed.attemptedRetries).toBe(state.calls.length - before - 1);
      retries += routed.attemptedRetries;
    }
    // allowed_fails 1: the second failure within a minute starts the cooldown; then they are skipped.
    expect(state.calls.filter((id) => id === 'a')).toHaveLength(2);
    expect(state.calls.filter((id) => id === 'b')).toHaveLength(2);
    expect(retries).toBe(4);
    expect(
      router
        .cooldowns()
        .map((c) => [c.deploymentId, c.until])
        .sort(),
    ).toEqual([
      ['a', T0 + 60_000],
      ['b', T0 + 60_000],
    ]);

    state.now = T0 + 60_000;
    expect(router.cooldowns()).toEqual([]);
    state.calls = [];
    for (let i = 0; i < 10; i++) await route('group');
    expect(state.calls.some((id) => id !== 'c')).toBe(true);
  });

  it('should cool down a deployment at its first 429 under LiteLLM default rule (allowed_fails unset or 3)', async () => {
    for (const allowedFails of [undefined, 3]) {
      const { router, state, behaviour, route } = world(
        { group: [deployment('x'), deployment('y')] },
        { allowedFails, cooldownTimeMs: 5_000 },
        () => 0, // always the first untried healthy deployment
      );
      behaviour.x = fails(rateLimited);
      const routed = await route('group');
      expect(routed).toMatchObject({ attemptedRetries: 1, attemptedFallbacks: 0 });
      expect(routed.deployment.id).toBe('y');
      expect(router.cooldowns()).toEqual([{ deploymentId: 'x', until: T0 + 5_000, status: 429 }]);
      await route('group');
      expect(state.calls).toEqual(['x', 'y', 'y']);
    }
  });

  it('should not cool down the only deployment of a group for server errors under the default rule', async () => {
    const { router, state, behaviour, route } = world({ solo: [deployment('only')] }, { numRetries: 1 });
    behaviour.only = fails(serverError);
    for (let i = 0; i < 10; i++) await expect(route('solo')).rejects.toBeInstanceOf(UpstreamError);
    expect(state.calls).toHaveLength(20);
    expect(router.cooldowns()).toEqual([]);
  });

  it('should throw a client error at once: no retry, no cooldown, no fallback', async () => {
    const { router, state, behaviour, route } = world(
      { group: [deployment('a'), deployment('b')], other: [deployment('o')] },
      { numRetries: 3, allowedFails: 0, fallbacks: new Map([['group', ['other']]]) },
    );
    behaviour.a = fails(clientError);
    behaviour.b = fails(clientError);
    const error = await failure(route('group'));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).status).toBe(400);
    expect(state.calls).toHaveLength(1);
    expect(router.cooldowns()).toEqual([]);

    behaviour.a = behaviour.b = fails(() => new TypeError('adapter bug'));
    await expect(route('group')).rejects.toThrow('adapter bug');
    expect(state.calls).toHaveLength(2);
  });

  it('should cool down a deployment whose key the upstream refuses (401), and still not retry it', async () => {
    const { router, state, behaviour, route } = world(
      { group: [deployment('a'), deployment('b')] },
      { numRetries: 2 },
      () => 0,
    );
    behaviour.a = fails(() => clientError(401));
    await expect(route('group')).rejects.toMatchObject({ status: 401 });
    expect(router.cooldowns().map((c) => c.deploymentId)).toEqual(['a']);
    expect((await route('group')).deployment.id).toBe('b');
    expect(state.calls).toEqual(['a', 'b']);
  });

  it('should try the fallback groups in order, each with its own retries, once the group has failed', async () => {
    const { state, behaviour, route } = world(
      {
        'gpt-4': [deployment('g4')],
        broken: [deployment('br')],
        'gpt-3.5': [deployment('g35')],
      },
      {
        numRetries: 1,
        cooldownTimeMs: 0,
        fallbacks: new Map([['gpt-4', ['missing', 'broken', 'gpt-3.5']]]),
      },
    );
    behaviour.g4 = fails(serverError);
    behaviour.br = fails(
      () => new UpstreamError('server', 503, 'litellm.ServiceUnavailableError: down', 'x'),
    );
    const routed = await route('gpt-4');
    expect(routed).toMatchObject({ fallbackGroup: 'gpt-3.5', attemptedFallbacks: 2, attemptedRetries: 0 });
    expect(routed.deployment.id).toBe('g35');
    expect(state.calls).toEqual(['g4', 'g4', 'br', 'br', 'g35']);

    behaviour.g35 = fails(rateLimited);
    const error = await failure(route('gpt-4'));
    expect((error as UpstreamError).status).toBe(429); // the last group's error, as LiteLLM

    state.calls = [];
    await expect(route('gpt-4', { fallbacks: false })).rejects.toMatchObject({ status: 500 });
    expect(state.calls).toEqual(['g4', 'g4']);
  });

  it('should use the `*` fallbacks for a group without its own', async () => {
    const { behaviour, route } = world(
      { a: [deployment('a1')], rescue: [deployment('r1')] },
      { numRetries: 0, fallbacks: new Map([['*', ['rescue']]]) },
    );
    expect((await route('a')).fallbackGroup).toBeUndefined();
    behaviour.a1 = fails(serverError);
    expect(await route('a')).toMatchObject({ fallbackGroup: 'rescue', attemptedFallbacks: 1 });
  });

  it('should answer LiteLLM 429 when every deployment of the group is cooling, until the first cooldown ends', async () => {
    const { state, behaviour, route } = world(
      { grp: [deployment('p'), deployment('q')], spare: [deployment('s')] },
      { numRetries: 1, allowedFails: 0, cooldownTimeMs: 30_000 },
    );
    behaviour.p = fails(serverError);
    behaviour.q = fails(serverError);
    const first = await failure(route('grp'));
    expect(first).toBeInstanceOf(UpstreamError); // attempts were made: the upstream's error says more

    const error = await failure(route('grp'));
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(429);
    expect(apiError.message).toBe(
      'No deployments available for selected model, Try again in 30 seconds. ' +
        "Passed model=grp. pre-call-checks=False, cooldown_list=['p', 'q']",
    );
    expect(apiError.headers).toEqual({ 'retry-after': '30' });

    state.now = T0 + 10_500;
    await expect(route('grp')).rejects.toThrow(/Try again in 20 seconds/);

    behaviour.p = behaviour.q = () => Promise.resolve('recovered');
    state.now = T0 + 30_000;
    expect((await route('grp')).result).toBe('recovered');
  });

  it('should fall back when every deployment of the group is cooling', async () => {
    const { behaviour, route } = world(
      { grp: [deployment('p')], spare: [deployment('s')] },
      { numRetries: 0, allowedFails: 0, cooldownTimeMs: 30_000, fallbacks: new Map([['grp', ['spare']]]) },
    );
    behaviour.p = fails(serverError);
    expect((await route('grp')).deployment.id).toBe('s');
    const routed = await route('grp');
    expect(routed).toMatchObject({ fallbackGroup: 'spare', attemptedRetries: 0 });
  });

  it('should share traffic by weight, else by rpm', async () => {
    const shareOf = async (deployments: Deployment[], heavy: string) => {
      const { state, route } = world({ g: deployments }, {}, seeded(42));
      for (let i = 0; i < 4_000; i++) await route('g');
      return state.calls.filter((id) => id === heavy).length / state.calls.length;
    };
    const byWeight = await shareOf(
      [deployment('light', { weight: 1 }), deployment('heavy', { weight: 3 })],
      'heavy',
    );
    expect(byWeight).toBeGreaterThan(0.72);
    expect(byWeight).toBeLessThan(0.78);
    const byRpm = await shareOf(
      [deployment('light', { rpm: 100 }), deployment('heavy', { rpm: 300 })],
      'heavy',
    );
    expect(byRpm).toBeGreaterThan(0.72);
    expect(byRpm).toBeLessThan(0.78);
    const even = await shareOf([deployment('one'), deployment('two')], 'two');
    expect(even).toBeGreaterThan(0.46);
    expect(even).toBeLessThan(0.54);
  });

  it('should back off before retrying a deployment already tried, and not before trying a new one', async () => {
    const { state, behaviour, route } = world(
      { solo: [deployment('s')], pair: [deployment('a'), deployment('b')] },
      { numRetries: 2, retryBackoffMs: 500 },
      () => 0,
    );
    let left = 2;
    behaviour.s = () => (left-- > 0 ? Promise.reject(serverError()) : Promise.resolve('third time'));
    const routed = await route('solo');
    expect(routed).toMatchObject({ result: 'third time', attemptedRetries: 2 });
    expect(state.sleeps).toEqual([500, 1_000]);

    state.sleeps = [];
    behaviour.a = fails(serverError);
    expect((await route('pair')).deployment.id).toBe('b');
    expect(state.sleeps).toEqual([]);
  });

  it('should stop retrying once the client has gone', async () => {
    const { state, behaviour, route } = world(
      { g: [deployment('a'), deployment('b')] },
      { numRetries: 2 },
      () => 0,
    );
    const gone = new AbortController();
    behaviour.a = () => {
      gone.abort();
      return Promise.reject(serverError());
    };
    await expect(route('g', { signal: gone.signal })).rejects.toMatchObject({ status: 500 });
    expect(state.calls).toEqual(['a']);
  });

  it('should refuse a group without deployments as LiteLLM does', async () => {
    const { route } = world({}, {});
    await expect(route('nope')).rejects.toMatchObject({
      status: 400,
      message:
        'Invalid model name passed in model=nope. Call `/v1/models` to view available models for your key.',
    });
  });

  it('should time a call by the deployment own timeout, else request_timeout', () => {
    const router = new RouterService({ requestTimeoutMs: 30_000 });
    expect(router.timeoutMsFor(deployment('a', { timeoutMs: 5_000 }))).toBe(5_000);
    expect(router.timeoutMsFor(deployment('b'))).toBe(30_000);
    expect(new RouterService().timeoutMsFor(deployment('c'))).toBe(6_000_000);
  });
});
