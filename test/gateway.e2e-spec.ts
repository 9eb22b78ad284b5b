import OpenAI from 'openai';
import { SpendAggregatorService } from '../src/domains/spend/ledger/spend-aggregator.service';
import { threeProviders, useGatewayE2e } from './gateway-harness';
import {
  FAKE_ANTHROPIC_KEY,
  FAKE_OPENAI_KEY,
  FAKE_REPLY,
  FAKE_TOOL_ARGUMENTS,
  TOOL_TRIGGER,
  type FakeUpstream,
} from './fakes/upstreams';

/** A LiteLLM config.yaml with three model groups whose upstreams and keys come from the environment. */
const CONFIG = `
model_list:
  - model_name: gpt-fake
    litellm_params:
      model: openai/gpt-4o
      api_base: os.environ/GW_TEST_OPENAI_BASE
      api_key: os.environ/GW_TEST_OPENAI_KEY
    model_info:
      input_cost_per_token: 0.000001
      output_cost_per_token: 0.000002
  - model_name: azure-fake
    litellm_params:
      model: azure/my-deployment
      api_base: os.environ/GW_TEST_AZURE_BASE
      api_key: os.environ/GW_TEST_AZURE_KEY
      api_version: "2024-10-21"
  - model_name: claude-fake
    litellm_params:
      model: anthropic/claude-3-5-sonnet-20241022
      api_base: os.environ/GW_TEST_ANTHROPIC_BASE
      api_key: os.environ/GW_TEST_ANTHROPIC_KEY
  - model_name: text-embedding-fake
    litellm_params:
      model: openai/text-embedding-3-small
      api_base: os.environ/GW_TEST_OPENAI_BASE
      api_key: os.environ/GW_TEST_OPENAI_KEY
litellm_settings:
  num_retries: 1
`;

