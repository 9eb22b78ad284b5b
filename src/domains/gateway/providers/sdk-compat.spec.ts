import Anthropic from '@anthropic-ai/sdk';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { fakeDeployment } from '../../../../test/fakes/provider-kit';
import {
  FAKE_REPLY,
  FAKE_TOOL_ARGUMENTS,
  FAKE_TOOL_INPUT,
  type FakeUpstream,
  startFakeAnthropic,
  startFakeOpenAI,
} from '../../../../test/fakes/upstreams';
import type { Deployment } from '../deployments/deployment';
import type { ProviderAdapter, UpstreamResult } from './provider';
import { ProvidersService } from './providers.service';

/**
 * The official SDKs parse what the translating adapters produce: the openai SDK reads an
 * Anthropic upstream through `chat`, the Anthropic SDK reads an OpenAI upstream through
 * `messages`. A bare HTTP server stands in for the gateway: it writes the adapter's result as is.
 */
async function serveAdapter(
  adapter: ProviderAdapter,
  deployment: Deployment,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      const call = req.url?.endsWith('/messages') ? adapter.messages : adapter.chat;
      call
        .call(adapter, deployment, body, { timeoutMs: 5_000 })
        .then((result) => write(res, result))
        .catch((error: Error & { status?: number }) => {
          res.writeHead(error.status ?? 500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: error.message } }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function write(res: import('node:http').ServerResponse, result: UpstreamResult) {
  if (result.kind === 'json') {
    res.writeHead(result.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(result.body));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for await (const event of result.events) {
    res.write(event.event ? `event: ${event.event}\ndata: ${event.data}\n\n` : `data: ${event.data}\n\n`);
  }
  res.end();
}

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

describe('official SDKs against translated answers', () => {
  let providers: ProvidersService;
  let openaiUpstream: FakeUpstream;
  let anthropicUpstream: FakeUpstream;
  let chatViaAnthropic: { url: string; server: Server };
  let messagesViaOpenAI: { url: string; server: Server };

  beforeAll(async () => {
    providers = new ProvidersService();
    [openaiUpstream, anthropicUpstream] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
    chatViaAnthropic = await serveAdapter(
      providers.adapterFor('anthropic'),
      fakeDeployment('anthropic', anthropicUpstream.url),
    );
    messagesViaOpenAI = await serveAdapter(
      providers.adapterFor('openai'),
      fakeDeployment('openai', openaiUpstream.url),
    );
  });
  afterAll(async () => {
    for (const { server } of [chatViaAnthropic, messagesViaOpenAI]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await providers.onModuleDestroy();
    await Promise.all([openaiUpstream.close(), anthropicUpstream.close()]);
  });

  describe('openai SDK → chat on an Anthropic deployment', () => {
    const client = () =>
      new OpenAI({ apiKey: 'client-key', baseURL: `${chatViaAnthropic.url}/v1`, maxRetries: 0 });

    it('should read a completion', async () => {
      const completion = await client().chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: 'hello' }],
      });
      expect(completion.choices[0].message.content).toBe(FAKE_REPLY);
      expect(completion.usage?.completion_tokens).toBe(5);
    });

    it('should read a stream with usage and tool calls', async () => {
      const stream = await client().chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: 'weather in Paris' }],
        tools: [weatherTool],
        tool_choice: 'required',
        stream: true,
        stream_options: { include_usage: true },
      });
      let args = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        for (const call of chunk.choices[0]?.delta.tool_calls ?? []) args += call.function?.arguments ?? '';
        usage = chunk.usage ?? usage;
      }
      expect(JSON.parse(args)).toEqual(FAKE_TOOL_INPUT);
      expect(usage?.completion_tokens).toBeGreaterThan(0);
    });
  });

  describe('Anthropic SDK → messages on an OpenAI deployment', () => {
    const client = () =>
      new Anthropic({ apiKey: 'client-key', baseURL: messagesViaOpenAI.url, maxRetries: 0 });

    it('should read a message and send the upstream a chat request', async () => {
      openaiUpstream.requests.length = 0;
      const message = await client().messages.create({
        model: 'gpt',
        max_tokens: 100,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hello there' }],
      });
      expect(message.content).toEqual([{ type: 'text', text: FAKE_REPLY }]);
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage).toMatchObject({ input_tokens: 4, output_tokens: 5 });
      expect(openaiUpstream.requests[0].body.messages).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there' },
      ]);
    });

    it('should accumulate a stream into the final message, text and usage', async () => {
      const stream = client().messages.stream({
        model: 'gpt',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hello there' }],
      });
      const message = await stream.finalMessage();
      expect(message.content).toMatchObject([{ type: 'text', text: FAKE_REPLY }]);
      expect(message.usage.output_tokens).toBe(5);
      expect(message.usage.input_tokens).toBe(2);
    });

    it('should accumulate a streamed tool call into a tool_use block', async () => {
      const stream = client().messages.stream({
        model: 'gpt',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'weather?' }],
        tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: {} } }],
        tool_choice: { type: 'any' },
      });
      const message = await stream.finalMessage();
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content).toMatchObject([
        { type: 'tool_use', name: 'get_weather', input: JSON.parse(FAKE_TOOL_ARGUMENTS) },
      ]);
    });
  });
});
