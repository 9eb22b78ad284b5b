import { randomUUID } from 'node:crypto';
import type { Usage } from '../provider';
import { anthropicUsageJson, usageFromOpenAI } from '../usage';

type Json = Record<string, unknown>;

/**
 * An Anthropic Messages request as an OpenAI chat-completions request, for an OpenAI or Azure
 * deployment: `system` → a system message, `tool_result` blocks → `tool` messages (placed first,
 * right after the assistant turn that called them), `tool_use` blocks → `tool_calls`, images →
 * `image_url` parts, `stop_sequences` → `stop`, tools and tool_choice in OpenAI's shape. `top_k`
 * and thinking have no OpenAI equivalent and are left out.
 */
export function anthropicToChatRequest(body: Json): Json {
  const messages: Json[] = [];
  const system = textOf(body.system);
  if (system.length > 0) messages.push({ role: 'system', content: system });
  for (const message of (body.messages ?? []) as Json[]) {
    if (message.role === 'assistant') messages.push(assistantMessage(message.content));
    else messages.push(...userMessages(message.content));
  }
  const request: Json = { model: body.model, messages };
  if (body.max_tokens !== undefined) request.max_tokens = body.max_tokens;
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.top_p = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0)
    request.stop = body.stop_sequences;
  if (body.stream === true) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  const userId = (body.metadata as Json | undefined)?.user_id;
  if (typeof userId === 'string') request.user = userId;
  addTools(body, request);
  return request;
}

function userMessages(content: unknown): Json[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const toolMessages: Json[] = [];
  const parts: Json[] = [];
  for (const block of (content ?? []) as Json[]) {
    if (block.type === 'tool_result') {
      toolMessages.push({ role: 'tool', tool_call_id: block.tool_use_id, content: textOf(block.content) });
    } else if (block.type === 'text') {
      parts.push({ type: 'text', text: block.text });
    } else if (block.type === 'image') {
      parts.push({ type: 'image_url', image_url: { url: imageUrl((block.source ?? {}) as Json) } });
    }
  }
  if (parts.length > 0) toolMessages.push({ role: 'user', content: parts });
  return toolMessages;
}

function imageUrl(source: Json): string {
  if (source.type === 'base64') return `data:${String(source.media_type)};base64,${String(source.data)}`;
  return String(source.url ?? '');
}

function assistantMessage(content: unknown): Json {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  const toolCalls: Json[] = [];
  for (const block of (content ?? []) as Json[]) {
    if (block.type === 'text') text += block.text as string;
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const message: Json = { role: 'assistant', content: text.length > 0 ? text : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as Json[])
    .map((block) => (block?.type === 'text' && typeof block.text === 'string' ? block.text : ''))
    .filter((text) => text.length > 0)
    .join('\n');
}

function addTools(body: Json, request: Json): void {
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    request.tools = (body.tools as Json[]).map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.input_schema ?? { type: 'object', properties: {} },
      },
    }));
  }
  const choice = body.tool_choice as Json | undefined;
  if (!choice) return;
  if (choice.type === 'auto') request.tool_choice = 'auto';
  else if (choice.type === 'any') request.tool_choice = 'required';
  else if (choice.type === 'none') request.tool_choice = 'none';
  else if (choice.type === 'tool')
    request.tool_choice = { type: 'function', function: { name: choice.name } };
  if (choice.disable_parallel_tool_use === true && request.tools) request.parallel_tool_calls = false;
}

const STOP_REASONS: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/** OpenAI's `finish_reason` as Anthropic's `stop_reason`. */
export function stopReasonOf(finishReason: unknown): string {
  return (typeof finishReason === 'string' && STOP_REASONS[finishReason]) || 'end_turn';
}

export function anthropicMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

/** An OpenAI chat completion as an Anthropic message (text and `tool_use` blocks, usage). */
export function chatToAnthropicResponse(
  completion: Json,
  model: unknown,
): { body: Json; usage: Usage | undefined } {
  const choice = ((completion.choices ?? []) as Json[])[0] ?? {};
  const message = (choice.message ?? {}) as Json;
  const content: Json[] = [];
  if (typeof message.content === 'string' && message.content.length > 0) {
    content.push({ type: 'text', text: message.content });
  }
  for (const call of (message.tool_calls ?? []) as Json[]) {
    const fn = (call.function ?? {}) as Json;
    content.push({ type: 'tool_use', id: call.id, name: fn.name, input: parseArguments(fn.arguments) });
  }
  const usage = usageFromOpenAI(completion.usage);
  const body: Json = {
    id: anthropicMessageId(),
    type: 'message',
    role: 'assistant',
    model: completion.model ?? model,
    content,
    stop_reason: stopReasonOf(choice.finish_reason),
    stop_sequence: null,
    usage: usage ? anthropicUsageJson(usage) : { input_tokens: 0, output_tokens: 0 },
  };
  return { body, usage };
}

export function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string' || args.length === 0) return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return {};
  }
}
