/** The providers the gateway speaks: the prefix of `litellm_params.model` (`openai/gpt-4o`). */
export const PROVIDERS = ['openai', 'azure', 'anthropic'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Per-token prices of a deployment, from `model_info` / `litellm_params` (LiteLLM's names, USD per token). */
export interface DeploymentPrices {
  inputCostPerToken?: number;
  outputCostPerToken?: number;
  cacheReadInputTokenCost?: number;
  cacheCreationInputTokenCost?: number;
}

/**
 * One upstream a model group can be served by: a row of `LiteLLM_ProxyModelTable` or an entry of
 * config.yaml's `model_list`, with secrets decrypted and `os.environ/` references resolved. Only the
 * gateway's request path sees `apiKey`; nothing that renders a response or a log line gets it.
 */
export interface Deployment {
  /** `model_info.id`: the table's `model_id`, or a stable id for a config entry. */
  id: string;
  /** The public name clients ask for (`model_name`, LiteLLM's model group). */
  modelName: string;
  provider: Provider;
  /** `litellm_params.model` as configured, e.g. `azure/my-deployment`. */
  litellmModel: string;
  /** The upstream's model name (the part after the provider prefix; Azure: the deployment name). */
  upstreamModel: string;
  apiBase?: string;
  apiKey?: string;
  /** Azure's `api-version` query parameter. */
  apiVersion?: string;
  /** Per-request timeout (`litellm_params.timeout`, seconds → ms); else the router's default. */
  timeoutMs?: number;
  /** Time allowed between two chunks of a stream (`litellm_params.stream_timeout`). */
  streamTimeoutMs?: number;
  rpm?: number;
  tpm?: number;
  /** Share of traffic in simple-shuffle routing (`litellm_params.weight`, default 1). */
  weight: number;
  prices: DeploymentPrices;
  /** `model_info` as stored (id, access_groups, base_model, mode, ...), never secrets. */
  modelInfo: Record<string, unknown>;
  /** Other `litellm_params` sent along as request defaults (e.g. `max_tokens`, `temperature`). */
  extraParams: Record<string, unknown>;
  source: 'config' | 'db';
}
