import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../../platform/auth/decorators';
import { badRequest, notFound } from '../../../platform/common/errors/api-error';
import type { McpRegistry } from '../registry/mcp-server';
import { McpAdmissionService, type McpRequestFacts } from './mcp-admission';
import { type JsonRpcMessage, McpGatewayService } from './mcp-gateway.service';
import { MCP_REGISTRY } from './mcp-registry.token';
import { McpScopeService } from './mcp-scope.service';
import { McpSseSessions } from './mcp-sse-sessions';
import { UpstreamRefusal } from './mcp-upstream-errors';
import { normaliseIp } from './mcp-visibility';

/** Where the `endpoint` event sends the client's messages (LiteLLM's `SseServerTransport` path). */
export const SSE_MESSAGES_PATH = '/mcp/sse/messages';

/**
 * The legacy HTTP+SSE transport on the aggregate endpoint (`GET /mcp/sse` + `POST
 * /mcp/sse/messages?session_id=…`), for clients that only speak it. Targets come from
 * `x-mcp-servers` / `x-mcp-access-groups` of the GET (the path names none). Same admission and
 * the same JSON-RPC handling as streamable HTTP: the GET is admitted (a refusal is LiteLLM's 401
 * before any stream opens), and every POST is admitted again on the GET's facts, so a key revoked
 * while the stream is open is refused on its next message.
 */
@ApiExcludeController()
@Public()
@Controller()
export class McpSseController {
  constructor(
    private readonly admission: McpAdmissionService,
    private readonly scopes: McpScopeService,
    private readonly gateway: McpGatewayService,
    private readonly sessions: McpSseSessions,
    @Inject(MCP_REGISTRY) private readonly registry: McpRegistry,
  ) {}

  @Get('mcp/sse')
  async open(@Req() req: Request, @Res() res: Response): Promise<void> {
    const facts: McpRequestFacts = {
      path: req.path,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      ip: normaliseIp(req.ip),
    };
    await this.admission.decide(facts, this.registry);
    this.sessions.open(res, facts, SSE_MESSAGES_PATH);
  }

  @Post('mcp/sse/messages')
  async message(@Req() req: Request, @Res() res: Response): Promise<void> {
    // `session_id` as LiteLLM's (Python SDK) transport names it; `sessionId` as the TS SDK's.
    const id = first(req.query.session_id) ?? first(req.query.sessionId);
    if (!id) throw badRequest('session_id is required', 'session_id');
    const session = this.sessions.get(id);
    if (!session) throw notFound('Could not find session', 'session_id');
    const decision = await this.admission.decide(session.facts, this.registry);
    const scope = await this.scopes.scopeOf(decision, this.registry);
    const call = { decision, scope, registry: this.registry, headers: session.facts.headers };
    const messages = Array.isArray(req.body) ? (req.body as JsonRpcMessage[]) : [req.body as JsonRpcMessage];
    try {
      for (const message of messages) {
        const answer = await this.gateway.handle(call, message ?? {});
        if (answer.status === 200) session.send(answer.body);
      }
    } catch (e) {
      if (!(e instanceof UpstreamRefusal)) throw e;
      if (e.wwwAuthenticate) res.set('www-authenticate', e.wwwAuthenticate);
      res.status(e.status).type('application/json').send(e.upstreamBody);
      return;
    }
    res.status(202).type('text/plain').send('Accepted');
  }
}

function first(value: unknown): string | undefined {
  const v = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof v === 'string' && v !== '' ? v : undefined;
}
