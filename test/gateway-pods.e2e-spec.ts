import OpenAI from 'openai';
import { gatewayPodsSkip, POD_MODEL, POD_PRICES, startGatewayPods, type GatewayPods } from './gateway-pods';

type ApiError = InstanceType<typeof OpenAI.APIError>;

/**
 * Two real gateway processes sharing one database and one Redis: a key's rpm limit and its budget
 * hold across both, as if they were one server (limits counted in Redis, spend in Redis counters
 * that follow each committed spend-log row).
 */
describe('LLM gateway limits across two app processes (Redis)', () => {
  let skip = '';
  let gw: GatewayPods | undefined;

  beforeAll(async () => {
    skip = await gatewayPodsSkip(true);
    if (skip) return;
    gw = await startGatewayPods({ count: 2, withRedis: true, databasePrefix: 'cp_gw_pods' });
  }, 90_000);
  afterAll(async () => {
    await gw?.stop();
  });

  const newKey = async (body: Record<string, unknown>) =>
    (await gw!.admin(0, '/key/generate', body)).key as string;
  const ask = (pod: number, key: string, content: string) =>
    gw!
      .openai(pod, key)
      .chat.completions.create({ model: POD_MODEL, messages: [{ role: 'user', content }] })
      .withResponse();
  /** The HTTP status of a request (200, or the SDK error's). */
  const statusOf = (call: Promise<unknown>) =>
    call.then(
      () => 200,
      (e: unknown) => (e instanceof OpenAI.APIError ? (e.status ?? -1) : -1),
    );

  it('should admit exactly rpm_limit (100) of 150 requests spread over both pods within the minute, the rest 429', async () => {
    if (skip) return console.warn(`skipped: ${skip}`);
    const key = await newKey({ rpm_limit: 100 });
    const statuses = await Promise.all(
      Array.from({ length: 150 }, (_, i) => statusOf(ask(i % 2, key, `rpm ${i}`))),
    );
    const count = (s: number) => statuses.filter((x) => x === s).length;
    expect({ ok: count(200), limited: count(429), other: statuses.length - count(200) - count(429) }).toEqual(
      {
        ok: 100,
        limited: 50,
        other: 0,
      },
    );
    // Both pods admitted some: the limit is shared, not one pod's alone.
    expect(statuses.filter((s, i) => s === 200 && i % 2 === 0).length).toBeGreaterThan(0);
    expect(statuses.filter((s, i) => s === 200 && i % 2 === 1).length).toBeGreaterThan(0);
  });

  it('should let exactly ten sequential requests alternating between pods through a budget of 9.5 requests, then answer 400 budget_exceeded', async () => {
    if (skip) return console.warn(`skipped: ${skip}`);
    const content = 'What does one request cost?';
    // One request's cost, measured with another key: the fake's usage is the same for the same prompt.
    const probe = await ask(0, await newKey({}), content);
    const cost = Number(probe.response.headers.get('x-litellm-response-cost'));
    const usage = probe.data.usage!;
    expect(cost).toBeCloseTo(
      usage.prompt_tokens * POD_PRICES.input + usage.completion_tokens * POD_PRICES.output,
      15,
    );
    expect(cost).toBeGreaterThan(0);

    const key = await newKey({ max_budget: 9.5 * cost });
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const outcome = await ask(i % 2, key, content).then(
        ({ response }) => `200 ${Number(response.headers.get('x-litellm-response-cost')) === cost}`,
        (e: ApiError) => `${e.status} ${(e.error as { type?: string } | undefined)?.type}`,
      );
      outcomes.push(outcome);
    }
    expect(outcomes).toEqual([
      ...Array<string>(10).fill('200 true'),
      '400 budget_exceeded',
      '400 budget_exceeded',
    ]);
  });
});
