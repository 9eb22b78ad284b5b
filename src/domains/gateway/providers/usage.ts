import type { Usage } from './provider';

type Json = Record<string, unknown>;

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' ? (value as Json) : undefined;
}

/** OpenAI chat/embeddings `usage` (`prompt_tokens` already includes cached tokens). */
export function usageFromOpenAI(raw: unknown): Usage | undefined {
  const usage = obj(raw);
  if (!usage) return undefined;
  const promptTokens = num(usage.prompt_tokens);
  const completionTokens = num(usage.completion_tokens);
  return {
    promptTokens,
    completionTokens,
    totalTokens: num(usage.total_tokens) || promptTokens + completionTokens,
    cacheReadInputTokens: num(obj(usage.prompt_tokens_details)?.cached_tokens),
    cacheCreationInputTokens: 0,
  };
}

/** The Responses API's `usage` (`input_tokens`, `output_tokens`, `input_tokens_details`). */
export function usageFromResponses(raw: unknown): Usage | undefined {
  const usage = obj(raw);
  if (!usage) return undefined;
  const promptTokens = num(usage.input_tokens);
  const completionTokens = num(usage.output_tokens);
  return {
    promptTokens,
    completionTokens,
    totalTokens: num(usage.total_tokens) || promptTokens + completionTokens,
    cacheReadInputTokens: num(obj(usage.input_tokens_details)?.cached_tokens),
    cacheCreationInputTokens: 0,
  };
}

/**
 * Anthropic's `usage`. Its `input_tokens` excludes cache reads and writes; in OpenAI's terms (as
 * LiteLLM reports them) the prompt is all three, and the cache counts are kept apart for pricing.
 */
export function usageFromAnthropic(raw: unknown): Usage | undefined {
  const usage = obj(raw);
  if (!usage) return undefined;
  const cacheRead = num(usage.cache_read_input_tokens);
  const cacheCreation = num(usage.cache_creation_input_tokens);
  const promptTokens = num(usage.input_tokens) + cacheRead + cacheCreation;
  const completionTokens = num(usage.output_tokens);
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    cacheReadInputTokens: cacheRead,
    cacheCreationInputTokens: cacheCreation,
  };
}

/** Usage in OpenAI's wire shape, for translated responses (LiteLLM adds the cache fields). */
export function openAIUsageJson(usage: Usage): Json {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadInputTokens },
    cache_read_input_tokens: usage.cacheReadInputTokens,
    cache_creation_input_tokens: usage.cacheCreationInputTokens,
  };
}

/** Usage in Anthropic's wire shape, for translated responses (input excludes the cache). */
export function anthropicUsageJson(usage: Usage): Json {
  return {
    input_tokens: Math.max(
      0,
      usage.promptTokens - usage.cacheReadInputTokens - usage.cacheCreationInputTokens,
    ),
    output_tokens: usage.completionTokens,
    cache_read_input_tokens: usage.cacheReadInputTokens,
    cache_creation_input_tokens: usage.cacheCreationInputTokens,
  };
}
