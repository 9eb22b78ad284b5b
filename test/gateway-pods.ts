import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { createEmptyDatabase } from './database';
import { FAKE_OPENAI_KEY, startFakeOpenAI, type FakeUpstream } from './fakes/upstreams';
import { MAIN_JS, POD_MASTER_KEY, REDIS_URL, startPods, tcpAnswers, type PodGroup } from './pods';

/** The prices of the pods' one model group, USD per token (stated in config.yaml's model_info). */
export const POD_PRICES = { input: 0.000001, output: 0.000002 };
export const POD_MODEL = 'gpt-fake';

/** A LiteLLM config.yaml: `gpt-fake` served by the fake OpenAI upstream at POD_PRICES. */
function configYaml(upstreamUrl: string): string {
  return `
model_list:
  - model_name: ${POD_MODEL}
    litellm_params:
      model: openai/gpt-4o
      api_base: ${upstreamUrl}
      api_key: os.environ/GW_PODS_OPENAI_KEY
    model_info:
      input_cost_per_token: ${POD_PRICES.input}
      output_cost_per_token: ${POD_PRICES.output}
`;
}

/** Real gateway processes on one fresh database, with a fake OpenAI upstream. */
export interface GatewayPods extends PodGroup {
  upstream: FakeUpstream;
  databaseUrl: string;
  /** POST with the master key; throws unless 200. */
  admin(pod: number, path: string, body: unknown): Promise<Record<string, any>>;
  /** An `openai` client on a pod (`/v1`), no retries; `fetch` to watch the wire. */
  openai(pod: number, apiKey: string, fetch?: typeof globalThis.fetch): OpenAI;
}

/** Why gateway pods cannot run here ('' when they can). */
export async function gatewayPodsSkip(withRedis: boolean): Promise<string> {
  if (!existsSync(MAIN_JS)) return 'dist/main.js not built (npm run build)';
  if (withRedis && !(await tcpAnswers(REDIS_URL, 6379))) return `no Redis at ${REDIS_URL}`;
  return '';
}

/** Starts the fake upstream, a fresh database and `count` pods reading the config file. */
export async function startGatewayPods(opts: {
  count: number;
  withRedis: boolean;
  databasePrefix: string;
}): Promise<GatewayPods> {
  const upstream = await startFakeOpenAI();
  const dir = mkdtempSync(join(tmpdir(), 'gw-pods-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, configYaml(upstream.url));
  const db = await createEmptyDatabase(opts.databasePrefix);
  let group: PodGroup;
  try {
    group = await startPods(opts.count, {
      DATABASE_URL: db.url,
      LITELLM_MASTER_KEY: POD_MASTER_KEY,
      REDIS_URL: opts.withRedis ? REDIS_URL : '',
      CONFIG_FILE_PATH: configPath,
      GW_PODS_OPENAI_KEY: FAKE_OPENAI_KEY,
    });
  } catch (e) {
    await Promise.all([upstream.close(), db.drop()]);
    throw e;
  }
  const url = (pod: number) => group.pods[pod].url;
  return {
    ...group,
    upstream,
    databaseUrl: db.url,
    admin: async (pod, path, body) => {
      const res = await fetch(`${url(pod)}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${POD_MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, any>;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    openai: (pod, apiKey, fetch) => new OpenAI({ apiKey, baseURL: `${url(pod)}/v1`, maxRetries: 0, fetch }),
    stop: async () => {
      await group.stop();
      await Promise.all([upstream.close(), db.drop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
