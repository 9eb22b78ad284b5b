import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';

/** One tool of a fake upstream: its name and what it answers (text) for the call's arguments. */
export interface FakeTool {
  name: string;
  description?: string;
  answer?: (args: Record<string, unknown>) => string;
  /** The call fails with this JSON-RPC error instead of answering (a protocol error, not `isError`). */
  rpcError?: { code: number; message: string };
}

export interface McpUpstreamRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The JSON-RPC method of the POST body (undefined for GET/DELETE). */
  rpc: string | undefined;
}

export interface FakeMcpUpstream {
  url: string;
  requests: McpUpstreamRequest[];
  /** JSON-RPC methods received, in order (`initialize`, `tools/list`, `tools/call`, ...). */
  rpcs(): (string | undefined)[];
  /** Stateful servers only: drops every session, as a restarted upstream would (old ids get 404). */
  forgetSessions(): void;
  close(): Promise<void>;
}

export interface FakeMcpOptions {
  tools: FakeTool[];
  /**
   * When set, a request without `Authorization: Bearer <token>` gets the stub's own 401 with
   * `WWW-Authenticate: Bearer resource_metadata=…` (an OAuth-protected MCP server). A function is
   * asked on every request (a token that changes, e.g. the one an OAuth stub issued last).
   */
  requireBearer?: string | (() => string | undefined);
  /** When set, requests must carry these headers exactly (else the stub's 401). */
  requireHeaders?: Record<string, string>;
  /** Sessions (`mcp-session-id`), as most real servers: a request of an unknown session is 404. */
  stateful?: boolean;
  /** Answers on an SSE stream (the SDK server's default) rather than as a JSON body. */
  sseAnswers?: boolean;
  /** Listens on this port (an upstream restarted where the gateway knew it); default: any free one. */
  port?: number;
}

/** The body of the stub's own 401: tests tell it from the gateway's LiteLLM envelope by `from`. */
export const STUB_401_BODY = { error: 'invalid_token', from: 'mcp-stub' };

/**
 * An upstream MCP server built with the official SDK (`Server` + `StreamableHTTPServerTransport`,
 * stateless: a fresh server and transport per HTTP request, JSON answers) on 127.0.0.1, port 0.
 * The low-level `Server` is used rather than `McpServer` so tool schemas are plain JSON Schema (no
 * zod in the test's dependencies). Records every request it gets.
 */
export async function startMcpUpstream(opts: FakeMcpOptions): Promise<FakeMcpUpstream> {
  const requests: McpUpstreamRequest[] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let url = '';
  const http = createServer((req, res) => {
    void readJson(req).then(async (body) => {
      requests.push({ method: req.method ?? '', headers: req.headers, rpc: rpcMethod(body) });
      if (!authorised(req, opts)) return refuse(res, url);
      if (opts.stateful) return serveSession(opts.tools, sessions, req, res, body);
      await serveMcp(opts.tools, req, res, body, !opts.sseAnswers);
    });
  });
  await new Promise<void>((resolve) => http.listen(opts.port ?? 0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  return {
    url,
    requests,
    rpcs: () => requests.map((r) => r.rpc),
    forgetSessions: () => sessions.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/**
 * An upstream on the SDK's older SSE transport (`transport: sse`): `GET /sse` opens the event
 * stream, whose first event names `POST /messages?sessionId=…` for the client's messages.
 */
export async function startMcpSseUpstream(opts: FakeMcpOptions): Promise<FakeMcpUpstream> {
  const requests: McpUpstreamRequest[] = [];
  const sessions = new Map<string, SSEServerTransport>();
  const http = createServer((req, res) => {
    void readJson(req).then(async (body) => {
      requests.push({ method: req.method ?? '', headers: req.headers, rpc: rpcMethod(body) });
      const path = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'GET' && path.pathname === '/sse') {
        const transport = new SSEServerTransport('/messages', res);
        sessions.set(transport.sessionId, transport);
        res.on('close', () => sessions.delete(transport.sessionId));
        await toolServer(opts.tools).connect(transport);
        return;
      }
      const transport = sessions.get(path.searchParams.get('sessionId') ?? '');
      if (!transport) return void res.writeHead(404).end();
      await transport.handlePostMessage(req, res, body);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/sse`,
    requests,
    rpcs: () => requests.map((r) => r.rpc),
    forgetSessions: () => sessions.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

function authorised(req: IncomingMessage, opts: FakeMcpOptions): boolean {
  const bearer = typeof opts.requireBearer === 'function' ? opts.requireBearer() : opts.requireBearer;
  if (opts.requireBearer && (!bearer || req.headers.authorization !== `Bearer ${bearer}`)) return false;
  for (const [name, value] of Object.entries(opts.requireHeaders ?? {})) {
    if (req.headers[name.toLowerCase()] !== value) return false;
  }
  return true;
}

function refuse(res: ServerResponse, url: string) {
  const metadata = new URL('/.well-known/oauth-protected-resource', url).toString();
  res.writeHead(401, {
    'content-type': 'application/json',
    'www-authenticate': `Bearer resource_metadata="${metadata}"`,
  });
  res.end(JSON.stringify(STUB_401_BODY));
}

/** The SDK's stateful mode: `initialize` opens a session; other requests must name a live one. */
async function serveSession(
  tools: FakeTool[],
  sessions: Map<string, StreamableHTTPServerTransport>,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
) {
  const id = req.headers['mcp-session-id'];
  const known = typeof id === 'string' ? sessions.get(id) : undefined;
  if (known) return known.handleRequest(req, res, body);
  if (rpcMethod(body) !== 'initialize') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }),
    );
    return;
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    enableJsonResponse: true,
    onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
  });
  await toolServer(tools).connect(transport);
  await transport.handleRequest(req, res, body);
}

function toolServer(tools: FakeTool[]): Server {
  const server = new Server({ name: 'fake-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((t) => ({
      name: t.name,
      description: t.description ?? `${t.name} tool`,
      inputSchema: { type: 'object' as const, properties: {} },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const tool = tools.find((t) => t.name === request.params.name);
    if (!tool) return { content: [{ type: 'text', text: `no tool ${request.params.name}` }], isError: true };
    if (tool.rpcError) throw new McpError(tool.rpcError.code, tool.rpcError.message);
    const text = tool.answer ? tool.answer(request.params.arguments ?? {}) : `${tool.name} ok`;
    return { content: [{ type: 'text', text }] };
  });
  return server;
}

async function serveMcp(
  tools: FakeTool[],
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  enableJsonResponse: boolean,
) {
  const server = toolServer(tools);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function rpcMethod(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'method' in body)
    return String((body as { method: unknown }).method);
  return undefined;
}
