import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { BudgetCountersService } from '../src/domains/spend/ledger/budget-counters.service';
import { SpendAggregatorService } from '../src/domains/spend/ledger/spend-aggregator.service';
import { keyModelEntity } from '../src/domains/spend/ledger/spend-event';
import { InvalidationBus, type Invalidation } from '../src/platform/auth/invalidation-bus';
import { uniq } from './app.factory';
import { FAKE_ANTHROPIC_KEY, FAKE_REPLY, type FakeUpstream } from './fakes/upstreams';
import { threeProviders, useGatewayE2e } from './gateway-harness';

const CONFIG = `
model_list:
  - model_name: edge-openai
    litellm_params: { model: openai/gpt-4o, api_base: os.environ/EDGE_OPENAI_BASE, api_key: os.environ/EDGE_OPENAI_KEY }
    model_info: { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
  - model_name: edge-azure
    litellm_params:
      model: azure/edge-deployment
      api_base: os.environ/EDGE_AZURE_BASE
      api_key: os.environ/EDGE_AZURE_KEY
      api_version: "2025-03-01-preview"
  - model_name: edge-claude
    litellm_params:
      model: anthropic/claude-3-5-sonnet-20241022
      api_base: os.environ/EDGE_ANTHROPIC_BASE
      api_key: os.environ/EDGE_ANTHROPIC_KEY
`;

