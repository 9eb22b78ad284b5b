import type { Deployment } from '../deployments/deployment';
import {
  UpstreamError,
  type CallOptions,
  type ProviderAdapter,
  type SseEvent,
  type UpstreamJson,
  type UpstreamResult,
  type UpstreamStream,
  type Usage,
} from './provider';
import type { ParsedSseEvent } from './sse-parser';
import { AnthropicToChatStream } from './translate/anthropic-stream-to-chat';
import { anthropicToChatResponse, chatToAnthropicRequest } from './translate/chat-to-anthropic';
import { upstreamBody } from './upstream-body';
import { readSse, type UpstreamCall, type UpstreamHttp } from './upstream-http';
import { usageFromAnthropic } from './usage';

type Json = Record<string, unknown>;

export const ANTHROPIC_DEFAULT_API_BASE = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Anthropic's Messages API: `/v1/messages` passed through for Anthropic clients, and OpenAI chat
 * completions translated to and from it. Anthropic has no embeddings or Responses API here.
 */
export class AnthropicAdapter implements ProviderAdapter {
  constructor(private readonly http: UpstreamHttp) {}

  async chat(deployment: Deployment, body: Json, options: CallOptions): Promise<UpstreamResult> {
    const request = chatToAnthropicRequest(upstreamBody(deployment, body), options.dropParams === true);
    const stream = request.stream === true;
    const call = this.call(deployment, request, stream);
    if (!stream) {
      const json = (await this.http.postJson(call, options)) as Json;
      const { body: completion, usage } = anthropicToChatResponse(json);
      return { kind: 'json', status: 200, body: completion, usage };
    }
    const upstream = await this.http.post(call, options);
    const forwardUsage = (body.stream_options as Json | undefined)?.include_usage === true;
    return new AnthropicToChatStream(readSse(upstream, 'AnthropicException', options), forwardUsage);
  }

  embeddings(): Promise<UpstreamJson> {
    return Promise.reject(unsupported('embeddings'));
  }

  responses(): Promise<UpstreamResult> {
    return Promise.reject(unsupported('the Responses API'));
  }

  async messages(deployment: Deployment, body: Json, options: CallOptions): Promise<UpstreamResult> {
    const request = upstreamBody(deployment, body);
    const stream = request.stream === true;
    const call = this.call(deployment, request, stream, options.clientHeaders);
    if (!stream) {
      const json = (await this.http.postJson(call, options)) as Json;
      return { kind: 'json', status: 200, body: json, usage: usageFromAnthropic(json.usage) };
    }
    const upstream = await this.http.post(call, options);
    return new AnthropicPassThroughStream(readSse(upstream, 'AnthropicException', options));
  }

  /** `clientHeaders`: the client's `anthropic-*` headers of a pass-through call (its version, betas). */
  private call(
    deployment: Deployment,
    body: Json,
    stream: boolean,
    clientHeaders: Record<string, string> = {},
  ): UpstreamCall {
    const base = deployment.apiBase ?? ANTHROPIC_DEFAULT_API_BASE;
    const headers: Record<string, string> = {
      'anthropic-version': ANTHROPIC_VERSION,
      ...clientHeaders,
      'content-type': 'application/json',
    };
    if (deployment.apiKey) headers['x-api-key'] = deployment.apiKey;
    return {
      label: 'AnthropicException',
      url: `${base.endsWith('/') ? base.slice(0, -1) : base}/v1/messages`,
      headers,
      body: JSON.stringify(body),
      apiKey: deployment.apiKey,
      stream,
    };
  }
}

function unsupported(what: string): UpstreamError {
  return new UpstreamError(
    'client',
    400,
    `litellm.BadRequestError: AnthropicException - anthropic does not support ${what}.`,
    'bad_request_error',
  );
}

/**
 * Anthropic's stream passed through (event names and data unchanged). Only `message_start` and
 * `message_delta` are parsed, for usage; `message_stop` is the terminal event.
 */
class AnthropicPassThroughStream implements UpstreamStream {
  readonly kind = 'stream';
  readonly events: AsyncIterable<SseEvent>;
  private readonly rawUsage: Json = {};
  private sawUsage = false;
  private readonly textDeltas: string[] = [];

  constructor(source: AsyncIterable<ParsedSseEvent>) {
    this.events = this.run(source);
  }

  usage(): Usage | undefined {
    return this.sawUsage ? usageFromAnthropic(this.rawUsage) : undefined;
  }

  completionText(): string {
    let text = '';
    for (const data of this.textDeltas) {
      const delta = (parse(data).delta ?? {}) as Json;
      if (typeof delta.text === 'string') text += delta.text;
      else if (typeof delta.partial_json === 'string') text += delta.partial_json;
    }
    return text;
  }

  private async *run(source: AsyncIterable<ParsedSseEvent>): AsyncGenerator<SseEvent> {
    let ended = false;
    for await (const { event, data } of source) {
      if (ended) continue; // read to the end so the connection is reused
      if (event === 'message_start') this.mergeUsage((parse(data).message as Json | undefined)?.usage);
      else if (event === 'message_delta') this.mergeUsage(parse(data).usage);
      else if (event === 'content_block_delta') this.textDeltas.push(data);
      else if (event === 'message_stop') {
        ended = true;
        yield { event, data, terminal: true };
        continue;
      }
      yield event === undefined ? { data } : { event, data };
    }
  }

  private mergeUsage(raw: unknown): void {
    if (!raw || typeof raw !== 'object') return;
    this.sawUsage = true;
    for (const [key, value] of Object.entries(raw as Json)) {
      if (typeof value === 'number') this.rawUsage[key] = value;
    }
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
