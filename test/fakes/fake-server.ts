import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How a fake upstream answers the next requests. `fail500`/`fail429`/`fail400` answer with the
 * provider's error body; `slow` waits before answering; `hangStream` sends the first event of a
 * stream (or nothing, for a JSON call) and then never another byte; `ok` is the default.
 */
export type Behaviour = 'ok' | 'fail500' | 'fail429' | 'fail400' | 'hangStream' | { slow: number };

export interface RecordedRequest {
  method: string;
  /** Path with the query string, e.g. `/openai/deployments/gpt/chat/completions?api-version=...`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when empty or not JSON). */
  body: any;
}

export interface FakeUpstream {
  /** Base URL to configure as the deployment's `api_base`. */
  url: string;
  /** Every request received, oldest first (empty in bench mode). */
  requests: RecordedRequest[];
  /** Sets the behaviour for all following requests, or for the next `times` ones only. */
  setBehaviour(behaviour: Behaviour, options?: { times?: number }): void;
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connectionCount(): number;
  close(): Promise<void>;
}

/** What a route handler gets: the request, its parsed body, and helpers to answer. */
export interface FakeExchange {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: URLSearchParams;
  body: any;
  /** The raw body text (bench mode parses nothing). */
  raw: string;
  behaviour: Behaviour;
  /** Resolves after `ms`, or never if the server closes first. */
  sleep(ms: number): Promise<void>;
}

export type FakeHandler = (exchange: FakeExchange) => void | Promise<void>;

interface ServerOptions {
  /** Do not record requests or parse bodies: for benchmarks. */
  bench?: boolean;
  /** Prefix of `url` (e.g. `/v1` for OpenAI, so `url` works as `api_base`). */
  basePath?: string;
}

/** An HTTP server on 127.0.0.1, port 0, that records requests and applies behaviours. */
export async function startFakeServer(handler: FakeHandler, options: ServerOptions): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let behaviour: Behaviour = 'ok';
  let remaining = Infinity;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
      const current = behaviour;
      if (--remaining <= 0) {
        behaviour = 'ok';
        remaining = Infinity;
      }
      const exchange = makeExchange(req, res, raw, current, options.bench === true, timers);
      if (!options.bench) {
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: exchange.body,
        });
      }
      Promise.resolve(handler(exchange)).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `fake upstream bug: ${error.message}` } }));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${options.basePath ?? ''}`,
    requests,
    setBehaviour(next, opts) {
      behaviour = next;
      remaining = opts?.times ?? Infinity;
    },
    connectionCount: () => connections,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function makeExchange(
  req: IncomingMessage,
  res: ServerResponse,
  raw: string,
  behaviour: Behaviour,
  bench: boolean,
  timers: Set<NodeJS.Timeout>,
): FakeExchange {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  return {
    req,
    res,
    path: queryAt < 0 ? url : url.slice(0, queryAt),
    query: new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1)),
    body: bench ? undefined : parseJson(raw),
    raw,
    behaviour,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      }),
  };
}

function parseJson(raw: string): any {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Answers JSON with a status. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Starts an SSE answer. */
export function startSse(res: ServerResponse) {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
}

/** One SSE event: `data: ...` (and `event: ...` when named), as the real upstreams write them. */
export function sseEvent(data: unknown, event?: string): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return event ? `event: ${event}\ndata: ${text}\n\n` : `data: ${text}\n\n`;
}

/** Whitespace-separated words: the fakes' deterministic token count. */
export function wordCount(text: string): number {
  let count = 0;
  for (const word of text.split(/\s+/)) if (word.length > 0) count++;
  return count;
}

/** The text inside a content value (strings, content parts, nested blocks). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(textOf).join(' ');
  if (content && typeof content === 'object') {
    const part = content as Record<string, unknown>;
    if (typeof part.text === 'string') return part.text;
    if (part.content !== undefined) return textOf(part.content);
  }
  return '';
}

/** A port nothing listens on: a URL whose connections are refused. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
