import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import {
  FAKE_ANTHROPIC_KEY,
  FAKE_AZURE_KEY,
  FAKE_OPENAI_KEY,
  startFakeAnthropic,
  startFakeAzure,
  startFakeOpenAI,
  type FakeUpstream,
} from './fakes/upstreams';
import { useE2e, type E2e } from './harness';

/** What a gateway e2e file works with, beside the usual harness. */
export interface GatewayE2e extends E2e {
  /** `http://127.0.0.1:<port>` of the app (it listens on a real port for the SDKs). */
  baseUrl(): string;
  /** A new virtual key made by the master key (`/key/generate` body). */
  newKey(body?: Record<string, unknown>): Promise<string>;
  /** The official OpenAI client on the gateway; `maxRetries: 0`, so every retry seen is the gateway's. */
  openai(apiKey: string): OpenAI;
  /** The official Anthropic client on the gateway (`/v1/messages`). */
  anthropic(apiKey: string): Anthropic;
  /** The spend-log row of a request (its `x-litellm-call-id`). */
  spendRow(requestId: string): ReturnType<E2e['prisma']['liteLLM_SpendLogs']['findFirstOrThrow']>;
}

export interface GatewayE2eOptions {
  /** LiteLLM's config.yaml text; upstream URLs and keys as `os.environ/NAME` references. */
  config: string;
  /**
   * Starts the fake upstreams before the app: returns the environment the config's references read,
   * and what to close after the file.
   */
  upstreams(): Promise<{ env: Record<string, string>; close(): Promise<unknown> }>;
}

/**
 * The app on a real port with a config.yaml, its fake upstreams started first: the set-up every
 * gateway e2e file shares. Registers its hooks in the calling `describe`.
 */
export function useGatewayE2e(opts: GatewayE2eOptions): GatewayE2e {
  const configPath = join(mkdtempSync(join(tmpdir(), 'gw-config-')), 'config.yaml');
  writeFileSync(configPath, opts.config);
  let closeUpstreams: (() => Promise<unknown>) | undefined;
  beforeAll(async () => {
    const { env, close } = await opts.upstreams();
    closeUpstreams = close;
    Object.assign(process.env, env);
  });
  const h = useE2e({ env: { CONFIG_FILE_PATH: configPath } });
  let baseUrl: string | undefined;
  beforeAll(async () => {
    const server = h.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await closeUpstreams?.();
  });
  const url = () => {
    if (!baseUrl) throw new Error('the gateway app is not listening yet (use it inside a test or hook)');
    return baseUrl;
  };

  return Object.assign(Object.create(h) as E2e, {
    baseUrl: url,
    newKey: async (body: Record<string, unknown> = {}) =>
      (await h.post('/key/generate', body).expect(200)).body.key as string,
    openai: (apiKey: string) => new OpenAI({ apiKey, baseURL: `${url()}/v1`, maxRetries: 0 }),
    anthropic: (apiKey: string) => new Anthropic({ apiKey, baseURL: url(), maxRetries: 0 }),
    spendRow: (requestId: string) =>
      h.prisma.liteLLM_SpendLogs.findFirstOrThrow({ where: { request_id: requestId } }),
  });
}

/** A fake of each provider, started by `threeProviders`. */
export interface ThreeProviders {
  openai: FakeUpstream;
  azure: FakeUpstream;
  anthropic: FakeUpstream;
}

/**
 * `upstreams` for a config whose models read `os.environ/{prefix}_{OPENAI,AZURE,ANTHROPIC}_{BASE,KEY}`:
 * starts one fake of each provider and hands them to `started` (the test keeps them to look at what
 * they received).
 */
export function threeProviders(
  prefix: string,
  started: (fakes: ThreeProviders) => void,
): GatewayE2eOptions['upstreams'] {
  return async () => {
    const [openai, azure, anthropic] = await Promise.all([
      startFakeOpenAI(),
      startFakeAzure(),
      startFakeAnthropic(),
    ]);
    started({ openai, azure, anthropic });
    return {
      env: {
        [`${prefix}_OPENAI_BASE`]: openai.url,
        [`${prefix}_OPENAI_KEY`]: FAKE_OPENAI_KEY,
        [`${prefix}_AZURE_BASE`]: azure.url,
        [`${prefix}_AZURE_KEY`]: FAKE_AZURE_KEY,
        [`${prefix}_ANTHROPIC_BASE`]: anthropic.url,
        [`${prefix}_ANTHROPIC_KEY`]: FAKE_ANTHROPIC_KEY,
      },
      close: () => Promise.all([openai.close(), azure.close(), anthropic.close()]),
    };
  };
}
