import { collectEvents, fakeDeployment, payloads } from '../../../../test/fakes/provider-kit';
import {
  FAKE_ANTHROPIC_KEY,
  FAKE_REPLY,
  FAKE_TOOL_INPUT,
  FAKE_TOOL_USE_ID,
  fakePromptTokens,
  type FakeUpstream,
  startFakeAnthropic,
} from '../../../../test/fakes/upstreams';
import type { UpstreamStream } from './provider';
import { ProvidersService } from './providers.service';

const OPTIONS = { timeoutMs: 5_000 };
const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} } },
};

describe('AnthropicAdapter', () => {
  let upstream: FakeUpstream;
  let providers: ProvidersService;
  const adapter = () => providers.adapterFor('anthropic');
  const deployment = () => fakeDeployment('anthropic', upstream.url, { upstreamModel: 'claude-sonnet-4' });

  beforeAll(async () => {
    upstream = await startFakeAnthropic({ cacheReadInputTokens: 10, cacheCreationInputTokens: 4 });
    providers = new ProvidersService();
  });
  afterAll(async () => {
    await providers.onModuleDestroy();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  describe('messages (pass-through)', () => {
    const body = {
      model: 'public',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'three words here' }],
    };

    it('should post to /v1/messages with x-api-key and anthropic-version and count cache tokens into the prompt', async () => {
      const result = await adapter().messages(deployment(), body, OPTIONS);
      const sent = upstream.requests[0];
      expect(sent.path).toBe('/v1/messages');
      expect(sent.headers['x-api-key']).toBe(FAKE_ANTHROPIC_KEY);
      expect(sent.headers['anthropic-version']).toBe('2023-06-01');
      expect(sent.body.model).toBe('claude-sonnet-4');
      expect(result.kind === 'json' && result.usage).toEqual({
        promptTokens: 3 + 10 + 4,
        completionTokens: 5,
        totalTokens: 22,
        cacheReadInputTokens: 10,
        cacheCreationInputTokens: 4,
      });
    });

    it('should pass the stream through with message_stop as the terminal event and usage from start and delta', async () => {
      const result = (await adapter().messages(
        deployment(),
        { ...body, stream: true },
        OPTIONS,
      )) as UpstreamStream;
      const events = await collectEvents(result);
      expect(events.map((e) => e.event)).toEqual([
        'message_start',
        'ping',
        'content_block_start',
        ...FAKE_REPLY.split(' ').map(() => 'content_block_delta'),
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      expect(events[events.length - 1].terminal).toBe(true);
      expect(result.usage()).toMatchObject({
        promptTokens: 17,
        completionTokens: 5,
        cacheReadInputTokens: 10,
      });
      expect(result.completionText?.()).toBe(FAKE_REPLY);
    });
  });

  describe('chat (translated)', () => {
    it('should translate system, tools, tool results, images, stop and a default max_tokens', async () => {
      const body = {
        model: 'public',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is here?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        ],
        tools: [weatherTool],
        tool_choice: 'auto',
        stop: 'END',
        temperature: 0.3,
        user: 'user-7',
      };
      await adapter().chat(deployment(), body, OPTIONS);
      const sent = upstream.requests[0].body;
      expect(sent).toEqual({
        model: 'claude-sonnet-4',
        max_tokens: 4096,
        system: 'Be brief.',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is here?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } }],
          },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' }] },
        ],
        tools: [
          { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: {} } },
        ],
        tool_choice: { type: 'auto' },
        stop_sequences: ['END'],
        temperature: 0.3,
        metadata: { user_id: 'user-7' },
      });
    });

    it('should answer as a chat completion with prompt tokens including the cache', async () => {
      const body = { model: 'public', messages: [{ role: 'user', content: 'two words' }] };
      const result = await adapter().chat(deployment(), body, OPTIONS);
      if (result.kind !== 'json') throw new Error('expected JSON');
      expect(result.body).toMatchObject({
        object: 'chat.completion',
        model: 'claude-sonnet-4',
        choices: [{ index: 0, message: { role: 'assistant', content: FAKE_REPLY }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: 2 + 14,
          completion_tokens: 5,
          total_tokens: 21,
          prompt_tokens_details: { cached_tokens: 10 },
        },
      });
    });

    it('should turn a forced tool into tool_choice any and the tool_use block into tool_calls', async () => {
      const body = {
        model: 'p',
        messages: [{ role: 'user', content: 'weather?' }],
        tools: [weatherTool],
        tool_choice: 'required',
      };
      const result = await adapter().chat(deployment(), body, OPTIONS);
      expect(upstream.requests[0].body.tool_choice).toEqual({ type: 'any' });
      if (result.kind !== 'json') throw new Error('expected JSON');
      const choice = (result.body as any).choices[0];
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.tool_calls).toEqual([
        {
          id: FAKE_TOOL_USE_ID,
          type: 'function',
          function: { name: 'get_weather', arguments: JSON.stringify(FAKE_TOOL_INPUT) },
        },
      ]);
    });

    it('should stream as chat chunks: role first, text deltas, finish_reason, usage when asked, [DONE] last', async () => {
      const body = {
        model: 'p',
        messages: [{ role: 'user', content: 'hello you' }],
        stream: true,
        stream_options: { include_usage: true },
      };
      const result = (await adapter().chat(deployment(), body, OPTIONS)) as UpstreamStream;
      const events = await collectEvents(result);
      expect(events[events.length - 1]).toEqual({ data: '[DONE]', terminal: true });
      const chunks = payloads(events);
      expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
      expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(text).toBe(FAKE_REPLY);
      expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
      expect(chunks[chunks.length - 1]).toMatchObject({
        choices: [],
        usage: { prompt_tokens: 16, completion_tokens: 5 },
      });
      expect(result.usage()).toMatchObject({ promptTokens: 16, completionTokens: 5 });
    });

    it('should stream tool calls as deltas with index, id, name, then argument fragments', async () => {
      const body = {
        model: 'p',
        messages: [{ role: 'user', content: 'x' }],
        tools: [weatherTool],
        tool_choice: 'required',
        stream: true,
      };
      const chunks = payloads(await collectEvents(await adapter().chat(deployment(), body, OPTIONS)));
      const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      expect(calls[0]).toEqual({
        index: 0,
        id: FAKE_TOOL_USE_ID,
        type: 'function',
        function: { name: 'get_weather', arguments: '' },
      });
      expect(calls.map((c: any) => c.function.arguments).join('')).toBe(JSON.stringify(FAKE_TOOL_INPUT));
      expect(chunks.some((c) => c.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
      expect(chunks.some((c) => c.usage)).toBe(false); // the client did not ask
    });

    it('should refuse parameters Anthropic lacks unless drop_params is set', async () => {
      const body = { model: 'p', messages: [{ role: 'user', content: 'x' }], seed: 7 };
      await expect(adapter().chat(deployment(), body, OPTIONS)).rejects.toMatchObject({
        kind: 'client',
        status: 400,
      });
      expect(upstream.requests).toHaveLength(0);
      await adapter().chat(deployment(), body, { ...OPTIONS, dropParams: true });
      expect(upstream.requests[0].body.seed).toBeUndefined();
    });

    it('should count the prompt the fake saw from the translated request', async () => {
      const body = {
        model: 'p',
        messages: [
          { role: 'system', content: 'sys words' },
          { role: 'user', content: 'a b c' },
        ],
      };
      const result = await adapter().chat(deployment(), body, OPTIONS);
      expect(result.kind === 'json' && result.usage?.promptTokens).toBe(
        fakePromptTokens(upstream.requests[0].body) + 14,
      );
    });
  });
});
