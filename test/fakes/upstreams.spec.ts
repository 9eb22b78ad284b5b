import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { AzureOpenAI } from 'openai';
import {
  EMBEDDING_DIMENSIONS,
  FAKE_ANTHROPIC_KEY,
  FAKE_AZURE_KEY,
  FAKE_OPENAI_KEY,
  FAKE_REPLY,
  type FakeUpstream,
  startFakeAnthropic,
  startFakeAzure,
  startFakeOpenAI,
} from './upstreams';

/** The fakes are only useful if the real SDKs accept what they send: checked here. */
describe('fake upstreams, read by the official SDKs', () => {
  let openai: FakeUpstream;
  let azure: FakeUpstream;
  let anthropic: FakeUpstream;

  beforeAll(async () => {
    [openai, azure, anthropic] = await Promise.all([
      startFakeOpenAI({ models: ['gpt-a', 'gpt-b'] }),
      startFakeAzure(),
      startFakeAnthropic(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([openai.close(), azure.close(), anthropic.close()]);
  });

  const openaiClient = () => new OpenAI({ apiKey: FAKE_OPENAI_KEY, baseURL: openai.url, maxRetries: 0 });

  it('should serve OpenAI chat, JSON and streamed with usage', async () => {
    const client = openaiClient();
    const messages = [{ role: 'user' as const, content: 'hello' }];
    const completion = await client.chat.completions.create({ model: 'gpt-a', messages });
    expect(completion.choices[0].message.content).toBe(FAKE_REPLY);

    const stream = await client.chat.completions.create({
      model: 'gpt-a',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(FAKE_REPLY);
    expect(usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 5, total_tokens: 6 });
  });

  it('should serve embeddings (the SDK asks for base64 by default), models and the Responses API', async () => {
    const client = openaiClient();
    const embeddings = await client.embeddings.create({ model: 'e', input: ['a', 'b c'] });
    expect(embeddings.data.map((d) => d.embedding.length)).toEqual([
      EMBEDDING_DIMENSIONS,
      EMBEDDING_DIMENSIONS,
    ]);
    expect(embeddings.data[0].embedding.every((n) => Number.isFinite(n))).toBe(true);

    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-a', 'gpt-b']);

    const response = await client.responses.create({ model: 'gpt-a', input: 'hi' });
    expect(response.output_text).toBe(FAKE_REPLY);
    const stream = await client.responses.create({ model: 'gpt-a', input: 'hi', stream: true });
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    expect(completed?.usage?.output_tokens).toBe(5);
  });

  it('should reject a wrong OpenAI key with 401', async () => {
    const client = new OpenAI({ apiKey: 'nope', baseURL: openai.url, maxRetries: 0 });
    await expect(client.models.list()).rejects.toMatchObject({ status: 401 });
  });

  it('should serve Azure chat through the AzureOpenAI client', async () => {
    const client = new AzureOpenAI({
      apiKey: FAKE_AZURE_KEY,
      endpoint: azure.url,
      apiVersion: '2024-10-21',
      deployment: 'my-deployment',
      maxRetries: 0,
    });
    const completion = await client.chat.completions.create({
      model: '',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(completion.model).toBe('my-deployment');
    expect(azure.requests[azure.requests.length - 1].path).toBe(
      '/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21',
    );
  });

  it('should serve Anthropic messages, JSON and streamed', async () => {
    const client = new Anthropic({ apiKey: FAKE_ANTHROPIC_KEY, baseURL: anthropic.url, maxRetries: 0 });
    const params = {
      model: 'claude',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: 'hi you' }],
    };
    const message = await client.messages.create(params);
    expect(message.content).toMatchObject([{ type: 'text', text: FAKE_REPLY }]);
    const streamed = await client.messages.stream(params).finalMessage();
    expect(streamed.content).toMatchObject([{ type: 'text', text: FAKE_REPLY }]);
    expect(streamed.usage).toMatchObject({ input_tokens: 2, output_tokens: 5 });
  });

  it('should answer in bench mode without recording', async () => {
    const bench = await startFakeOpenAI({ bench: true });
    try {
      const client = new OpenAI({ apiKey: FAKE_OPENAI_KEY, baseURL: bench.url, maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      });
      expect(completion.choices[0].message.content).toBe(FAKE_REPLY);
      const stream = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe(FAKE_REPLY);
      expect(bench.requests).toHaveLength(0);
    } finally {
      await bench.close();
    }
  });
});
