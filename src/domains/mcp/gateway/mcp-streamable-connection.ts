import { StringDecoder } from 'node:string_decoder';
import type { Agent, Dispatcher } from 'undici';
import {
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { ApiError } from '../../../platform/common/errors/api-error';
import { SseParser } from '../../gateway/providers/sse-parser';
import { redactSentHeaders } from '../registry/mcp-redaction';
import { everyTool, type McpConnection } from './mcp-connection';
import {
  UpstreamRefusal,
  UpstreamRpcError,
  UpstreamSessionGone,
  type RpcErrorObject,
} from './mcp-upstream-errors';

/** The MCP SDK's default request timeout, as the SDK client had it. */
const REQUEST_TIMEOUT_MS = 60_000;
/** An upstream's error text is cut to this many characters in our error. */
const MAX_ERROR_TEXT = 500;
const CLIENT_INFO = { name: 'litellm-proxy', version: '1.0.0' };

interface RpcAnswer {
  id?: unknown;
  result?: unknown;
  error?: RpcErrorObject;
}

/**
 * A client session with one upstream MCP server over streamable HTTP, written for the gateway's hot
 * path: the `initialize` handshake once (session id and protocol version kept), then each request is
 * one POST on the shared undici keep-alive pool, its answer read as JSON or as the SSE stream the
 * spec allows, and relayed as the upstream sent it. The SDK's client did the same through fetch, web
 * streams and a schema check of every result the gateway passes on unchanged: a third of the
 * gateway's CPU per tool call (bench/mcp.mjs). Server-to-client requests and notifications on the
 * answer stream are not answered (the gateway offers no client capabilities), and no standalone GET
 * stream is opened. An upstream's errors never carry the headers it was sent (redacted).
 */
export class StreamableHttpConnection implements McpConnection {
  private readonly origin: string;
  private readonly path: string;
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private nextId = 1;

  private constructor(
    private readonly agent: Agent,
    url: URL,
    private readonly server: string,
    private readonly headers: Record<string, string>,
  ) {
    this.origin = url.origin;
    this.path = url.pathname + url.search;
  }

  /** Connects: `initialize`, then `notifications/initialized`. A refusal is thrown as UpstreamRefusal. */
  static async open(
    agent: Agent,
    url: URL,
    server: string,
    headers: Record<string, string>,
  ): Promise<StreamableHttpConnection> {
    const connection = new StreamableHttpConnection(agent, url, server, headers);
    const init = (await connection.request('initialize', {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: CLIENT_INFO,
    })) as { protocolVersion?: unknown };
    const version = init.protocolVersion;
    if (typeof version !== 'string' || !SUPPORTED_PROTOCOL_VERSIONS.includes(version))
      throw new Error(`MCP server ${server} offered an unsupported protocol version: ${String(version)}`);
    connection.protocolVersion = version;
    await connection.notify('notifications/initialized');
    return connection;
  }

  listTools(): Promise<Tool[]> {
    return everyTool(async (cursor) => {
      const page = (await this.request('tools/list', cursor ? { cursor } : undefined)) as {
        tools?: unknown;
        nextCursor?: unknown;
      };
      if (!Array.isArray(page.tools)) throw this.malformed('a tools/list result without tools');
      const nextCursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
      return { tools: page.tools as Tool[], nextCursor };
    });
  }

  async callTool(name: string, args: Record<string, unknown> | undefined): Promise<CallToolResult> {
    return (await this.request('tools/call', { name, arguments: args })) as CallToolResult;
  }

  /** Ends the session upstream (DELETE, as the spec asks); the upstream may not support it. */
  async close(): Promise<void> {
    if (!this.sessionId) return;
    try {
      const response = await this.agent.request({
        origin: this.origin,
        path: this.path,
        method: 'DELETE',
        headers: this.requestHeaders(),
        headersTimeout: 5_000,
        bodyTimeout: 5_000,
      });
      await response.body.dump();
    } catch {
      // Best effort: the upstream expires the session on its own.
    }
  }

  /** One JSON-RPC request: its result, or an UpstreamRpcError with the upstream's error object. */
  private async request(method: string, params: Record<string, unknown> | undefined): Promise<unknown> {
    const id = this.nextId++;
    const response = await this.post({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
    if (method === 'initialize') {
      const session = response.headers['mcp-session-id'];
      if (typeof session === 'string' && session) this.sessionId = session;
    }
    const answer = await this.answerOf(response, id);
    if (answer.error) {
      const { code, message, data } = answer.error;
      throw new UpstreamRpcError(
        {
          code: Number(code),
          message: this.redact(String(message)),
          ...(data === undefined ? {} : { data }),
        },
        this.server,
      );
    }
    if (answer.result === null || typeof answer.result !== 'object')
      throw this.malformed(`an answer to ${method} without a result`);
    return answer.result;
  }

  private async notify(method: string): Promise<void> {
    const response = await this.post({ jsonrpc: '2.0', method });
    await response.body.dump();
  }

  /** POSTs a message; a non-2xx answer is thrown (a refusal relayed, a lost session, else a 502). */
  private async post(message: Record<string, unknown>): Promise<Dispatcher.ResponseData> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.agent.request({
        origin: this.origin,
        path: this.path,
        method: 'POST',
        headers: this.requestHeaders(),
        body: JSON.stringify(message),
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
      });
    } catch (e) {
      throw new ApiError(502, `MCP server ${this.server} unreachable: ${this.redact((e as Error).message)}`);
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) return response;
    const body = await response.body.text().catch(() => '');
    if (status === 401 || status === 403) {
      const challenge = response.headers['www-authenticate'];
      throw new UpstreamRefusal(status, this.redact(body), typeof challenge === 'string' ? challenge : null);
    }
    if (status === 404 && this.sessionId) throw new UpstreamSessionGone(this.server);
    // Its words help whoever reads the error, but an error page may echo what it was sent: redacted.
    const said = this.redact(body.slice(0, MAX_ERROR_TEXT)).trim();
    throw new ApiError(502, `MCP server ${this.server} answered HTTP ${status}${said ? `: ${said}` : ''}`);
  }

  private requestHeaders(): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
    return headers;
  }

  /** The answer with this id: the JSON body (a message or a batch), or the first match on the SSE stream. */
  private async answerOf(response: Dispatcher.ResponseData, id: number): Promise<RpcAnswer> {
    const type = String(response.headers['content-type'] ?? '');
    if (type.includes('text/event-stream')) return this.answerOnStream(response.body, id);
    const text = await response.body.text();
    const answer = findAnswer(parseJson(text), id);
    if (!answer) throw this.malformed('no answer to the request');
    return answer;
  }

  private async answerOnStream(body: Dispatcher.ResponseData['body'], id: number): Promise<RpcAnswer> {
    const parser = new SseParser();
    const decoder = new StringDecoder('utf8');
    // Read without destroying on return: once the answer is in, the rest of the stream is drained in
    // the background (the upstream ends it after the answer), so the connection stays in the pool.
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      for (const event of parser.push(decoder.write(chunk))) {
        if (event.event !== undefined && event.event !== 'message') continue;
        const answer = findAnswer(parseJson(event.data), id);
        if (answer) {
          void body.dump().catch(() => undefined);
          return answer;
        }
      }
    }
    throw this.malformed('the answer stream ended without an answer');
  }

  private malformed(what: string): ApiError {
    return new ApiError(502, `MCP server ${this.server} sent ${what}`);
  }

  private redact(text: string): string {
    return redactSentHeaders(text, this.headers);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The response to `id` in a message or a batch of them (requests and notifications skipped). */
function findAnswer(value: unknown, id: number): RpcAnswer | undefined {
  const messages = Array.isArray(value) ? (value as unknown[]) : [value];
  for (const m of messages) {
    if (m === null || typeof m !== 'object') continue;
    const answer = m as RpcAnswer & { method?: unknown };
    if (answer.method === undefined && answer.id === id && ('result' in answer || 'error' in answer))
      return answer;
  }
  return undefined;
}
