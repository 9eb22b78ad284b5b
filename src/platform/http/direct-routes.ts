import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../auth/auth-context';

/** What a route served in front of express gets: the parsed body, the path, the caller's address. */
export interface PublicDirectCall {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path without the query string, as sent (not decoded). */
  path: string;
  /** A JSON object or array (body-parser's strict mode); `{}` when there is no body. */
  body: unknown;
  /** The socket's address (no forwarding header is trusted, as express by default). */
  ip: string | undefined;
}

/** A guarded route's call: also the caller, authenticated as the global guard does. */
export interface DirectCall extends PublicDirectCall {
  auth: AuthContext;
  body: Record<string, unknown>;
}

export type DirectHandler = (call: DirectCall) => Promise<unknown>;
export type PublicDirectHandler = (call: PublicDirectCall) => Promise<unknown>;

/** A registered route: guarded (the dispatcher authenticates) or public (the handler does). */
export type DirectRoute =
  { guarded: true; handler: DirectHandler } | { guarded: false; handler: PublicDirectHandler };

/**
 * The hot routes that are answered by a plain Node handler before express sees the request
 * (the LLM routes and the MCP gateway: express's router, body parser and Nest's pipeline cost more
 * CPU per request than the gateway's own work). A domain registers its handler here at start-up;
 * the same routes stay declared on their Nest controllers, so Swagger documents them and a request
 * the direct path does not take (another method, a trailing slash) gets the same answer from
 * express. The dispatcher (direct-dispatch.ts) gives each one what express would: CORS headers,
 * the request id and log line, the JSON body with its limits and checks, for guarded routes the
 * guard's authentication and route gate, and errors in LiteLLM's envelope.
 */
@Injectable()
export class DirectRoutes {
  private readonly exact = new Map<string, DirectRoute>();
  private readonly matched: { method: string; matches: (path: string) => boolean; route: DirectRoute }[] = [];

  /** A guarded route on exactly these paths. */
  register(method: 'POST', paths: readonly string[], handler: DirectHandler) {
    for (const path of paths) this.exact.set(`${method} ${path}`, { guarded: true, handler });
  }

  /** A public route on every path `matches` accepts (the handler authenticates its callers). */
  registerPublic(method: 'POST', matches: (path: string) => boolean, handler: PublicDirectHandler) {
    this.matched.push({ method, matches, route: { guarded: false, handler } });
  }

  /** The route of `method` on `path` (no query string), if one is registered. */
  routeFor(method: string | undefined, path: string): DirectRoute | undefined {
    const exact = this.exact.get(`${method} ${path}`);
    if (exact) return exact;
    for (const m of this.matched) if (m.method === method && m.matches(path)) return m.route;
    return undefined;
  }
}
