import { calcPrice } from '@pydantic/genai-prices';

/**
 * A deployment's own per-token prices (USD per token, LiteLLM's `input_cost_per_token` etc.). The same
 * shape as the gateway's `DeploymentPrices`, kept here because the spend domain sits below the gateway.
 */
export interface TokenPrices {
  inputCostPerToken?: number;
  outputCostPerToken?: number;
  cacheReadInputTokenCost?: number;
  cacheCreationInputTokenCost?: number;
}

export type PricedProvider = 'openai' | 'azure' | 'anthropic';

/**
 * Token counts as LiteLLM logs them: `promptTokens` is the whole prompt, cached and cache-writing tokens
 * included (OpenAI's `prompt_tokens`; for Anthropic, input + cache read + cache creation tokens).
 */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
}

export interface CostInput {
  /** The upstream's model name (`gpt-4o`, `claude-sonnet-4-5`; Azure: the deployment name). */
  model: string;
  provider: PricedProvider;
  prices: TokenPrices;
  /** `model_info.base_model`: the model an Azure deployment runs, looked up before `model`. */
  baseModel?: string;
}

export interface Cost {
  /** USD. */
  cost: number;
  /** False when no price was found: the cost is 0 and the spend log says so. */
  priced: boolean;
  source: 'deployment' | 'price-table' | 'none';
}

/**
 * What a request cost: the deployment's own prices first (LiteLLM's per-deployment override), else the
 * bundled price table of `@pydantic/genai-prices` (never refreshed over the network: its data ships with
 * the package version), else 0 and unpriced. Cached tokens are charged at their own prices.
 */
export function costOf(input: CostInput, usage: TokenUsage): Cost {
  if (hasOwnPrices(input.prices)) {
    return { cost: deploymentCost(input.prices, usage), priced: true, source: 'deployment' };
  }
  for (const model of candidateModels(input)) {
    // Azure runs OpenAI's models: the table may know one under OpenAI only.
    for (const provider of input.provider === 'azure' ? ['azure', 'openai'] : [input.provider]) {
      const cost = tableCost(model, provider, usage);
      if (cost !== undefined) return { cost, priced: true, source: 'price-table' };
    }
  }
  return { cost: 0, priced: false, source: 'none' };
}

function hasOwnPrices(prices: TokenPrices): boolean {
  return prices.inputCostPerToken !== undefined || prices.outputCostPerToken !== undefined;
}

/** Cache tokens fall back to the input price when the deployment names no cache price (as LiteLLM). */
function deploymentCost(prices: TokenPrices, usage: TokenUsage): number {
  const input = prices.inputCostPerToken ?? 0;
  const { uncached, cacheRead, cacheCreation } = promptParts(usage);
  return (
    uncached * input +
    cacheRead * (prices.cacheReadInputTokenCost ?? input) +
    cacheCreation * (prices.cacheCreationInputTokenCost ?? input) +
    usage.completionTokens * (prices.outputCostPerToken ?? 0)
  );
}

/** The prompt split into tokens at the plain input price and the cache reads and writes. */
function promptParts(usage: TokenUsage) {
  const cacheRead = nonNegative(usage.cacheReadInputTokens);
  const cacheCreation = nonNegative(usage.cacheCreationInputTokens);
  const uncached = Math.max(0, nonNegative(usage.promptTokens) - cacheRead - cacheCreation);
  return { uncached, cacheRead, cacheCreation };
}

function nonNegative(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : 0;
}

function candidateModels(input: CostInput): string[] {
  const names = [input.baseModel, input.model].filter((m): m is string => !!m && m.length > 0);
  // `azure/gpt-4o` as a base_model: the table knows the model by its own name.
  return [...new Set(names.map((m) => m.slice(m.lastIndexOf('/') + 1)))];
}

/** The price table's cost; undefined when it does not know the model. Its `input_tokens` include cache tokens. */
function tableCost(model: string, provider: string, usage: TokenUsage): number | undefined {
  const { cacheRead, cacheCreation } = promptParts(usage);
  const result = calcPrice(
    {
      input_tokens: Math.max(nonNegative(usage.promptTokens), cacheRead + cacheCreation),
      output_tokens: nonNegative(usage.completionTokens),
      cache_read_tokens: cacheRead || undefined,
      cache_write_tokens: cacheCreation || undefined,
    },
    model,
    { providerId: provider },
  );
  return result ? result.total_price : undefined;
}
