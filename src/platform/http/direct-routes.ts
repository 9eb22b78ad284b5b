import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../auth/auth-context';

/** What a route served in front of express gets: the caller (authenticated), the parsed body. */
export interface DirectCall {
  req: IncomingMessage;
  res: ServerResponse;
  auth: AuthContext;
  body: Record<string, unknown>;
  /** The socket's address (the gateway trusts no forwarding header, as express by default). */
  ip: string | undefined;
}

export type DirectHandler = (call: DirectCall) => Promise<unknown>;

/**
 * The hot routes that are answered by a plain Node handler before express sees the request
 * (the LLM routes: express's router, body parser and Nest's pipeline cost more CPU per request
 * than the gateway's own work). A domain registers its handler here at start-up; the same routes
 * stay declared on their Nest controllers, so Swagger documents them and a request the direct
 * path does not take (another method, a trailing slash) gets the same answer from express.
 * The dispatcher (direct-dispatch.ts) gives each one what express would: CORS headers, the
 * request id and log line, the JSON body with its limits and checks, the guard's authentication
 * and route gate, and errors in LiteLLM's envelope.
 */
@Injectable()
export class DirectRoutes {
  private readonly routes = new Map<string, DirectHandler>();

  register(method: 'POST', paths: readonly string[], handler: DirectHandler) {
    for (const path of paths) this.routes.set(`${method} ${path}`, handler);
  }

  /** The handler of `method` on exactly `path` (no query string), if one is registered. */
  handlerFor(method: string | undefined, path: string): DirectHandler | undefined {
    return this.routes.size === 0 ? undefined : this.routes.get(`${method} ${path}`);
  }
}
