import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { sendJson } from '../../../platform/common/http-response';
import { DirectRoutes } from '../../../platform/http/direct-routes';
import type { McpRegistry } from '../registry/mcp-server';
import { McpAdmissionService } from './mcp-admission';
import { type JsonRpcMessage, type McpAnswer, McpGatewayService } from './mcp-gateway.service';
import { MCP_REGISTRY } from './mcp-registry.token';
import { McpScopeService } from './mcp-scope.service';
import { UpstreamRefusal } from './mcp-upstream-errors';
import { normaliseIp } from './mcp-visibility';

/** First path segments of other routes whose second segment is `mcp` (`/v1/mcp/server`): not legacy MCP paths. */
const NOT_SERVER_NAMES = new Set(['v1', 'v2', 'public', '.well-known']);
/** `/mcp`, `/mcp/…`, `/{server}/mcp`, `/{server}/mcp/…` (the controller's routes). */
const MCP_ROUTE = /^\/(?:mcp(?:\/.*)?|[^/]+\/mcp(?:\/.*)?)$/;

/** One MCP request over streamable HTTP, from either the controller or the direct path. */
export interface McpHttpRequest {
  /** Percent-decoded, as routing sees it. */
  path: string;
  method: string | undefined;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  ip: string | undefined;
  body: unknown;
}

/**
 * The streamable-HTTP side of the MCP gateway (POST of JSON-RPC, JSON answers, no session): the
 * admission decision, the request's servers, each message handled, the answer written on Node's
 * response. Served in front of express for POSTs (platform/http: the gateway's CPU is otherwise
 * mostly express's routing through every management route); the controller serves the rest.
 */
@Injectable()
export class McpHttpService implements OnModuleInit {
  constructor(
    private readonly admission: McpAdmissionService,
    private readonly scopes: McpScopeService,
    private readonly gateway: McpGatewayService,
    private readonly routes: DirectRoutes,
    @Inject(MCP_REGISTRY) private readonly registry: McpRegistry,
  ) {}

  onModuleInit() {
    // The legacy SSE transport (/mcp/sse…) keeps its own controller.
    this.routes.registerPublic(
      'POST',
      (path) => MCP_ROUTE.test(path) && !path.startsWith('/mcp/sse') && isMcpPath(decodePath(path)),
      ({ req, res, path, body, ip }) =>
        this.serve(
          {
            path: decodePath(path),
            method: req.method,
            headers: req.headers,
            rawHeaders: req.rawHeaders,
            ip,
            body,
          },
          res,
        ),
    );
  }

  async serve(request: McpHttpRequest, res: ServerResponse): Promise<void> {
    if (request.method !== 'POST') {
      // No standalone SSE stream and no sessions: the SDK client treats 405 as "not offered".
      res.statusCode = 405;
      res.setHeader('allow', 'POST');
      res.end();
      return;
    }
    const facts = {
      path: request.path,
      headers: request.headers,
      rawHeaders: request.rawHeaders,
      ip: normaliseIp(request.ip),
    };
    const decision = await this.admission.decide(facts, this.registry);
    const scope = await this.scopes.scopeOf(decision, this.registry);
    const call = { decision, scope, registry: this.registry, headers: request.headers };
    const batch = Array.isArray(request.body);
    try {
      const messages = batch ? (request.body as JsonRpcMessage[]) : [request.body as JsonRpcMessage];
      const answers: McpAnswer[] = [];
      for (const message of messages) answers.push(await this.gateway.handle(call, message ?? {}));
      send(res, answers, batch);
    } catch (e) {
      if (!(e instanceof UpstreamRefusal)) throw e;
      // The upstream's own refusal, relayed as is: an OAuth client reads its WWW-Authenticate.
      if (e.wwwAuthenticate) res.setHeader('www-authenticate', e.wwwAuthenticate);
      res.statusCode = e.status;
      res.setHeader('content-type', 'application/json');
      res.end(e.upstreamBody);
    }
  }
}

/** False for `/v1/mcp/…`-like paths of other routes (their first segment is not a server name). */
export function isMcpPath(path: string): boolean {
  const first = path.split('/')[1] ?? '';
  return first === 'mcp' || !NOT_SERVER_NAMES.has(first);
}

/** The path as routing sees it (percent-decoded, like LiteLLM's ASGI path); undecodable → as sent. */
export function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function send(res: ServerResponse, answers: McpAnswer[], batch: boolean) {
  const bodies = answers.flatMap((a) => (a.status === 200 ? [a.body] : []));
  if (bodies.length === 0) {
    res.statusCode = 202;
    res.end();
    return;
  }
  sendJson(res, 200, batch ? bodies : bodies[0]);
}
