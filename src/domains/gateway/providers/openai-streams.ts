import type { SseEvent, UpstreamStream, Usage } from './provider';
import type { ParsedSseEvent } from './sse-parser';
import { usageFromOpenAI, usageFromResponses } from './usage';

const DONE: SseEvent = { data: '[DONE]', terminal: true };
/** A chunk carrying usage: `"usage": {` (as opposed to the `"usage": null` OpenAI puts on others). */
const HAS_USAGE = /"usage"\s*:\s*\{/;

/**
 * An OpenAI chat-completions stream passed through: each upstream `data:` text goes to the client
 * unchanged (no parse, no re-serialisation) except the one chunk with usage, which is parsed for
 * spend. The adapter asks every upstream for usage; when the client did not ask, the usage-only
 * chunk (`choices: []`) is read and not forwarded: a client that did not ask for it may index
 * `choices[0]` on every chunk, as OpenAI's own stream without `include_usage` allows. `[DONE]` is
 * the terminal event, added if the upstream ended without one.
 */
export class OpenAIChatStream implements UpstreamStream {
  readonly kind = 'stream';
  readonly events: AsyncIterable<SseEvent>;
  private upstreamUsage: Usage | undefined;
  /** `data:` texts kept unparsed, read only if the upstream never reports usage. */
  private readonly chunks: string[] = [];

  constructor(
    source: AsyncIterable<ParsedSseEvent>,
    private readonly forwardUsage: boolean,
  ) {
    this.events = this.run(source);
  }

  usage(): Usage | undefined {
    return this.upstreamUsage;
  }

  /** The text and tool-call arguments the client received, for counting when usage is missing. */
  completionText(): string {
    let text = '';
    for (const data of this.chunks) {
      const choices = (parseChunk(data)?.choices ?? []) as ChunkChoice[];
      for (const choice of choices) text += deltaText(choice.delta);
    }
    return text;
  }

  private async *run(source: AsyncIterable<ParsedSseEvent>): AsyncGenerator<SseEvent> {
    let ended = false;
    for await (const { data } of source) {
      if (ended) continue; // read to the end: an undrained body cannot go back to the pool
      if (data === '[DONE]') {
        ended = true;
        yield DONE;
        continue;
      }
      if (HAS_USAGE.test(data)) {
        const chunk = parseChunk(data);
        this.upstreamUsage = usageFromOpenAI(chunk?.usage) ?? this.upstreamUsage;
        const usageOnly = Array.isArray(chunk?.choices) && chunk.choices.length === 0;
        if (usageOnly && !this.forwardUsage) continue;
      }
      if (this.upstreamUsage === undefined) this.chunks.push(data);
      yield { data };
    }
    if (!ended) yield DONE;
  }
}

interface ChunkChoice {
  delta?: { content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] };
}

function deltaText(delta: ChunkChoice['delta']): string {
  if (!delta) return '';
  let text = typeof delta.content === 'string' ? delta.content : '';
  for (const call of delta.tool_calls ?? []) {
    if (typeof call.function?.arguments === 'string') text += call.function.arguments;
  }
  return text;
}

function parseChunk(data: string): { choices?: unknown[]; usage?: unknown } | undefined {
  try {
    return JSON.parse(data) as { choices?: unknown[]; usage?: unknown };
  } catch {
    return undefined;
  }
}

const RESPONSE_ENDS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * An OpenAI Responses API stream passed through (`event:` names and `data:` texts unchanged). The
 * event that ends the response (`response.completed`, `.incomplete` or `.failed`) carries the usage
 * and is the terminal event; the Responses API sends no `[DONE]`.
 */
export class ResponsesStream implements UpstreamStream {
  readonly kind = 'stream';
  readonly events: AsyncIterable<SseEvent>;
  private upstreamUsage: Usage | undefined;
  private readonly textDeltas: string[] = [];

  constructor(source: AsyncIterable<ParsedSseEvent>) {
    this.events = this.run(source);
  }

  usage(): Usage | undefined {
    return this.upstreamUsage;
  }

  completionText(): string {
    let text = '';
    for (const data of this.textDeltas) {
      const delta = (parseChunk(data) as { delta?: unknown } | undefined)?.delta;
      if (typeof delta === 'string') text += delta;
    }
    return text;
  }

  private async *run(source: AsyncIterable<ParsedSseEvent>): AsyncGenerator<SseEvent> {
    let ended = false;
    for await (const { event, data } of source) {
      if (ended) continue; // read to the end so the connection is reused
      const name = event ?? typeOf(data);
      if (name !== undefined && RESPONSE_ENDS.has(name)) {
        const response = (parseChunk(data) as { response?: { usage?: unknown } } | undefined)?.response;
        this.upstreamUsage = usageFromResponses(response?.usage);
        ended = true;
        yield { event, data, terminal: true };
        continue;
      }
      if (name === 'response.output_text.delta') this.textDeltas.push(data);
      yield event === undefined ? { data } : { event, data };
    }
  }
}

/** The `type` of a Responses event sent without an `event:` line (some proxies drop it). */
function typeOf(data: string): string | undefined {
  const match = /"type"\s*:\s*"([^"]+)"/.exec(data);
  return match?.[1];
}
