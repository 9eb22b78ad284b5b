import type { Usage } from './provider';

type CountO200k = (text: string) => number;
let countO200k: CountO200k | undefined;

/**
 * Tokens of a text with o200k_base (GPT-4o's encoding), the estimate used for every provider. The
 * encoding's tables take ~70 MB, and only an upstream that reports no usage needs them: loaded on
 * first use, not at start-up.
 */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  countO200k ??= (require('gpt-tokenizer/encoding/o200k_base') as { countTokens: CountO200k }).countTokens;
  return countO200k(text);
}

// OpenAI's accounting for chat prompts: each message costs a few tokens of framing, and the
// reply is primed with three more.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

/**
 * The usage of a call whose upstream reported none (a stream without a usage chunk): the prompt
 * counted from the request (chat `messages`, Anthropic `system` + `messages`, embeddings or
 * Responses `input`, plus tool definitions), the completion from the text the client received.
 */
export function estimateUsage(requestBody: Record<string, unknown>, completionText: string): Usage {
  const promptTokens = promptTokensOf(requestBody);
  const completionTokens = countTokens(completionText);
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
  };
}

function promptTokensOf(body: Record<string, unknown>): number {
  let tokens = 0;
  if (Array.isArray(body.messages)) {
    for (const message of body.messages as Record<string, unknown>[]) {
      tokens += TOKENS_PER_MESSAGE + countTokens(textOf(message?.content));
      if (typeof message?.role === 'string') tokens += countTokens(message.role);
      if (typeof message?.name === 'string') tokens += TOKENS_PER_NAME + countTokens(message.name);
      if (message?.tool_calls) tokens += countTokens(JSON.stringify(message.tool_calls));
    }
    tokens += REPLY_PRIMING;
  }
  if (body.system !== undefined) tokens += countTokens(textOf(body.system));
  if (body.input !== undefined) tokens += countTokens(textOf(body.input));
  if (body.instructions !== undefined) tokens += countTokens(textOf(body.instructions));
  if (Array.isArray(body.tools)) tokens += countTokens(JSON.stringify(body.tools));
  return tokens;
}

/** The text inside a content value: a string, content parts, or nested messages. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(textOf).join('\n');
  if (content && typeof content === 'object') {
    const part = content as Record<string, unknown>;
    if (typeof part.text === 'string') return part.text;
    if (part.content !== undefined) return textOf(part.content);
  }
  return '';
}
