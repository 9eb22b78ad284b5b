import type { Deployment } from '../deployments/deployment';

/**
 * Token counts of one call, in OpenAI's terms whatever the upstream spoke: `promptTokens`
 * includes the cache reads and writes (Anthropic's `input_tokens` does not; the adapter adds them).
 */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

/** One server-sent event as the client will receive it (`event:` line optional; `data:` text as is). */
export interface SseEvent {
  event?: string;
  data: string;
  /**
   * The event that ends the stream for the client (`[DONE]`, Anthropic's `message_stop`): the
   * gateway holds it until the request's spend-log row is durable, then sends it.
   */
  terminal?: boolean;
}

export interface UpstreamJson {
  kind: 'json';
  status: number;
  body: unknown;
  usage: Usage | undefined;
}

export interface UpstreamStream {
  kind: 'stream';
  /** Events in the client's format, yielded as they arrive upstream. */
  events: AsyncIterable<SseEvent>;
  /** Usage once the stream has ended: from the upstream's final chunk, else undefined (the gateway counts). */
  usage(): Usage | undefined;
  /**
   * The text the client received so far (content and tool-call arguments), for counting with
   * `estimateUsage` (providers/token-count.ts) when `usage()` is undefined.
   */
  completionText?(): string;
}

export type UpstreamResult = UpstreamJson | UpstreamStream;

/** What the router may do after an upstream failure. */
export type FailureKind = 'connect' | 'timeout' | 'rate_limited' | 'server' | 'client';

/**
 * An upstream answered with an error or could not be reached. `status` and `body` are what the
 * client gets, in LiteLLM's envelope; never include the upstream's key or full URL with secrets.
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly status: number,
    message: string,
    readonly type: string,
    readonly upstreamBody?: unknown,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }

  /** Connect errors, timeouts, 429 and 5xx may be retried on another deployment. */
  get retryable(): boolean {
    return this.kind !== 'client';
  }
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  /** Idle time allowed between stream chunks. */
  streamTimeoutMs?: number;
  /** Drop parameters the upstream does not support instead of failing (LiteLLM's drop_params). */
  dropParams?: boolean;
  /**
   * Client headers to pass on to an upstream that speaks the client's format: the `anthropic-*`
   * headers of a /v1/messages call (`anthropic-beta` turns on beta features). Never credentials.
   */
  clientHeaders?: Record<string, string>;
}

/**
 * The three formats a client may send, each to any provider: the adapter passes its own format
 * through and translates the others. Bodies are the client's JSON with `model` already set to the
 * deployment's upstream model; `stream` in the body decides JSON vs SSE.
 */
export interface ProviderAdapter {
  /** OpenAI chat completions in and out (Anthropic: translated to/from the Messages API). */
  chat(deployment: Deployment, body: Record<string, unknown>, options: CallOptions): Promise<UpstreamResult>;
  /** OpenAI embeddings (openai/azure only; others throw a 400 UpstreamError). */
  embeddings(
    deployment: Deployment,
    body: Record<string, unknown>,
    options: CallOptions,
  ): Promise<UpstreamJson>;
  /** OpenAI Responses API, passed through (openai/azure only). */
  responses(
    deployment: Deployment,
    body: Record<string, unknown>,
    options: CallOptions,
  ): Promise<UpstreamResult>;
  /** Anthropic Messages in and out (Anthropic: passed through; others: translated to/from chat). */
  messages(
    deployment: Deployment,
    body: Record<string, unknown>,
    options: CallOptions,
  ): Promise<UpstreamResult>;
}
