import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import type { McpRequestFacts } from './mcp-admission';

/** A comment line this often keeps proxies from closing an idle stream (the Python SDK pings every 15 s). */
const KEEP_ALIVE_MS = 15_000;

/** One open SSE stream: the facts of the GET that opened it, and how to send a message down it. */
export interface McpSseSession {
  facts: McpRequestFacts;
  send(message: unknown): void;
}

interface Open extends McpSseSession {
  res: Response;
  timer: NodeJS.Timeout;
}

/**
 * The legacy HTTP+SSE transport's sessions (MCP 2024-11-05): `GET /mcp/sse` opens a stream whose
 * first event (`endpoint`) names where to POST messages; answers go down the stream as `message`
 * events. Sessions live in this process only, as in LiteLLM: behind a load balancer, SSE clients
 * need sticky sessions (the POSTs must reach the pod holding the stream; elsewhere they get 404).
 */
@Injectable()
export class McpSseSessions implements OnModuleDestroy {
  private readonly sessions = new Map<string, Open>();

  /** Starts the event stream on `res` and announces `messagesPath?session_id=…`. */
  open(res: Response, facts: McpRequestFacts, messagesPath: string): string {
    const id = randomUUID();
    res.status(200);
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-cache, no-transform');
    res.setHeader('connection', 'keep-alive');
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    res.write(event('endpoint', `${messagesPath}?session_id=${id}`));
    const timer = setInterval(() => res.write(': ping\n\n'), KEEP_ALIVE_MS).unref();
    const send = (message: unknown) => {
      if (!res.writableEnded) res.write(event('message', JSON.stringify(message)));
    };
    this.sessions.set(id, { facts, res, timer, send });
    res.on('close', () => this.drop(id));
    return id;
  }

  get(id: string): McpSseSession | undefined {
    return this.sessions.get(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private drop(id: string) {
    const open = this.sessions.get(id);
    if (!open) return;
    clearInterval(open.timer);
    this.sessions.delete(id);
  }

  /** Open streams would keep the HTTP server from closing: they end with the app. */
  onModuleDestroy() {
    for (const [id, open] of this.sessions) {
      this.drop(id);
      open.res.end();
    }
  }
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}
