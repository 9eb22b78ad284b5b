/** One event read off an upstream's `text/event-stream` body. */
export interface ParsedSseEvent {
  /** The `event:` field, when the upstream named the event (Anthropic, Responses API). */
  event?: string;
  /** The `data:` lines joined with `\n`, as the SSE spec says. */
  data: string;
}

/**
 * An incremental server-sent-events parser (WHATWG rules, minus `id`/`retry`, which no LLM
 * upstream uses): feed it decoded text as it arrives, in chunks cut anywhere, and it returns the
 * events completed so far. Lines end with `\n`, `\r\n` or `\r`; `:` lines are comments; an event
 * without `data:` lines is dropped; a `\r` at the end of a chunk waits for the next chunk to tell
 * `\r\n` from a lone `\r`.
 */
export class SseParser {
  private buffer = '';
  private dataLines: string[] = [];
  private eventName: string | undefined;

  /** Returns the events a chunk completes (often one, sometimes none or several). */
  push(chunk: string): ParsedSseEvent[] {
    const text = this.buffer.length > 0 ? this.buffer + chunk : chunk;
    const events: ParsedSseEvent[] = [];
    const hasCr = text.includes('\r');
    let start = 0;
    for (;;) {
      const lineEnd = hasCr ? nextLineEnd(text, start) : text.indexOf('\n', start);
      if (lineEnd < 0) break;
      const char = text.charCodeAt(lineEnd);
      if (char === CR && lineEnd + 1 === text.length) break; // maybe the first half of \r\n
      this.line(text.slice(start, lineEnd), events);
      start = lineEnd + (char === CR && text.charCodeAt(lineEnd + 1) === LF ? 2 : 1);
    }
    this.buffer = start === 0 ? text : text.slice(start);
    return events;
  }

  /** At end of body: a last event the upstream did not close with a blank line still counts. */
  end(): ParsedSseEvent[] {
    const events: ParsedSseEvent[] = [];
    if (this.buffer.length > 0) {
      const rest = this.buffer.endsWith('\r') ? this.buffer.slice(0, -1) : this.buffer;
      this.buffer = '';
      this.line(rest, events);
    }
    this.dispatch(events);
    return events;
  }

  private line(line: string, events: ParsedSseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === COLON) return; // comment, e.g. `: OPENROUTER PROCESSING`
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === SPACE) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
  }

  private dispatch(events: ParsedSseEvent[]): void {
    if (this.dataLines.length > 0) {
      const data = this.dataLines.length === 1 ? this.dataLines[0] : this.dataLines.join('\n');
      events.push(this.eventName === undefined ? { data } : { event: this.eventName, data });
    }
    this.dataLines = [];
    this.eventName = undefined;
  }
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

function nextLineEnd(text: string, from: number): number {
  const lf = text.indexOf('\n', from);
  const cr = text.indexOf('\r', from);
  if (lf < 0) return cr;
  return cr < 0 || lf < cr ? lf : cr;
}
