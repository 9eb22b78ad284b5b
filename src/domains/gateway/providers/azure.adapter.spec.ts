import { collectEvents, fakeDeployment, payloads } from '../../../../test/fakes/provider-kit';
import {
  FAKE_AZURE_KEY,
  FAKE_REPLY,
  type FakeUpstream,
  startFakeAzure,
} from '../../../../test/fakes/upstreams';
import { AZURE_DEFAULT_API_VERSION } from './azure.adapter';
import type { UpstreamStream } from './provider';
import { ProvidersService } from './providers.service';

const OPTIONS = { timeoutMs: 5_000 };
const chat = { model: 'public', messages: [{ role: 'user', content: 'hi there' }] };

describe('AzureAdapter', () => {
  let upstream: FakeUpstream;
  let providers: ProvidersService;
  const adapter = () => providers.adapterFor('azure');
  const deployment = (overrides = {}) =>
    fakeDeployment('azure', upstream.url, {
      upstreamModel: 'my-gpt4o',
      apiVersion: '2024-10-21',
      ...overrides,
    });

  beforeAll(async () => {
    upstream = await startFakeAzure();
    providers = new ProvidersService();
  });
  afterAll(async () => {
    await providers.onModuleDestroy();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it('should post chat to the deployment path with api-version and the api-key header', async () => {
    const result = await adapter().chat(deployment(), chat, OPTIONS);
    const sent = upstream.requests[0];
    expect(sent.path).toBe('/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21');
    expect(sent.headers['api-key']).toBe(FAKE_AZURE_KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(result.kind === 'json' && (result.body as any).model).toBe('my-gpt4o');
    expect(result.kind === 'json' && result.usage?.completionTokens).toBe(5);
  });

  it('should use the default api-version when the deployment names none', async () => {
    await adapter().chat(deployment({ apiVersion: undefined }), chat, OPTIONS);
    expect(upstream.requests[0].path).toBe(
      `/openai/deployments/my-gpt4o/chat/completions?api-version=${AZURE_DEFAULT_API_VERSION}`,
    );
  });

  it('should stream chat with usage read from the final chunk', async () => {
    const result = await adapter().chat(deployment(), { ...chat, stream: true }, OPTIONS);
    const events = await collectEvents(result);
    expect(upstream.requests[0].body.stream_options).toEqual({ include_usage: true });
    expect(
      payloads(events)
        .map((c) => c.choices[0].delta.content ?? '')
        .join(''),
    ).toBe(FAKE_REPLY);
    expect((result as UpstreamStream).usage()).toMatchObject({ promptTokens: 2, completionTokens: 5 });
  });

  it('should post embeddings to the deployment path', async () => {
    const result = await adapter().embeddings(deployment(), { model: 'x', input: 'a b c' }, OPTIONS);
    expect(upstream.requests[0].path).toBe('/openai/deployments/my-gpt4o/embeddings?api-version=2024-10-21');
    expect(result.usage?.promptTokens).toBe(3);
  });

  it('should post the Responses API to the resource path with the deployment as model', async () => {
    const result = await adapter().responses(deployment(), { model: 'x', input: 'one two' }, OPTIONS);
    expect(upstream.requests[0].path).toBe('/openai/responses?api-version=2024-10-21');
    expect(upstream.requests[0].body.model).toBe('my-gpt4o');
    expect(result.kind === 'json' && result.usage?.promptTokens).toBe(2);
  });

  it('should refuse a deployment without api_base as a client error', async () => {
    await expect(adapter().chat(deployment({ apiBase: undefined }), chat, OPTIONS)).rejects.toMatchObject({
      kind: 'client',
      status: 400,
    });
  });
});
