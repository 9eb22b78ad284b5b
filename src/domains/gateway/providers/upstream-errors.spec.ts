import { collectEvents, fakeDeployment } from '../../../../test/fakes/provider-kit';
import {
  type FakeUpstream,
  refusedUrl,
  startFakeAnthropic,
  startFakeAzure,
  startFakeOpenAI,
} from '../../../../test/fakes/upstreams';
import type { Deployment } from '../deployments/deployment';
import { UpstreamError } from './provider';
import { ProvidersService } from './providers.service';
import { errorFromResponse } from './upstream-errors';

const chat = { model: 'x', messages: [{ role: 'user', content: 'hello there' }] };
const messages = { model: 'x', max_tokens: 10, messages: [{ role: 'user', content: 'hello there' }] };

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error('expected the call to fail');
}

describe('upstream errors', () => {
  let openai: FakeUpstream;
  let azure: FakeUpstream;
  let anthropic: FakeUpstream;
  let providers: ProvidersService;

  beforeAll(async () => {
    [openai, azure, anthropic] = await Promise.all([
      startFakeOpenAI(),
      startFakeAzure(),
      startFakeAnthropic(),
    ]);
    providers = new ProvidersService();
  });
  afterAll(async () => {
    await providers.onModuleDestroy();
    await Promise.all([openai.close(), azure.close(), anthropic.close()]);
  });
  beforeEach(() => {
    for (const fake of [openai, azure, anthropic]) fake.setBehaviour('ok');
  });

  const callChat = (d: Deployment, options = { timeoutMs: 5_000 }) =>
    providers.adapterFor(d.provider).chat(d, chat, options);

  it.each([
    [
      'fail500',
      'server',
      500,
      'litellm.InternalServerError: InternalServerError: OpenAIException - The server had an error',
    ],
    [
      'fail429',
      'rate_limited',
      429,
      'litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached',
    ],
    ['fail400', 'client', 400, "litellm.BadRequestError: OpenAIException - Invalid 'messages'"],
  ] as const)(
    'should map an OpenAI %s to %s with status %i and LiteLLM message',
    async (behaviour, kind, status, message) => {
      openai.setBehaviour(behaviour);
      const error = await failure(callChat(fakeDeployment('openai', openai.url)));
      expect(error).toMatchObject({ kind, status });
      expect(error.message.startsWith(message)).toBe(true);
      expect(error.retryable).toBe(kind !== 'client');
    },
  );

  it('should name Azure in its errors and keep the upstream type', async () => {
    azure.setBehaviour('fail429');
    const error = await failure(callChat(fakeDeployment('azure', azure.url)));
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, type: 'requests' });
    expect(error.message).toMatch(
      /^litellm\.RateLimitError: RateLimitError: AzureException - Rate limit reached/,
    );
  });

  it('should show an Anthropic error with its body, as LiteLLM does', async () => {
    anthropic.setBehaviour('fail429');
    const d = fakeDeployment('anthropic', anthropic.url);
    const error = await failure(
      providers.adapterFor('anthropic').messages(d, messages, { timeoutMs: 5_000 }),
    );
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, type: 'rate_limit_error' });
    expect(error.message).toMatch(/^litellm\.RateLimitError: AnthropicException - \{"type":"error"/);
  });

  it('should answer a wrong key with a 401 client error that does not contain the key', async () => {
    const secret = 'sk-wrong-but-secret-1234567890';
    const error = await failure(callChat(fakeDeployment('openai', openai.url, { apiKey: secret })));
    expect(error).toMatchObject({ kind: 'client', status: 401 });
    expect(error.message).toMatch(
      /^litellm\.AuthenticationError: AuthenticationError: OpenAIException - Incorrect API key/,
    );
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.upstreamBody)).not.toContain(secret);
  });

  it('should map a refused connection to connect (retryable)', async () => {
    const error = await failure(callChat(fakeDeployment('openai', `${await refusedUrl()}/v1`)));
    expect(error).toMatchObject({ kind: 'connect', status: 500 });
    expect(error.message).toBe('litellm.APIConnectionError: OpenAIException - Connection error.');
    expect(error.retryable).toBe(true);
  });

  it('should time out a slow upstream at the request deadline (408)', async () => {
    openai.setBehaviour({ slow: 2_000 });
    const error = await failure(callChat(fakeDeployment('openai', openai.url), { timeoutMs: 200 }));
    expect(error).toMatchObject({ kind: 'timeout', status: 408 });
    expect(error.message).toMatch(/^litellm\.Timeout: OpenAIException - Request timed out/);
  });

  it('should end a stream that stops sending with a timeout after the idle gap', async () => {
    openai.setBehaviour('hangStream');
    const d = fakeDeployment('openai', openai.url);
    const result = await providers.adapterFor('openai').chat(
      d,
      { ...chat, stream: true },
      {
        timeoutMs: 5_000,
        streamTimeoutMs: 300,
      },
    );
    const error = await failure(collectEvents(result));
    expect(error).toMatchObject({ kind: 'timeout', status: 408 });
  });

  it('should stop reading the upstream when the client goes away', async () => {
    anthropic.setBehaviour('hangStream');
    const controller = new AbortController();
    const d = fakeDeployment('anthropic', anthropic.url);
    const result = await providers
      .adapterFor('anthropic')
      .messages(d, { ...messages, stream: true }, { timeoutMs: 5_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await failure(collectEvents(result));
    expect(error).toMatchObject({ kind: 'client', status: 499 });
  });

  it('should apply a behaviour only to the next requests when given times', async () => {
    openai.setBehaviour('fail500', { times: 1 });
    const d = fakeDeployment('openai', openai.url);
    await failure(callChat(d));
    await expect(callChat(d)).resolves.toMatchObject({ kind: 'json', status: 200 });
  });

  it('should refuse embeddings and the Responses API on Anthropic with a 400', async () => {
    const d = fakeDeployment('anthropic', anthropic.url);
    const adapter = providers.adapterFor('anthropic');
    const options = { timeoutMs: 1_000 };
    await expect(adapter.embeddings(d, { input: 'x' }, options)).rejects.toMatchObject({
      kind: 'client',
      status: 400,
    });
    await expect(adapter.responses(d, { input: 'x' }, options)).rejects.toMatchObject({
      kind: 'client',
      status: 400,
    });
  });

  it('should name a context-window 400 as LiteLLM does, so the router can tell it apart', () => {
    const body = JSON.stringify({
      error: {
        message: "This model's maximum context length is 8 tokens.",
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
      },
    });
    const error = errorFromResponse('OpenAIException', 400, body, undefined);
    expect(error).toMatchObject({ kind: 'client', status: 400, type: 'invalid_request_error' });
    expect(error.message).toBe(
      "litellm.ContextWindowExceededError: ContextWindowExceededError: OpenAIException - This model's maximum context length is 8 tokens.",
    );
  });

  it('should read an Anthropic 529 (overloaded) as a retryable 500', () => {
    const body = JSON.stringify({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    const error = errorFromResponse('AnthropicException', 529, body, undefined);
    expect(error).toMatchObject({ kind: 'server', status: 500, type: 'overloaded_error', retryable: true });
    expect(error.message).toBe(`litellm.InternalServerError: AnthropicException - ${body}`);
  });
});
