import type { Deployment, Provider } from '../../src/domains/gateway/deployments/deployment';
import type { SseEvent, UpstreamResult } from '../../src/domains/gateway/providers/provider';
import { FAKE_ANTHROPIC_KEY, FAKE_AZURE_KEY, FAKE_OPENAI_KEY } from './upstreams';

const KEYS: Record<Provider, string> = {
  openai: FAKE_OPENAI_KEY,
  azure: FAKE_AZURE_KEY,
  anthropic: FAKE_ANTHROPIC_KEY,
};

/** A deployment pointing at a fake upstream, with the key the fake accepts. */
export function fakeDeployment(
  provider: Provider,
  apiBase: string,
  overrides: Partial<Deployment> = {},
): Deployment {
  const upstreamModel = overrides.upstreamModel ?? (provider === 'anthropic' ? 'claude-fake' : 'gpt-fake');
  return {
    id: `${provider}-${upstreamModel}`,
    modelName: overrides.modelName ?? upstreamModel,
    provider,
    litellmModel: `${provider}/${upstreamModel}`,
    upstreamModel,
    apiBase,
    apiKey: KEYS[provider],
    weight: 1,
    prices: {},
    modelInfo: {},
    extraParams: {},
    source: 'config',
    ...overrides,
  };
}

/** Reads a whole upstream stream; fails the test if the result is JSON. */
export async function collectEvents(result: UpstreamResult): Promise<SseEvent[]> {
  if (result.kind !== 'stream') throw new Error(`expected a stream, got ${result.kind}`);
  const events: SseEvent[] = [];
  for await (const event of result.events) events.push(event);
  return events;
}

/** The JSON payloads of a stream's data events (`[DONE]` left out). */
export function payloads(events: SseEvent[]): any[] {
  return events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data));
}
