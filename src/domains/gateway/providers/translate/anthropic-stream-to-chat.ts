import { UpstreamError, type SseEvent, type UpstreamStream, type Usage } from '../provider';
import type { ParsedSseEvent } from '../sse-parser';
import { errorFromResponse } from '../upstream-errors';
import { openAIUsageJson, usageFromAnthropic } from '../usage';
import { finishReasonOf } from './chat-to-anthropic';

type Json = Record<string, unknown>;

/**
 * An Anthropic Messages stream as an OpenAI chat-completions stream: `message_start` → a chunk
 * with the assistant role, text deltas → `content`, thinking deltas → `reasoning_content`,
 * `tool_use` blocks → `tool_calls` deltas (id and name first, then argument fragments, one index
 * per tool call), `message_delta` → the chunk with `finish_reason`, `message_stop` → the usage
 * chunk (when the client asked for it) and `[DONE]`. An `error` event mid-stream ends the stream
 * with an UpstreamError.
 */
export class AnthropicToChatStream implements UpstreamStream {
  readonly kind = 'stream';
  readonly events: AsyncIterable<SseEvent>;
  private id = '';
  private model = '';
  private readonly created = Math.floor(Date.now() / 1000);
  private rawUsage: Json = {};
  private sawUsage = false;
  private text = '';
  /** Content block index → tool call index, for the blocks that are tool calls. */
  private readonly toolIndex = new Map<number, number>();

  constructor(
    source: AsyncIterable<ParsedSseEvent>,
    private readonly forwardUsage: boolean,
  ) {
    this.events = this.run(source);
  }

  usage(): Usage | undefined {
    return this.sawUsage ? usageFromAnthropic(this.rawUsage) : undefined;
  }

  completionText(): string {
    return this.text;
  }

  private async *run(source: AsyncIterable<ParsedSseEvent>): AsyncGenerator<SseEvent> {
    let ended = false;
    for await (const { event, data } of source) {
      if (ended) continue; // read to the end so the connection is reused
      const payload = parse(data);
      const type = event ?? (payload.type as string | undefined);
      if (type === 'message_stop') {
        ended = true;
        if (this.forwardUsage && this.sawUsage) yield this.usageChunk();
        yield { data: '[DONE]', terminal: true };
        continue;
      }
      if (type === 'error') throw streamError(payload, data);
      const chunk = this.translate(type, payload);
      if (chunk) yield chunk;
    }
    if (!ended) yield { data: '[DONE]', terminal: true };
  }

  private translate(type: string | undefined, payload: Json): SseEvent | undefined {
    switch (type) {
      case 'message_start': {
        const message = (payload.message ?? {}) as Json;
        this.id = String(message.id ?? '');
        this.model = String(message.model ?? '');
        this.mergeUsage(message.usage);
        return this.chunk({ role: 'assistant', content: '' }, null);
      }
      case 'content_block_start':
        return this.blockStart(payload.index as number, (payload.content_block ?? {}) as Json);
      case 'content_block_delta':
        return this.blockDelta(payload.index as number, (payload.delta ?? {}) as Json);
      case 'message_delta': {
        this.mergeUsage(payload.usage);
        const delta = (payload.delta ?? {}) as Json;
        return this.chunk({}, finishReasonOf(delta.stop_reason));
      }
      default:
        return undefined; // ping, content_block_stop
    }
  }

  private blockStart(index: number, block: Json): SseEvent | undefined {
    if (block.type === 'tool_use') {
      const callIndex = this.toolIndex.size;
      this.toolIndex.set(index, callIndex);
      const call = {
        index: callIndex,
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: '' },
      };
      return this.chunk({ tool_calls: [call] }, null);
    }
    if (block.type === 'text' && typeof block.text === 'string' && block.text.length > 0) {
      this.text += block.text;
      return this.chunk({ content: block.text }, null);
    }
    return undefined;
  }

  private blockDelta(index: number, delta: Json): SseEvent | undefined {
    if (delta.type === 'text_delta') {
      this.text += delta.text as string;
      return this.chunk({ content: delta.text }, null);
    }
    if (delta.type === 'thinking_delta') return this.chunk({ reasoning_content: delta.thinking }, null);
    if (delta.type === 'input_json_delta') {
      const fragment = String(delta.partial_json ?? '');
      this.text += fragment;
      const call = { index: this.toolIndex.get(index) ?? 0, function: { arguments: fragment } };
      return this.chunk({ tool_calls: [call] }, null);
    }
    return undefined;
  }

  /** Anthropic reports input counts in message_start and output (sometimes all) in message_delta. */
  private mergeUsage(raw: unknown): void {
    if (!raw || typeof raw !== 'object') return;
    this.sawUsage = true;
    for (const [key, value] of Object.entries(raw as Json)) {
      if (typeof value === 'number') this.rawUsage[key] = value;
    }
  }

  private chunk(delta: Json, finishReason: string | null): SseEvent {
    return {
      data: JSON.stringify({
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.created,
        model: this.model,
        choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
      }),
    };
  }

  private usageChunk(): SseEvent {
    const usage = usageFromAnthropic(this.rawUsage) as Usage;
    return {
      data: JSON.stringify({
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.created,
        model: this.model,
        choices: [],
        usage: openAIUsageJson(usage),
      }),
    };
  }
}

function parse(data: string): Json {
  try {
    const value = JSON.parse(data) as unknown;
    return value && typeof value === 'object' ? (value as Json) : {};
  } catch {
    return {};
  }
}

/** Anthropic's mid-stream `error` event (e.g. overloaded_error) as the error its status would be. */
function streamError(payload: Json, data: string): UpstreamError {
  const type = ((payload.error ?? {}) as Json).type;
  const status = type === 'overloaded_error' ? 529 : type === 'rate_limit_error' ? 429 : 500;
  return errorFromResponse('AnthropicException', status, data, undefined);
}
