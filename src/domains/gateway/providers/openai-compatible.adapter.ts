import type { Deployment } from '../deployments/deployment';
import { OpenAIChatStream, ResponsesStream } from './openai-streams';
import type { CallOptions, ProviderAdapter, UpstreamJson, UpstreamResult } from './provider';
import { ChatStreamToAnthropic } from './translate/chat-stream-to-anthropic';
import { anthropicToChatRequest, chatToAnthropicResponse } from './translate/anthropic-to-chat';
import type { UpstreamLabel } from './upstream-errors';
import { upstreamBody } from './upstream-body';
import { readSse, type UpstreamCall, type UpstreamHttp } from './upstream-http';
import { usageFromOpenAI, usageFromResponses } from './usage';

type Json = Record<string, unknown>;
export type OpenAIEndpoint = 'chat/completions' | 'embeddings' | 'responses';

/**
 * What OpenAI and Azure share: the same bodies, streams and errors; only URLs and the key header
 * differ. The body sent is the client's, with the deployment's `extraParams` as defaults (the
 * client wins) and `model` set to the deployment's upstream model.
 */
export abstract class OpenAICompatibleAdapter implements ProviderAdapter {
  protected abstract readonly label: UpstreamLabel;

  constructor(protected readonly http: UpstreamHttp) {}

  protected abstract urlFor(deployment: Deployment, endpoint: OpenAIEndpoint): string;
  protected abstract headersFor(deployment: Deployment): Record<string, string>;

  async chat(deployment: Deployment, body: Json, options: CallOptions): Promise<UpstreamResult> {
    const request = upstreamBody(deployment, body);
    if (request.stream !== true) {
      const json = (await this.http.postJson(
        this.call(deployment, 'chat/completions', request, false),
        options,
      )) as Json;
      return { kind: 'json', status: 200, body: json, usage: usageFromOpenAI(json.usage) };
    }
    const clientAskedUsage = askedForUsage(request.stream_options);
    if (!clientAskedUsage) {
      request.stream_options = { ...(request.stream_options as Json), include_usage: true };
    }
    const upstream = await this.http.post(this.call(deployment, 'chat/completions', request, true), options);
    return new OpenAIChatStream(readSse(upstream, this.label, options), clientAskedUsage);
  }

  async embeddings(deployment: Deployment, body: Json, options: CallOptions): Promise<UpstreamJson> {
    const request = upstreamBody(deployment, body);
    const json = (await this.http.postJson(
      this.call(deployment, 'embeddings', request, false),
      options,
    )) as Json;
    return { kind: 'json', status: 200, body: json, usage: usageFromOpenAI(json.usage) };
  }

  async responses(deployment: Deployment, body: Json, options: CallOptions): Promise<UpstreamResult> {
    const request = upstreamBody(deployment, body);
    const stream = request.stream === true;
    if (!stream) {
      const json = (await this.http.postJson(
        this.call(deployment, 'responses', request, false),
        options,
      )) as Json;
      return { kind: 'json', status: 200, body: json, usage: usageFromResponses(json.usage) };
    }
    const upstream = await this.http.post(this.call(deployment, 'responses', request, true), options);
    return new ResponsesStream(readSse(upstream, this.label, options));
  }

  /** Anthropic Messages in and out, over the upstream's chat completions. */
  async messages(deployment: Deployment, body: Json, options: CallOptions): Promise<UpstreamResult> {
    const request = anthropicToChatRequest(upstreamBody(deployment, body));
    const stream = request.stream === true;
    const call = this.call(deployment, 'chat/completions', request, stream);
    if (!stream) {
      const json = (await this.http.postJson(call, options)) as Json;
      const { body: message, usage } = chatToAnthropicResponse(json, body.model);
      return { kind: 'json', status: 200, body: message, usage };
    }
    const upstream = await this.http.post(call, options);
    return new ChatStreamToAnthropic(readSse(upstream, this.label, options), request.model);
  }

  private call(deployment: Deployment, endpoint: OpenAIEndpoint, body: Json, stream: boolean): UpstreamCall {
    return {
      label: this.label,
      url: this.urlFor(deployment, endpoint),
      headers: this.headersFor(deployment),
      body: JSON.stringify(body),
      apiKey: deployment.apiKey,
      stream,
    };
  }
}

function askedForUsage(streamOptions: unknown): boolean {
  return (streamOptions as Json | undefined)?.include_usage === true;
}

/** `https://host/v1/` → `https://host/v1` so paths join with one slash. */
export function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
