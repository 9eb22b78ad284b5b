import OpenAI from 'openai';
import { RouterService } from '../src/domains/gateway/router/router.service';
import { useGatewayE2e } from './gateway-harness';
import {
  FAKE_OPENAI_KEY,
  FAKE_REPLY,
  refusedUrl,
  startFakeOpenAI,
  type FakeUpstream,
} from './fakes/upstreams';

/**
 * config.yaml for the router's failure paths. `rt-failover`: three deployments, one answering 500,
 * one refusing connections, one healthy. `rt-broken` (always 500) falls back to `rt-backup`.
 * `rt-client-error`: one deployment whose 400 must not be retried. `rt-timeout`: a slow deployment
 * with a 0.3 s timeout, weighted so it is nearly always picked first, and a healthy one.
 */
const CONFIG = `
model_list:
  - model_name: rt-failover
    litellm_params: { model: openai/gpt-4o, api_base: os.environ/RT_FAIL500_BASE, api_key: os.environ/RT_KEY }
    model_info: { id: rt-fail500 }
  - model_name: rt-failover
    litellm_params: { model: openai/gpt-4o, api_base: os.environ/RT_REFUSED_BASE, api_key: os.environ/RT_KEY }
    model_info: { id: rt-refused }
  - model_name: rt-failover
    litellm_params: { model: openai/gpt-4o, api_base: os.environ/RT_HEALTHY_BASE, api_key: os.environ/RT_KEY }
    model_info: { id: rt-healthy }
  - model_name: rt-broken
    litellm_params: { model: openai/gpt-4o, api_base: os.environ/RT_BROKEN_BASE, api_key: os.environ/RT_KEY }
    model_info: { id: rt-broken-1 }
  - model_name: rt-backup
    litellm_params: { model: openai/gpt-4o-mini, api_base: os.environ/RT_BACKUP_BASE, api_key: os.environ/RT_KEY }
    model_info: { id: rt-backup-1 }
  - model_name: rt-client-error
    litellm_params: { model: openai/gpt-4o, api_base: os.environ/RT_BAD_REQUEST_BASE, api_key: os.environ/RT_KEY }
    model_info: { id: rt-client-error-1 }
  - model_name: rt-timeout
    litellm_params:
      model: openai/gpt-4o
      api_base: os.environ/RT_SLOW_BASE
      api_key: os.environ/RT_KEY
      timeout: 0.3
      weight: 1000
    model_info: { id: rt-slow }
  - model_name: rt-timeout
    litellm_params: { model: openai/gpt-4o, api_base: os.environ/RT_PROMPT_BASE, api_key: os.environ/RT_KEY }
    model_info: { id: rt-prompt }
  - model_name: rt-down
    litellm_params: { model: openai/gpt-4o, api_base: os.environ/RT_BROKEN_BASE, api_key: os.environ/RT_KEY }
    model_info: { id: rt-down-1 }
litellm_settings:
  num_retries: 3
  fallbacks: [{ rt-broken: [rt-backup] }]
router_settings:
  allowed_fails: 1
  cooldown_time: 120
`;

type Fakes = Record<
  'fail500' | 'healthy' | 'broken' | 'backup' | 'badRequest' | 'slow' | 'prompt',
  FakeUpstream
>;

