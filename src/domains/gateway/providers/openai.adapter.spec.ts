import { collectEvents, fakeDeployment, payloads } from '../../../../test/fakes/provider-kit';
import {
  FAKE_OPENAI_KEY,
  FAKE_REPLY,
  FAKE_TOOL_ARGUMENTS,
  fakePromptTokens,
  type FakeUpstream,
  startFakeOpenAI,
  TOOL_TRIGGER,
} from '../../../../test/fakes/upstreams';
import type { UpstreamStream } from './provider';
import { ProvidersService } from './providers.service';
import { countTokens, estimateUsage } from './token-count';

const OPTIONS = { timeoutMs: 5_000 };
const WORDS_IN_REPLY = 5;

describe('OpenAIAdapter', () => {
  let upstream: FakeUpstream;
  let providers: ProvidersService;
  const adapter = () => providers.adapterFor('openai');
  const deployment = (overrides = {}) =>
    fakeDeployment('openai', upstream.url, { upstreamModel: 'gpt-4o', ...overrides });
  const chatBody = (extra: Record<string, unknown> = {}) => ({
    model: 'public-name',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say something nice please' },
    ],
    ...extra,
  });

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    providers = new ProvidersService();
  });
  afterAll(async () => {
    await providers.onModuleDestroy();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
    upstream.setBehaviour('ok');
  });

  it('should send chat with the bearer key, the upstream model and extra params as defaults the client overrides', async () => {
    const d = deployment({ extraParams: { temperature: 0.1, max_tokens: 20 } });
    const result = await adapter().chat(d, chatBody({ temperature: 0.9 }), OPTIONS);

    const sent = upstream.requests[0];
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${FAKE_OPENAI_KEY}`);
    expect(sent.body).toMatchObject({ model: 'gpt-4o', temperature: 0.9, max_tokens: 20 });
    expect(result.kind).toBe('json');
    if (result.kind !== 'json') return;
    expect((result.body as any).choices[0].message.content).toBe(FAKE_REPLY);
    const prompt = fakePromptTokens(chatBody());
    expect(result.usage).toEqual({
      promptTokens: prompt,
      completionTokens: WORDS_IN_REPLY,
      totalTokens: prompt + WORDS_IN_REPLY,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    });
  });

  it('should report cached prompt tokens from prompt_tokens_details', async () => {
    const cached = await startFakeOpenAI({ cachedTokens: 7 });
    try {
      const result = await adapter().chat(fakeDeployment('openai', cached.url), chatBody(), OPTIONS);
      expect(result.kind === 'json' && result.usage?.cacheReadInputTokens).toBe(7);
    } finally {
      await cached.close();
    }
  });

  it('should ask for usage on a stream the client did not ask it for, read it, and not forward the usage chunk', async () => {
    const result = await adapter().chat(deployment(), chatBody({ stream: true }), OPTIONS);
    const events = await collectEvents(result);

    expect(upstream.requests[0].body.stream_options).toEqual({ include_usage: true });
    expect(events[events.length - 1]).toEqual({ data: '[DONE]', terminal: true });
    const chunks = payloads(events);
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe(FAKE_REPLY);
    expect((result as UpstreamStream).usage()).toMatchObject({
      promptTokens: fakePromptTokens(chatBody()),
      completionTokens: WORDS_IN_REPLY,
    });
  });

  it('should forward the usage chunk when the client asked for it, leaving its stream_options alone', async () => {
    const body = chatBody({ stream: true, stream_options: { include_usage: true } });
    const result = await adapter().chat(deployment(), body, OPTIONS);
    const chunks = payloads(await collectEvents(result));

    expect(upstream.requests[0].body.stream_options).toEqual({ include_usage: true });
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage.completion_tokens).toBe(WORDS_IN_REPLY);
  });

  it('should reuse keep-alive connections across streamed and JSON calls', async () => {
    const fresh = await startFakeOpenAI();
    const service = new ProvidersService();
    try {
      const d = fakeDeployment('openai', fresh.url);
      for (let i = 0; i < 5; i++) {
        await collectEvents(await service.adapterFor('openai').chat(d, chatBody({ stream: true }), OPTIONS));
      }
      await service.adapterFor('openai').chat(d, chatBody(), OPTIONS);
      // The next call may start before the last body's socket is back in the pool: at most two.
      expect(fresh.connectionCount()).toBeLessThanOrEqual(2);
    } finally {
      await service.onModuleDestroy();
      await fresh.close();
    }
  });

  it('should pass the upstream data text through byte for byte', async () => {
    const result = await adapter().chat(deployment(), chatBody({ stream: true }), OPTIONS);
    const events = await collectEvents(result);
    // The fake writes JSON.stringify output with "usage":null on each chunk; unchanged means still there.
    expect(events[0].data).toContain('"usage":null');
    expect(events[0].data).toContain('"system_fingerprint":"fp_fake"');
  });

  it('should leave usage undefined and keep the completion text when the upstream never sends usage', async () => {
    const noUsage = await startFakeOpenAI({ streamUsage: false });
    try {
      const result = (await adapter().chat(
        fakeDeployment('openai', noUsage.url),
        chatBody({ stream: true }),
        OPTIONS,
      )) as UpstreamStream;
      await collectEvents(result);
      expect(result.usage()).toBeUndefined();
      expect(result.completionText?.()).toBe(FAKE_REPLY);
      const estimate = estimateUsage(chatBody(), result.completionText?.() ?? '');
      expect(estimate.completionTokens).toBe(countTokens(FAKE_REPLY));
      expect(estimate.promptTokens).toBeGreaterThan(countTokens('Be brief. Say something nice please'));
    } finally {
      await noUsage.close();
    }
  });

  it('should pass tool calls through, JSON and streamed', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
    const body = chatBody({ tools, messages: [{ role: 'user', content: `please ${TOOL_TRIGGER}` }] });
    const json = await adapter().chat(deployment(), body, OPTIONS);
    expect(json.kind === 'json' && (json.body as any).choices[0].message.tool_calls[0].function).toEqual({
      name: 'get_weather',
      arguments: FAKE_TOOL_ARGUMENTS,
    });

    const chunks = payloads(
      await collectEvents(await adapter().chat(deployment(), { ...body, stream: true }, OPTIONS)),
    );
    const args = chunks
      .flatMap((c) => c.choices[0].delta.tool_calls ?? [])
      .map((t: any) => t.function.arguments);
    expect(args.join('')).toBe(FAKE_TOOL_ARGUMENTS);
    expect(chunks.some((c) => c.choices[0].finish_reason === 'tool_calls')).toBe(true);
  });

  it('should call embeddings and report their prompt tokens', async () => {
    const result = await adapter().embeddings(
      deployment(),
      { model: 'x', input: ['one two', 'three'] },
      OPTIONS,
    );
    expect(upstream.requests[0].path).toBe('/v1/embeddings');
    expect((result.body as any).data).toHaveLength(2);
    expect(result.usage).toMatchObject({ promptTokens: 3, completionTokens: 0, totalTokens: 3 });
  });

  it('should pass the Responses API through, JSON with usage', async () => {
    const result = await adapter().responses(
      deployment(),
      { model: 'x', input: 'four words of input' },
      OPTIONS,
    );
    expect(upstream.requests[0].path).toBe('/v1/responses');
    expect(result.kind === 'json' && result.usage).toMatchObject({
      promptTokens: 4,
      completionTokens: WORDS_IN_REPLY,
    });
  });

  it('should stream the Responses API with response.completed as the terminal event carrying usage', async () => {
    const result = await adapter().responses(
      deployment(),
      { model: 'x', input: 'two words', stream: true },
      OPTIONS,
    );
    const events = await collectEvents(result);
    expect(events[0].event).toBe('response.created');
    const last = events[events.length - 1];
    expect(last).toMatchObject({ event: 'response.completed', terminal: true });
    expect(events.filter((e) => e.terminal)).toHaveLength(1);
    expect((result as UpstreamStream).usage()).toMatchObject({
      promptTokens: 2,
      completionTokens: WORDS_IN_REPLY,
    });
    expect((result as UpstreamStream).completionText?.()).toBe(FAKE_REPLY);
  });

  describe('messages (Anthropic in, OpenAI upstream)', () => {
    it('should translate system, tool_use, tool_result, images, stop_sequences and tool_choice to chat', async () => {
      const body = {
        model: 'claude-name',
        max_tokens: 64,
        system: [{ type: 'text', text: 'Be brief.' }],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Look' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
            ],
          },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 1 } }],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'found' }] },
              { type: 'text', text: 'thanks' },
            ],
          },
        ],
        stop_sequences: ['END'],
        tools: [{ name: 'lookup', description: 'Look up', input_schema: { type: 'object' } }],
        tool_choice: { type: 'tool', name: 'lookup', disable_parallel_tool_use: true },
        metadata: { user_id: 'u1' },
      };
      await adapter().messages(deployment(), body, OPTIONS);
      expect(upstream.requests[0].path).toBe('/v1/chat/completions');
      expect(upstream.requests[0].body).toEqual({
        model: 'gpt-4o',
        max_tokens: 64,
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Look' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: 'found' },
          { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
        ],
        stop: ['END'],
        tools: [
          {
            type: 'function',
            function: { name: 'lookup', description: 'Look up', parameters: { type: 'object' } },
          },
        ],
        tool_choice: { type: 'function', function: { name: 'lookup' } },
        parallel_tool_calls: false,
        user: 'u1',
      });
    });

    it('should answer an Anthropic message with usage in Anthropic terms (cache reads out of input_tokens)', async () => {
      const cached = await startFakeOpenAI({ cachedTokens: 3 });
      try {
        const body = { model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'two words' }] };
        const result = await adapter().messages(fakeDeployment('openai', cached.url), body, OPTIONS);
        if (result.kind !== 'json') throw new Error('expected JSON');
        expect(result.body).toMatchObject({
          type: 'message',
          role: 'assistant',
          content: [{ type: 'text', text: FAKE_REPLY }],
          stop_reason: 'end_turn',
          usage: { input_tokens: 2, output_tokens: WORDS_IN_REPLY, cache_read_input_tokens: 3 },
        });
        expect(result.usage).toMatchObject({ promptTokens: 5, cacheReadInputTokens: 3 });
      } finally {
        await cached.close();
      }
    });

    it('should stream Anthropic events ending with message_delta (usage) and a terminal message_stop', async () => {
      const body = {
        model: 'c',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'two words' }],
        stream: true,
      };
      const result = (await adapter().messages(deployment(), body, OPTIONS)) as UpstreamStream;
      const events = await collectEvents(result);
      expect(upstream.requests[0].body.stream_options).toEqual({ include_usage: true });
      const names = events.map((e) => e.event);
      expect(names[0]).toBe('message_start');
      expect(names[1]).toBe('content_block_start');
      expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
      expect(events.filter((e) => e.terminal).map((e) => e.event)).toEqual(['message_stop']);
      const delta = JSON.parse(events[events.length - 2].data);
      expect(delta).toMatchObject({
        delta: { stop_reason: 'end_turn' },
        usage: { input_tokens: 2, output_tokens: 5 },
      });
      expect(result.usage()).toMatchObject({ promptTokens: 2, completionTokens: 5 });
    });
  });
});
