import { StringDecoder } from 'node:string_decoder';
import { Agent, type Dispatcher } from 'undici';
import type { CallOptions } from './provider';
import { SseParser, type ParsedSseEvent } from './sse-parser';
import { errorFromNetwork, errorFromResponse, type UpstreamLabel } from './upstream-errors';

export type UpstreamBody = Dispatcher.ResponseData['body'];

/** One upstream call: where, with which headers, and whose key to mask in errors. */
export interface UpstreamCall {
  label: UpstreamLabel;
  url: string;
  headers: Record<string, string>;
  body: string;
  apiKey: string | undefined;
  stream: boolean;
}

interface Target {
  origin: string;
  path: string;
}

const MAX_CACHED_TARGETS = 1024;

/**
 * The gateway's one HTTP client for upstreams: a keep-alive undici Agent (a pool per origin)
 * shared by every adapter, undici's `request` API (no fetch/WHATWG streams on the hot path),
 * per-request deadlines and the client's abort signal. A non-2xx answer or a network failure
 * becomes an UpstreamError here, so adapters only see success.
 */
export class UpstreamHttp {
  private readonly agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    connections: 512,
    connect: { timeout: 10_000 },
  });
  private readonly targets = new Map<string, Target>();

  /** Sends a POST and returns the body of a 2xx answer (the caller reads or streams it). */
  async post(call: UpstreamCall, options: CallOptions): Promise<UpstreamBody> {
    const { origin, path } = this.target(call.url);
    let response: Dispatcher.ResponseData;
    try {
      response = await this.agent.request({
        origin,
        path,
        method: 'POST',
        headers: call.headers,
        body: call.body,
        signal: options.signal,
        // headersTimeout is the request's deadline; bodyTimeout the gap allowed between chunks.
        headersTimeout: options.timeoutMs,
        bodyTimeout: call.stream ? (options.streamTimeoutMs ?? options.timeoutMs) : options.timeoutMs,
      });
    } catch (error) {
      throw errorFromNetwork(call.label, error, options.timeoutMs);
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return response.body;
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw errorFromNetwork(call.label, error, options.timeoutMs);
    }
    throw errorFromResponse(call.label, response.statusCode, text, call.apiKey);
  }

  /** POST and parse the JSON answer. */
  async postJson(call: UpstreamCall, options: CallOptions): Promise<unknown> {
    const body = await this.post(call, options);
    let text: string;
    try {
      text = await body.text();
    } catch (error) {
      throw errorFromNetwork(call.label, error, options.timeoutMs);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw errorFromResponse(call.label, 502, text, call.apiKey);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private target(url: string): Target {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: parsed.pathname + parsed.search };
      if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }
}

/**
 * The events of an SSE body as they arrive. Read errors (idle timeout, reset, client abort)
 * surface as UpstreamErrors; leaving the loop early (client gone) destroys the body, which
 * closes the upstream connection instead of reading a stream nobody wants.
 */
export async function* readSse(
  body: UpstreamBody,
  label: UpstreamLabel,
  options: CallOptions,
): AsyncGenerator<ParsedSseEvent> {
  const parser = new SseParser();
  // A decoder, not setEncoding: undici's body yields Buffers to async iteration regardless, and
  // a multi-byte character may be split across two of them.
  const decoder = new StringDecoder('utf8');
  let finished = false;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      for (const event of parser.push(decoder.write(chunk))) yield event;
    }
    finished = true;
    for (const event of parser.push(decoder.end())) yield event;
    for (const event of parser.end()) yield event;
  } catch (error) {
    throw errorFromNetwork(label, error, options.streamTimeoutMs ?? options.timeoutMs);
  } finally {
    if (!finished) body.destroy();
  }
}