/** Polls `check` until it returns true or `ms` have passed; returns its last answer. */
async function eventually(check: () => Promise<boolean>, ms = 3_000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('gateway edges', () => {
  let openaiUpstream: FakeUpstream;
  let azureUpstream: FakeUpstream;
  let anthropicUpstream: FakeUpstream;
  const h = useGatewayE2e({
    config: CONFIG,
    upstreams: threeProviders('EDGE', (fakes) => {
      ({ openai: openaiUpstream, azure: azureUpstream, anthropic: anthropicUpstream } = fakes);
    }),
  });
  const { newKey, openai, spendRow } = h;

  describe('/v1/responses through the openai SDK', () => {
    for (const model of ['edge-openai', 'edge-azure']) {
      it(`${model}: JSON, then a stream; each logged as aresponses with its tokens`, async () => {
        const client = openai(await newKey());
        const { data, response } = await client.responses
          .create({ model, input: 'Hello there' })
          .withResponse();
        expect(data.output_text).toBe(FAKE_REPLY);
        expect(await spendRow(response.headers.get('x-litellm-call-id')!)).toMatchObject({
          call_type: 'aresponses',
          model_group: model,
          status: 'success',
          prompt_tokens: data.usage!.input_tokens,
          completion_tokens: data.usage!.output_tokens,
        });

        const { data: stream, response: streamed } = await client.responses
          .create({ model, input: 'Stream it', stream: true })
          .withResponse();
        let text = '';
        let usage: { input_tokens: number; output_tokens: number } | undefined;
        for await (const event of stream) {
          if (event.type === 'response.output_text.delta') text += event.delta;
          if (event.type === 'response.completed') usage = event.response.usage ?? undefined;
        }
        expect(text).toBe(FAKE_REPLY);
        expect(usage?.output_tokens).toBeGreaterThan(0);
        expect(await spendRow(streamed.headers.get('x-litellm-call-id')!)).toMatchObject({
          call_type: 'aresponses',
          prompt_tokens: usage!.input_tokens,
          completion_tokens: usage!.output_tokens,
        });
      });
    }
    it('reach the upstreams at their Responses paths', () => {
      expect(openaiUpstream.requests.some((r) => r.path === '/v1/responses')).toBe(true);
      expect(azureUpstream.requests.some((r) => r.path.startsWith('/openai/responses?api-version='))).toBe(
        true,
      );
    });
  });

  describe("/v1/messages passes the client's anthropic-* headers on", () => {
    it('anthropic-beta reaches the Anthropic upstream, JSON and stream', async () => {
      const client = h.anthropic(await newKey());
      const beta = 'prompt-caching-2024-07-31,token-efficient-tools-2025-02-19';
      const message = await client.messages.create(
        { model: 'edge-claude', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] },
        { headers: { 'anthropic-beta': beta, 'anthropic-version': '2023-01-01' } },
      );
      expect(message.content[0]).toMatchObject({ type: 'text', text: FAKE_REPLY });
      const sent = anthropicUpstream.requests.at(-1)!;
      expect(sent.headers['anthropic-beta']).toBe(beta);
      // The client's API version too: a pass-through answers in the format the client asked for.
      expect(sent.headers['anthropic-version']).toBe('2023-01-01');
      // The deployment's key, never the client's.
      expect(sent.headers['x-api-key']).toBe(FAKE_ANTHROPIC_KEY);

      const stream = client.messages.stream(
        { model: 'edge-claude', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] },
        { headers: { 'anthropic-beta': 'output-128k-2025-02-19' } },
      );
      await stream.finalMessage();
      expect(anthropicUpstream.requests.at(-1)!.headers['anthropic-beta']).toBe('output-128k-2025-02-19');
    });
  });

  describe("the key's model_max_budget", () => {
    const ask = (key: string, model: string) =>
      openai(key)
        .chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello there' }] })
        .then(
          () => 200,
          (e: InstanceType<typeof OpenAI.APIError>) => ({
            status: e.status,
            type: e.type,
            message: e.message,
          }),
        );

    it('blocks the model once the key has spent more than its limit on it; other models still answer', async () => {
      const key = await newKey({
        model_max_budget: { 'edge-openai': { budget_limit: 0.0000001, time_period: '1d' } },
      });
      const token = createHash('sha256').update(key).digest('hex');
      // Spend 0 is not above the limit; the first answer costs more than it.
      expect(await ask(key, 'edge-openai')).toBe(200);
      const refused = { status: 400, type: 'budget_exceeded' };
      expect(await ask(key, 'edge-openai')).toMatchObject({
        ...refused,
        message: expect.stringContaining(
          `LiteLLM Virtual Key: ${token}, key_alias: None, exceeded budget for model=edge-openai`,
        ),
      });
      expect(await ask(key, 'edge-azure')).toBe(200);

      // The counter seeds from the ledger: pending logs first, then the key's model_spend once drained.
      const counters = h.app.get(BudgetCountersService);
      await counters.forget([keyModelEntity(token, 'edge-openai')]);
      expect(await ask(key, 'edge-openai')).toMatchObject(refused);
      await h.app.get(SpendAggregatorService).drain();
      const row = await h.prisma.liteLLM_VerificationToken.findUniqueOrThrow({ where: { token } });
      expect((row.model_spend as Record<string, number>)['edge-openai']).toBeGreaterThan(0.0000001);
      await counters.forget([keyModelEntity(token, 'edge-openai')]);
      expect(await ask(key, 'edge-openai')).toMatchObject(refused);
    });

    it('a limit the spend has not passed lets requests through', async () => {
      const key = await newKey({
        model_max_budget: { 'edge-openai': { budget_limit: 10, time_period: '30d' } },
      });
      expect(await ask(key, 'edge-openai')).toBe(200);
      expect(await ask(key, 'edge-openai')).toBe(200);
    });
  });

  describe('tags announce the model changes they write', () => {
    const heard: Invalidation[] = [];
    beforeAll(async () => {
      await h.app.get(InvalidationBus).start(
        (message) => heard.push(message),
        () => undefined,
      );
    });

    it('a tag naming a stored model adds itself to litellm_params.tags and every registry reloads', async () => {
      const modelName = uniq('tagged-model');
      const created = await h
        .post('/model/new', { model_name: modelName, litellm_params: { model: 'openai/gpt-4o' } })
        .expect(200);
      const id = created.body.model_id as string;
      const tag = uniq('tag');
      heard.length = 0;
      await h.post('/tag/new', { name: tag, models: [modelName] }).expect(200);

      expect(await eventually(async () => heard.some((m) => m.scope === 'models'))).toBe(true);
      // This pod's registry reloaded on the bus message: /model/info (read from memory) shows the tag.
      const tagsShown = async () => {
        const info = await h.get(`/model/info?litellm_model_id=${encodeURIComponent(id)}`).expect(200);
        return ((info.body.data[0].litellm_params.tags ?? []) as string[]).includes(tag);
      };
      expect(await eventually(tagsShown)).toBe(true);
    });
  });
});
