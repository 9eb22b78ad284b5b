import { All, Controller, Inject, Next, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Public } from '../../../platform/auth/decorators';
import type { McpRegistry } from '../registry/mcp-server';
import { McpAdmissionService } from './mcp-admission';
import { type JsonRpcMessage, type McpAnswer, McpGatewayService } from './mcp-gateway.service';
import { MCP_REGISTRY } from './mcp-registry.token';
import { McpScopeService } from './mcp-scope.service';
import { UpstreamRefusal } from './mcp-upstream.service';
import { normaliseIp } from './mcp-visibility';

/** First path segments of other routes whose second segment is `mcp` (`/v1/mcp/server`): not legacy MCP paths. */
const NOT_SERVER_NAMES = new Set(['v1', 'v2', 'public', '.well-known']);

/**
 * `/mcp`, `/mcp/{server}`, `/mcp/{a},{b}` and the legacy `/{server}/mcp`, over streamable HTTP
 * (POST of JSON-RPC, JSON answers, no session). Public at the global guard: a delegate-auth request
 * carries no LiteLLM key, so the MCP admission authenticates instead (mcp-admission.ts).
 */
@ApiExcludeController()
@Public()
@Controller()
export class McpGatewayController {
  constructor(
    private readonly admission: McpAdmissionService,
    private readonly scopes: McpScopeService,
    private readonly gateway: McpGatewayService,
    @Inject(MCP_REGISTRY) private readonly registry: McpRegistry,
  ) {}

  @All(['mcp', 'mcp/*path', ':server/mcp', ':server/mcp/*path'])
  async serveMcp(@Req() req: Request, @Res() res: Response, @Next() next: NextFunction): Promise<void> {
    const path = decodePath(req.path);
    const first = path.split('/')[1] ?? '';
    if (first !== 'mcp' && NOT_SERVER_NAMES.has(first)) return next();
    if (req.method !== 'POST') {
      // No standalone SSE stream and no sessions: the SDK client treats 405 as "not offered".
      res.status(405).set('allow', 'POST').end();
      return;
    }
    const facts = { path, headers: req.headers, rawHeaders: req.rawHeaders, ip: normaliseIp(req.ip) };
    const decision = await this.admission.decide(facts, this.registry);
    const scope = await this.scopes.scopeOf(decision, this.registry);
    const call = { decision, scope, registry: this.registry, headers: req.headers };
    try {
      const messages = Array.isArray(req.body)
        ? (req.body as JsonRpcMessage[])
        : [req.body as JsonRpcMessage];
      const answers: McpAnswer[] = [];
      for (const message of messages) answers.push(await this.gateway.handle(call, message ?? {}));
      send(res, answers, Array.isArray(req.body));
    } catch (e) {
      if (!(e instanceof UpstreamRefusal)) throw e;
      // The upstream's own refusal, relayed as is: an OAuth client reads its WWW-Authenticate.
      if (e.wwwAuthenticate) res.set('www-authenticate', e.wwwAuthenticate);
      res.status(e.status).type('application/json').send(e.upstreamBody);
    }
  }
}

function send(res: Response, answers: McpAnswer[], batch: boolean) {
  const bodies = answers.flatMap((a) => (a.status === 200 ? [a.body] : []));
  if (bodies.length === 0) {
    res.status(202).end();
    return;
  }
  res.status(200).json(batch ? bodies : bodies[0]);
}

/** The path as routing sees it (percent-decoded, like LiteLLM's ASGI path); undecodable → as sent. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
