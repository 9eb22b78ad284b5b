import { UpstreamError, type Usage } from '../provider';
import { openAIUsageJson, usageFromAnthropic } from '../usage';

type Json = Record<string, unknown>;

/** LiteLLM's `max_tokens` for Anthropic when the client sets none (the API requires one). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** OpenAI parameters the Messages API has no equivalent for: refused unless drop_params. */
const UNSUPPORTED = [
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'seed',
];

/**
 * An OpenAI chat-completions request as an Anthropic Messages request: system and developer
 * messages → `system`, tool results → `tool_result` blocks in a user turn, assistant tool calls →
 * `tool_use` blocks, images → base64 or url sources, `stop` → `stop_sequences`, tools and
 * tool_choice in Anthropic's shape. Consecutive turns of one role are merged, as the API wants.
 */
export function chatToAnthropicRequest(body: Json, dropParams: boolean): Json {
  refuseUnsupported(body, dropParams);
  const system: string[] = [];
  const messages: { role: 'user' | 'assistant'; content: Json[] }[] = [];
  for (const message of (body.messages ?? []) as Json[]) {
    const role = message.role;
    if (role === 'system' || role === 'developer') {
      system.push(textOf(message.content));
      continue;
    }
    const turn = role === 'assistant' ? 'assistant' : 'user';
    const blocks = role === 'tool' ? [toolResultBlock(message)] : contentBlocks(message);
    const last = messages[messages.length - 1];
    if (last?.role === turn) last.content.push(...blocks);
    else messages.push({ role: turn, content: blocks });
  }
  const request: Json = {
    model: body.model,
    messages,
    max_tokens: body.max_tokens ?? body.max_completion_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) request.system = system.join('\n');
  copyIfSet(body, request, 'temperature', 'temperature');
  copyIfSet(body, request, 'top_p', 'top_p');
  copyIfSet(body, request, 'stream', 'stream');
  if (body.stop !== undefined && body.stop !== null) {
    request.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  }
  if (typeof body.user === 'string') request.metadata = { user_id: body.user };
  addTools(body, request);
  return request;
}

function refuseUnsupported(body: Json, dropParams: boolean): void {
  if (dropParams) return;
  const present = UNSUPPORTED.filter((name) => body[name] !== undefined && body[name] !== null);
  if (typeof body.n === 'number' && body.n > 1) present.push('n');
  if (present.length === 0) return;
  throw new UpstreamError(
    'client',
    400,
    `litellm.UnsupportedParamsError: anthropic does not support parameters: [${present
      .map((p) => `'${p}'`)
      .join(', ')}]. Remove them, or set drop_params: true in litellm_settings to drop them.`,
    'bad_request_error',
  );
}

function copyIfSet(from: Json, to: Json, source: string, target: string): void {
  if (from[source] !== undefined && from[source] !== null) to[target] = from[source];
}

function contentBlocks(message: Json): Json[] {
  const blocks: Json[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    if (content.length > 0) blocks.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (const part of content as Json[]) {
      const block = partToBlock(part);
      if (block) blocks.push(block);
    }
  }
  for (const call of (message.tool_calls ?? []) as Json[]) {
    const fn = (call.function ?? {}) as Json;
    blocks.push({ type: 'tool_use', id: call.id, name: fn.name, input: parseArguments(fn.arguments) });
  }
  return blocks;
}

function partToBlock(part: Json): Json | undefined {
  if (part.type === 'text') {
    const block: Json = { type: 'text', text: part.text };
    if (part.cache_control) block.cache_control = part.cache_control;
    return block;
  }
  if (part.type === 'image_url') {
    const image = part.image_url as Json | string | undefined;
    const url = typeof image === 'string' ? image : (image?.url as string | undefined);
    return url ? { type: 'image', source: imageSource(url) } : undefined;
  }
  return undefined;
}

/** `data:image/png;base64,....` → a base64 source; any other URL → a url source. */
function imageSource(url: string): Json {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match) return { type: 'base64', media_type: match[1], data: match[2] };
  return { type: 'url', url };
}

function toolResultBlock(message: Json): Json {
  return { type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) };
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string' || args.length === 0) return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return {};
  }
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return (content as Json[])
      .map((part) => (typeof part?.text === 'string' ? part.text : ''))
      .filter((text) => text.length > 0)
      .join('\n');
  }
  return '';
}

function addTools(body: Json, request: Json): void {
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    request.tools = (body.tools as Json[]).map((tool) => {
      const fn = (tool.function ?? {}) as Json;
      const out: Json = { name: fn.name, input_schema: fn.parameters ?? { type: 'object', properties: {} } };
      if (fn.description !== undefined) out.description = fn.description;
      return out;
    });
  }
  let choice: Json | undefined;
  const toolChoice = body.tool_choice;
  if (toolChoice === 'auto') choice = { type: 'auto' };
  else if (toolChoice === 'required') choice = { type: 'any' };
  else if (toolChoice === 'none') choice = { type: 'none' };
  else if (toolChoice && typeof toolChoice === 'object') {
    choice = { type: 'tool', name: ((toolChoice as Json).function as Json | undefined)?.name };
  }
  if (body.parallel_tool_calls === false && request.tools) {
    choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  if (choice) request.tool_choice = choice;
}

const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Anthropic's `stop_reason` as OpenAI's `finish_reason`. */
export function finishReasonOf(stopReason: unknown): string {
  return (typeof stopReason === 'string' && FINISH_REASONS[stopReason]) || 'stop';
}

/**
 * An Anthropic message as an OpenAI chat completion: text blocks joined into `content`,
 * `tool_use` blocks as `tool_calls` (arguments as JSON text), `thinking` as
 * `reasoning_content`, stop_reason → finish_reason, usage in OpenAI's terms.
 */
export function anthropicToChatResponse(message: Json): { body: Json; usage: Usage | undefined } {
  let text = '';
  let reasoning = '';
  const toolCalls: Json[] = [];
  for (const block of (message.content ?? []) as Json[]) {
    if (block.type === 'text') text += block.text as string;
    else if (block.type === 'thinking') reasoning += block.thinking as string;
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const reply: Json = { role: 'assistant', content: text.length > 0 ? text : null };
  if (toolCalls.length > 0) reply.tool_calls = toolCalls;
  if (reasoning.length > 0) reply.reasoning_content = reasoning;
  const usage = usageFromAnthropic(message.usage);
  const body: Json = {
    id: message.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [
      { index: 0, message: reply, finish_reason: finishReasonOf(message.stop_reason), logprobs: null },
    ],
  };
  if (usage) body.usage = openAIUsageJson(usage);
  return { body, usage };
}