describe('gateway routing: failover, cooldowns, fallbacks, retries (config.yaml, fake upstreams)', () => {
  const fakes = {} as Fakes;
  const h = useGatewayE2e({
    config: CONFIG,
    upstreams: async () => {
      const names = ['fail500', 'healthy', 'broken', 'backup', 'badRequest', 'slow', 'prompt'] as const;
      const started = await Promise.all(names.map(() => startFakeOpenAI()));
      names.forEach((name, i) => (fakes[name] = started[i]));
      fakes.fail500.setBehaviour('fail500');
      fakes.broken.setBehaviour('fail500');
      fakes.slow.setBehaviour({ slow: 3_000 });
      return {
        env: {
          RT_KEY: FAKE_OPENAI_KEY,
          RT_FAIL500_BASE: fakes.fail500.url,
          RT_REFUSED_BASE: await refusedUrl(),
          RT_HEALTHY_BASE: fakes.healthy.url,
          RT_BROKEN_BASE: fakes.broken.url,
          RT_BACKUP_BASE: fakes.backup.url,
          RT_BAD_REQUEST_BASE: fakes.badRequest.url,
          RT_SLOW_BASE: fakes.slow.url,
          RT_PROMPT_BASE: fakes.prompt.url,
        },
        close: () => Promise.all(Object.values(fakes).map((f) => f.close())),
      };
    },
  });
  const { spendRow } = h;
  /** A client with a fresh key (maxRetries 0: every retry seen here is the gateway's). */
  const client = async () => h.openai(await h.newKey());
  const ask = (openai: OpenAI, model: string) =>
    openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }] }).withResponse();
  const cooling = () =>
    h.app
      .get(RouterService)
      .cooldowns()
      .map((c) => c.deploymentId);

  it('one deployment answers 500, one refuses connections, one is healthy: every request succeeds', async () => {
    const openai = await client();
    const answered: { modelId: string | null; callId: string }[] = [];
    // Until both failing deployments have failed allowed_fails + 1 times (shuffle picks at random).
    for (let i = 0; i < 40 && !['rt-fail500', 'rt-refused'].every((id) => cooling().includes(id)); i++) {
      const { data, response } = await ask(openai, 'rt-failover');
      expect(data.choices[0].message.content).toBe(FAKE_REPLY);
      answered.push({
        modelId: response.headers.get('x-litellm-model-id'),
        callId: response.headers.get('x-litellm-call-id')!,
      });
    }
    expect(cooling()).toEqual(expect.arrayContaining(['rt-fail500', 'rt-refused']));
    expect(cooling()).not.toContain('rt-healthy');
    // allowed_fails: 1 → the second failure within a minute starts the cooldown.
    expect(fakes.fail500.requests.length).toBe(2);
    expect(new Set(answered.map((a) => a.modelId))).toEqual(new Set(['rt-healthy']));

    // The spend log names the deployment that answered.
    for (const { callId } of answered) {
      expect(await spendRow(callId)).toMatchObject({
        model_group: 'rt-failover',
        model_id: 'rt-healthy',
        api_base: fakes.healthy.url,
        status: 'success',
      });
    }

    // Cooling deployments get no more requests; every request goes straight to the healthy one.
    const healthyBefore = fakes.healthy.requests.length;
    for (let i = 0; i < 6; i++) {
      const { response } = await ask(openai, 'rt-failover');
      expect(response.headers.get('x-litellm-model-id')).toBe('rt-healthy');
      expect(response.headers.get('x-litellm-attempted-retries')).toBe('0');
    }
    expect(fakes.fail500.requests.length).toBe(2);
    expect(fakes.healthy.requests.length).toBe(healthyBefore + 6);
  });

  it('a group that keeps failing falls back to the configured group; the spend log names the group that answered', async () => {
    const openai = await client();
    const { data, response } = await ask(openai, 'rt-broken');
    expect(data.choices[0].message.content).toBe(FAKE_REPLY);
    expect(fakes.broken.requests.length).toBeGreaterThan(0);
    expect(response.headers.get('x-litellm-model-id')).toBe('rt-backup-1');
    expect(response.headers.get('x-litellm-attempted-fallbacks')).toBe('1');
    // LiteLLM's fallback call sets metadata.model_group to the fallback group, so its log row says so.
    expect(await spendRow(response.headers.get('x-litellm-call-id')!)).toMatchObject({
      model_group: 'rt-backup',
      model_id: 'rt-backup-1',
      api_base: fakes.backup.url,
      model: 'openai/gpt-4o-mini',
      status: 'success',
    });
  });

  describe('client-side fallbacks (`fallbacks` in the request body)', () => {
    const withFallbacks = (openai: OpenAI, model: string, fallbacks: unknown) =>
      openai.chat.completions
        .create({
          model,
          messages: [{ role: 'user', content: 'Hello' }],
          fallbacks,
        } as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .withResponse();
    const statusOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 200,
        (e: InstanceType<typeof OpenAI.APIError>) => e.status,
      );

    it('a failing group without configured fallbacks is served by the group the request names', async () => {
      const openai = await client();
      expect(await statusOf(ask(openai, 'rt-down'))).toBe(500);
      const backupBefore = fakes.backup.requests.length;
      const { data, response } = await withFallbacks(openai, 'rt-down', ['rt-backup']);
      expect(data.choices[0].message.content).toBe(FAKE_REPLY);
      expect(response.headers.get('x-litellm-model-id')).toBe('rt-backup-1');
      expect(fakes.backup.requests.length).toBe(backupBefore + 1);
      // The gateway's parameter stays with the gateway.
      expect(fakes.backup.requests.at(-1)!.body).not.toHaveProperty('fallbacks');
      expect(fakes.broken.requests.every((r) => !('fallbacks' in (r.body ?? {})))).toBe(true);
      expect(await spendRow(response.headers.get('x-litellm-call-id')!)).toMatchObject({
        model_group: 'rt-backup',
        model_id: 'rt-backup-1',
      });
    });

    it("each fallback is checked against the key's models and must route, before any upstream call", async () => {
      const limited = h.openai(await h.newKey({ models: ['rt-down'] }));
      const brokenBefore = fakes.broken.requests.length;
      expect(await statusOf(withFallbacks(limited, 'rt-down', ['rt-backup']))).toBe(403);
      const open = await client();
      expect(await statusOf(withFallbacks(open, 'rt-down', ['rt-no-such-group']))).toBe(400);
      expect(await statusOf(withFallbacks(open, 'rt-down', 'rt-backup'))).toBe(400);
      expect(fakes.broken.requests.length).toBe(brokenBefore);
    });
  });

  it('a client error (400 from the upstream) is not retried and does not cool the deployment down', async () => {
    const openai = await client();
    // Only the first request fails: a retry would succeed, so a 400 here proves there was none.
    fakes.badRequest.setBehaviour('fail400', { times: 1 });
    const error = (await ask(openai, 'rt-client-error').catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.APIError
    >;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(400);
    expect(fakes.badRequest.requests.length).toBe(1);
    expect(cooling()).not.toContain('rt-client-error-1');
    const { data } = await ask(openai, 'rt-client-error');
    expect(data.choices[0].message.content).toBe(FAKE_REPLY);
  });

  it('a deployment that times out is retried on another one', async () => {
    const openai = await client();
    const started = Date.now();
    // Weighted 1000:1, the slow deployment is tried first (a second request covers the odd miss).
    let answer = await ask(openai, 'rt-timeout');
    if (fakes.slow.requests.length === 0) answer = await ask(openai, 'rt-timeout');
    const { data, response } = answer;
    expect(data.choices[0].message.content).toBe(FAKE_REPLY);
    // Its 0.3 s timeout hands the request over to the other deployment.
    expect(fakes.slow.requests.length).toBe(1);
    expect(response.headers.get('x-litellm-model-id')).toBe('rt-prompt');
    expect(response.headers.get('x-litellm-attempted-retries')).toBe('1');
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});
