import { createHash } from 'node:crypto';
import type { Deployment, DeploymentPrices, Provider } from './deployment';

/** One `model_list` entry or `LiteLLM_ProxyModelTable` row, secrets already in the clear. */
export interface ModelEntry {
  modelName: string;
  litellmParams: Record<string, unknown>;
  modelInfo: Record<string, unknown>;
}

/**
 * LiteLLM provider prefixes we serve, by the adapter that speaks them. The OpenAI-compatible ones
 * (vLLM, LM Studio, another LiteLLM proxy) need an `api_base`; the OpenAI adapter sends to it.
 */
const PROVIDER_PREFIXES: Record<string, Provider> = {
  openai: 'openai',
  custom_openai: 'openai',
  openai_like: 'openai',
  'text-completion-openai': 'openai',
  hosted_vllm: 'openai',
  lm_studio: 'openai',
  litellm_proxy: 'openai',
  azure: 'azure',
  azure_text: 'azure',
  anthropic: 'anthropic',
};

/** `litellm_params` the gateway reads itself; everything else is sent along as a request default. */
const ROUTING_PARAMS = new Set([
  'model',
  'api_key',
  'api_base',
  'api_version',
  'timeout',
  'stream_timeout',
  'rpm',
  'tpm',
  'weight',
  'max_retries',
  'input_cost_per_token',
  'output_cost_per_token',
  'cache_read_input_token_cost',
  'cache_creation_input_token_cost',
  'custom_llm_provider',
  'litellm_credential_name',
  'tags',
  'model_info',
  'use_in_pass_through',
  'configurable_clientside_auth_params',
  'mock_response',
  'region_name',
]);

const PRICE_FIELDS: [keyof DeploymentPrices, string][] = [
  ['inputCostPerToken', 'input_cost_per_token'],
  ['outputCostPerToken', 'output_cost_per_token'],
  ['cacheReadInputTokenCost', 'cache_read_input_token_cost'],
  ['cacheCreationInputTokenCost', 'cache_creation_input_token_cost'],
];

/**
 * Which adapter serves `litellm_params.model`: its prefix (`azure/x`), else `custom_llm_provider`,
 * else OpenAI for a bare name (`gpt-4o`), as LiteLLM guesses. Undefined: a provider we do not serve.
 */
export function providerOf(
  params: Record<string, unknown>,
): { provider: Provider; upstream: string } | undefined {
  const model = String(params.model ?? '');
  const slash = model.indexOf('/');
  const prefix = slash > 0 ? model.slice(0, slash) : undefined;
  if (prefix !== undefined && prefix in PROVIDER_PREFIXES) {
    return { provider: PROVIDER_PREFIXES[prefix], upstream: model.slice(slash + 1) };
  }
  const custom = typeof params.custom_llm_provider === 'string' ? params.custom_llm_provider : undefined;
  if (custom !== undefined) {
    return custom in PROVIDER_PREFIXES ? { provider: PROVIDER_PREFIXES[custom], upstream: model } : undefined;
  }
  // `meta-llama/Llama-3` with an api_base is an OpenAI-compatible server's model name; `bedrock/x` is not ours.
  if (prefix !== undefined && typeof params.api_base !== 'string') return undefined;
  return { provider: 'openai', upstream: model };
}

export const SUPPORTED_PROVIDER_PREFIXES = Object.keys(PROVIDER_PREFIXES);

/** A stable id for a config.yaml entry without `model_info.id`: the same entry gets it on every pod. */
export function configModelId(entry: ModelEntry): string {
  return createHash('sha256')
    .update(entry.modelName)
    .update('\0')
    .update(stableJson(entry.litellmParams))
    .digest('hex');
}

/** The deployment an entry describes, or undefined when its provider is not one we serve. */
export function toDeployment(
  entry: ModelEntry,
  id: string,
  source: Deployment['source'],
): Deployment | undefined {
  const { litellmParams: params, modelInfo } = entry;
  const target = providerOf(params);
  if (!target) return undefined;
  const extraParams = Object.fromEntries(Object.entries(params).filter(([k]) => !ROUTING_PARAMS.has(k)));
  return {
    id,
    modelName: entry.modelName,
    provider: target.provider,
    litellmModel: String(params.model),
    upstreamModel: target.upstream,
    apiBase: text(params.api_base),
    apiKey: text(params.api_key),
    apiVersion: text(params.api_version),
    timeoutMs: seconds(params.timeout),
    streamTimeoutMs: seconds(params.stream_timeout),
    rpm: count(params.rpm),
    tpm: count(params.tpm),
    weight: positive(params.weight) ?? 1,
    prices: pricesOf(params, modelInfo),
    modelInfo: { ...modelInfo, id },
    extraParams,
    source,
  };
}

/** `litellm_params` first, then `model_info` (LiteLLM mirrors them; either may hold the price). */
function pricesOf(params: Record<string, unknown>, info: Record<string, unknown>): DeploymentPrices {
  const prices: DeploymentPrices = {};
  for (const [field, name] of PRICE_FIELDS) {
    const value = nonNegative(params[name]) ?? nonNegative(info[name]);
    if (value !== undefined) prices[field] = value;
  }
  return prices;
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Stored params may hold numbers as strings (`"30"`): read either. */
function numeric(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
const nonNegative = (v: unknown) => {
  const n = numeric(v);
  return n !== undefined && n >= 0 ? n : undefined;
};
const positive = (v: unknown) => {
  const n = numeric(v);
  return n !== undefined && n > 0 ? n : undefined;
};
const count = (v: unknown) => {
  const n = nonNegative(v);
  return n === undefined ? undefined : Math.floor(n);
};
const seconds = (v: unknown) => {
  const n = positive(v);
  return n === undefined ? undefined : Math.round(n * 1000);
};

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