describe('LLM gateway through the official SDKs (config.yaml models, fake upstreams)', () => {
  let openaiUpstream: FakeUpstream;
  let azureUpstream: FakeUpstream;
  let anthropicUpstream: FakeUpstream;
  const h = useGatewayE2e({
    config: CONFIG,
    upstreams: threeProviders('GW_TEST', (fakes) => {
      ({ openai: openaiUpstream, azure: azureUpstream, anthropic: anthropicUpstream } = fakes);
    }),
  });
  const { newKey, openai, anthropic } = h;
  const spendLogs = (requestId: string) =>
    h.prisma.liteLLM_SpendLogs.findMany({ where: { request_id: requestId } });

  it('chat: the reply, LiteLLM headers, and one spend-log row durable before the answer', async () => {
    const key = await newKey();
    const { data, response } = await openai(key)
      .chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(data.choices[0].message.content).toBe(FAKE_REPLY);
    const callId = response.headers.get('x-litellm-call-id')!;
    expect(callId).toBeTruthy();
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBeGreaterThan(0);
    expect(response.headers.get('x-litellm-model-api-base')).toBe(openaiUpstream.url);
    expect(response.headers.get('x-litellm-attempted-retries')).toBe('0');
    const [row] = await spendLogs(callId);
    expect(row).toMatchObject({
      call_type: 'acompletion',
      model_group: 'gpt-fake',
      custom_llm_provider: 'openai',
      status: 'success',
      prompt_tokens: data.usage!.prompt_tokens,
      completion_tokens: data.usage!.completion_tokens,
    });
    expect(row.spend).toBeCloseTo(
      data.usage!.prompt_tokens * 1e-6 + data.usage!.completion_tokens * 2e-6,
      12,
    );
    // The upstream got the deployment's key, never the client's.
    expect(openaiUpstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${FAKE_OPENAI_KEY}`);
  });

  it('streamed chat arrives chunk by chunk; the spend log has the usage of the final chunk', async () => {
    const key = await newKey();
    const { data: stream, response } = await openai(key)
      .chat.completions.create({
        model: 'gpt-fake',
        stream: true,
        messages: [{ role: 'user', content: 'Stream please' }],
      })
      .withResponse();
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe(FAKE_REPLY);
    expect(chunks).toBeGreaterThan(2);
    const [row] = await spendLogs(response.headers.get('x-litellm-call-id')!);
    expect(row.completion_tokens).toBeGreaterThan(0);
    expect(row.spend).toBeGreaterThan(0);
  });

  it('tool calls come back as OpenAI tool_calls', async () => {
    const key = await newKey();
    const completion = await openai(key).chat.completions.create({
      model: 'gpt-fake',
      messages: [{ role: 'user', content: `${TOOL_TRIGGER} weather` }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
    });
    const call = completion.choices[0].message.tool_calls![0];
    expect(call.type === 'function' && call.function.arguments).toBe(FAKE_TOOL_ARGUMENTS);
  });

  it('embeddings', async () => {
    const key = await newKey();
    const res = await openai(key).embeddings.create({ model: 'text-embedding-fake', input: 'hello' });
    expect(res.data[0].embedding.length).toBeGreaterThan(0);
  });

  it('serves all three model groups of the config file (OpenAI, Azure, Anthropic upstreams)', async () => {
    const key = await newKey();
    for (const model of ['gpt-fake', 'azure-fake', 'claude-fake']) {
      const completion = await openai(key).chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Hello' }],
      });
      expect({ model, text: completion.choices[0].message.content }).toEqual({ model, text: FAKE_REPLY });
    }
    expect(azureUpstream.requests.at(-1)!.path).toMatch(
      /^\/openai\/deployments\/my-deployment\/chat\/completions\?api-version=2024-10-21/,
    );
    expect(anthropicUpstream.requests.at(-1)!.headers['x-api-key']).toBe(FAKE_ANTHROPIC_KEY);
  });

  it('/v1/models lists only the models the key may use', async () => {
    const limited = await newKey({ models: ['gpt-fake'] });
    const ids = (await openai(limited).models.list()).data.map((m) => m.id);
    expect(ids).toEqual(['gpt-fake']);
    // The shared test database also holds models other files stored: the config's four are among them.
    const all = (await openai(await newKey()).models.list()).data.map((m) => m.id);
    expect(all).toEqual(
      expect.arrayContaining(['azure-fake', 'claude-fake', 'gpt-fake', 'text-embedding-fake']),
    );
  });

  it('a key without access to the model is refused before any upstream call', async () => {
    const key = await newKey({ models: ['gpt-fake'] });
    const before = azureUpstream.requests.length;
    const error = await openai(key)
      .chat.completions.create({ model: 'azure-fake', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(403);
    expect(azureUpstream.requests.length).toBe(before);
  });

  it('over budget: 400 budget_exceeded once the key has spent its max_budget', async () => {
    const key = await newKey({ max_budget: 0.0000001 });
    await openai(key).chat.completions.create({
      model: 'gpt-fake',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const error = (await openai(key)
      .chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect((error.error as { type?: string }).type).toBe('budget_exceeded');
    expect(error.message).toContain('Budget has been exceeded');
  });

  it('a spend reset through the management API lets the key spend again at once', async () => {
    const key = await newKey({ max_budget: 0.0000001 });
    const ask = () =>
      openai(key).chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });
    await ask();
    expect(((await ask().catch((e: unknown) => e)) as { status?: number }).status).toBe(400);
    await h.app.get(SpendAggregatorService).drain();
    await h.post(`/key/${encodeURIComponent(key)}/reset_spend`, { reset_to: 0 }).expect(200);
    await expect(ask()).resolves.toBeTruthy();
  });

  it('over rpm: 429 with the rate-limit headers', async () => {
    const key = await newKey({ rpm_limit: 2 });
    const ask = () =>
      openai(key)
        .chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
    const first = await ask();
    expect(first.response.headers.get('x-ratelimit-api_key-limit-requests')).toBe('2');
    await ask();
    const error = (await ask().catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(429);
    expect(error.headers?.get('retry-after')).toBeTruthy();
    expect(error.message).toContain('Rate limit exceeded');
  });

  it('the ledger drains into the key spend exactly', async () => {
    const key = await newKey();
    let total = 0;
    for (let i = 0; i < 3; i++) {
      const { response } = await openai(key)
        .chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: `n ${i}` }] })
        .withResponse();
      total += Number(response.headers.get('x-litellm-response-cost'));
    }
    await h.app.get(SpendAggregatorService).drain();
    const info = await h.get(`/key/info?key=${encodeURIComponent(key)}`).expect(200);
    expect(info.body.info.spend).toBeCloseTo(total, 12);
  });

  describe('the Anthropic SDK on /v1/messages', () => {
    for (const model of ['claude-fake', 'gpt-fake']) {
      it(`plain and streamed messages to ${model}`, async () => {
        const key = await newKey();
        const message = await anthropic(key).messages.create({
          model,
          max_tokens: 100,
          messages: [{ role: 'user', content: 'Hello' }],
        });
        const text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
        expect(text).toBe(FAKE_REPLY);
        expect(message.usage.output_tokens).toBeGreaterThan(0);

        const stream = anthropic(key).messages.stream({
          model,
          max_tokens: 100,
          messages: [{ role: 'user', content: 'Hello' }],
        });
        let streamed = '';
        stream.on('text', (t) => (streamed += t));
        const final = await stream.finalMessage();
        expect(streamed).toBe(FAKE_REPLY);
        expect(final.usage.output_tokens).toBeGreaterThan(0);
      });
    }
  });
});
