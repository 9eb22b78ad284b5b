import type { SseEvent, UpstreamStream, Usage } from '../provider';
import type { ParsedSseEvent } from '../sse-parser';
import { anthropicUsageJson, usageFromOpenAI } from '../usage';
import { anthropicMessageId, stopReasonOf } from './anthropic-to-chat';

type Json = Record<string, unknown>;

interface ChunkToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/**
 * An OpenAI chat-completions stream as an Anthropic Messages stream, so Anthropic clients can use
 * OpenAI deployments: `message_start` on the first chunk, a `text` block for content, a
 * `tool_use` block per tool call (arguments as `input_json_delta`), each block closed with
 * `content_block_stop` when the next one opens, then `message_delta` with the stop reason and the
 * usage (from the upstream's usage chunk) and `message_stop` as the terminal event.
 */
export class ChatStreamToAnthropic implements UpstreamStream {
  readonly kind = 'stream';
  readonly events: AsyncIterable<SseEvent>;
  private readonly id = anthropicMessageId();
  private started = false;
  /** Index of the open content block, -1 when none is open. */
  private openBlock = -1;
  private blockCount = 0;
  private openKind: 'text' | number | undefined; // 'text', or the OpenAI tool call index
  private stopReason = 'end_turn';
  private upstreamUsage: Usage | undefined;
  private text = '';

  constructor(
    source: AsyncIterable<ParsedSseEvent>,
    private readonly model: unknown,
  ) {
    this.events = this.run(source);
  }

  usage(): Usage | undefined {
    return this.upstreamUsage;
  }

  completionText(): string {
    return this.text;
  }

  private async *run(source: AsyncIterable<ParsedSseEvent>): AsyncGenerator<SseEvent> {
    let ended = false;
    for await (const { data } of source) {
      // After [DONE], read on to the end of the body so the connection goes back to the pool.
      if (ended || data === '[DONE]') {
        ended = true;
        continue;
      }
      const chunk = parse(data);
      if (!this.started) {
        this.started = true;
        yield this.messageStart(chunk);
      }
      this.upstreamUsage = usageFromOpenAI(chunk.usage) ?? this.upstreamUsage;
      const choice = ((chunk.choices ?? []) as Json[])[0];
      if (!choice) continue;
      yield* this.delta((choice.delta ?? {}) as Json);
      if (choice.finish_reason) this.stopReason = stopReasonOf(choice.finish_reason);
    }
    if (!this.started) yield this.messageStart({});
    if (this.openBlock >= 0)
      yield event('content_block_stop', { type: 'content_block_stop', index: this.openBlock });
    const usage = this.upstreamUsage
      ? anthropicUsageJson(this.upstreamUsage)
      : { input_tokens: 0, output_tokens: 0 };
    yield event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: this.stopReason, stop_sequence: null },
      usage,
    });
    yield { ...event('message_stop', { type: 'message_stop' }), terminal: true };
  }

  private *delta(delta: Json): Generator<SseEvent> {
    if (typeof delta.content === 'string' && delta.content.length > 0) {
      if (this.openKind !== 'text') yield* this.openBlockOf('text', { type: 'text', text: '' });
      this.text += delta.content;
      yield this.blockDelta({ type: 'text_delta', text: delta.content });
    }
    for (const call of (delta.tool_calls ?? []) as ChunkToolCall[]) {
      const index = call.index ?? 0;
      if (this.openKind !== index) {
        const block = { type: 'tool_use', id: call.id ?? '', name: call.function?.name ?? '', input: {} };
        yield* this.openBlockOf(index, block);
      }
      const fragment = call.function?.arguments;
      if (fragment) {
        this.text += fragment;
        yield this.blockDelta({ type: 'input_json_delta', partial_json: fragment });
      }
    }
  }

  private *openBlockOf(kind: 'text' | number, block: Json): Generator<SseEvent> {
    if (this.openBlock >= 0)
      yield event('content_block_stop', { type: 'content_block_stop', index: this.openBlock });
    this.openBlock = this.blockCount++;
    this.openKind = kind;
    yield event('content_block_start', {
      type: 'content_block_start',
      index: this.openBlock,
      content_block: block,
    });
  }

  private blockDelta(delta: Json): SseEvent {
    return event('content_block_delta', { type: 'content_block_delta', index: this.openBlock, delta });
  }

  private messageStart(chunk: Json): SseEvent {
    return event('message_start', {
      type: 'message_start',
      message: {
        id: this.id,
        type: 'message',
        role: 'assistant',
        model: chunk.model ?? this.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  }
}

function event(name: string, payload: Json): SseEvent {
  return { event: name, data: JSON.stringify(payload) };
}

function parse(data: string): Json {
  try {
    const value = JSON.parse(data) as unknown;
    return value && typeof value === 'object' ? (value as Json) : {};
  } catch {
    return {};
  }
}
