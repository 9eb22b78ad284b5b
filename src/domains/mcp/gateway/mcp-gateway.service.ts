import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { AdmissionService } from '../../gateway/serve/admission.service';
import { rateLimitDescriptors } from '../../gateway/checks/rate-limit-descriptors';
import { budgetEntities } from '../../gateway/checks/budget-checks';
import { BudgetCountersService } from '../../spend/ledger/budget-counters.service';
import { entitiesOf, type SpendEvent } from '../../spend/ledger/spend-event';
import { SpendLedgerService } from '../../spend/ledger/spend-ledger.service';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { McpTokenRefreshService } from '../oauth/mcp-token-refresh.service';
import type { McpRegistry, McpServer } from '../registry/mcp-server';
import type { McpDecision } from './mcp-admission';
import { toolAllowed } from './mcp-permissions';
import type { McpScope } from './mcp-scope.service';
import { upstreamHeaders } from './mcp-upstream-headers';
import { McpUpstreamService } from './mcp-upstream.service';
import { UpstreamRefusal, UpstreamRpcError, type RpcErrorObject } from './mcp-upstream-errors';
import { listedTool, routeToolName } from './mcp-tools';
import { toolCallEvent } from './mcp-spend';

type ClientHeaders = Record<string, string | string[] | undefined>;

/** One JSON-RPC message of the client. */
export interface JsonRpcMessage {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
}

/** What the controller sends: a JSON-RPC answer, or nothing (202) for a notification. */
export type McpAnswer = { status: 202 } | { status: 200; body: unknown };

/** What one request needs besides the message: the decision, its servers, the client's headers. */
export interface McpCall {
  decision: McpDecision;
  scope: McpScope;
  registry: McpRegistry;
  headers: ClientHeaders;
}

const SERVER_INFO = { name: 'litellm-mcp-server', version: '1.0.0' };

/**
 * The gateway's MCP server side, stateless: `initialize` is answered here (an anonymous delegate
 * caller's is first carried to its upstream, whose refusal is relayed), `tools/list` is the union
 * of the request's servers' tools with LiteLLM's prefixes, `tools/call` is routed by prefix, checked
 * against the tool permissions and the caller's budgets, rate-limited and logged as a `call_mcp_tool`
 * spend row priced from the server's `mcp_info.mcp_server_cost_info`.
 */
@Injectable()
export class McpGatewayService {
  private readonly logger = new Logger('mcp-gateway');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly upstream: McpUpstreamService,
    private readonly admission: AdmissionService,
    private readonly ledger: SpendLedgerService,
    private readonly counters: BudgetCountersService,
    private readonly tokens: McpTokenRefreshService,
  ) {}

  async handle(call: McpCall, message: JsonRpcMessage): Promise<McpAnswer> {
    if (message.id === undefined || message.id === null) return { status: 202 };
    const id = message.id;
    try {
      switch (message.method) {
        case 'initialize':
          return ok(id, await this.initialize(call, message.params));
        case 'ping':
          return ok(id, {});
        case 'tools/list':
          return ok(id, { tools: await this.listTools(call) });
        case 'tools/call':
          return ok(id, await this.callTool(call, message.params ?? {}));
        default:
          return rpcError(id, { code: -32601, message: 'Method not found' });
      }
    } catch (e) {
      // The upstream's own JSON-RPC error (an unknown tool, bad arguments) goes back as it was.
      if (e instanceof UpstreamRpcError) return rpcError(id, e.rpc);
      throw e;
    }
  }

  private async initialize(call: McpCall, params: Record<string, unknown> | undefined) {
    if (call.decision.caller.kind === 'anonymous') {
      await Promise.all(
        call.scope.servers.map(async (s) => this.upstream.connect(s, await this.headersFor(call, s))),
      );
    }
    const requested = params?.protocolVersion;
    const protocolVersion =
      typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
        ? requested
        : LATEST_PROTOCOL_VERSION;
    return { protocolVersion, capabilities: { tools: { listChanged: false } }, serverInfo: SERVER_INFO };
  }

  /** The request's servers' permitted tools, prefixed (`tools/list`; also `GET /v1/mcp/tools`). */
  async listTools(call: McpCall): Promise<Tool[]> {
    const lists = await Promise.all(call.scope.servers.map((server) => this.serverTools(call, server)));
    return lists.flat();
  }

  /** One server's permitted tools; an unreachable server is left out (logged), a refusal is relayed. */
  async serverTools(call: McpCall, server: McpServer): Promise<Tool[]> {
    try {
      return await this.permittedTools(call, server);
    } catch (e) {
      if (e instanceof UpstreamRefusal && call.decision.caller.kind === 'anonymous') throw e;
      this.logger.warn({ msg: 'MCP tools/list failed', server: server.name, error: (e as Error).message });
      return [];
    }
  }

  /** One server's permitted tools, prefixed; an upstream failure is thrown (the REST façade reports it). */
  async permittedTools(call: McpCall, server: McpServer): Promise<Tool[]> {
    const tools = await this.upstream.listTools(server, await this.headersFor(call, server));
    return tools
      .filter((tool) => toolAllowed(call.scope.permissions, server, tool.name))
      .map((tool) => listedTool(server, tool));
  }

  /** `tools/call` (also the REST façade's): routed by prefix, checked, rate-limited, logged. */
  async callTool(call: McpCall, params: Record<string, unknown>): Promise<CallToolResult> {
    const name = typeof params.name === 'string' ? params.name : '';
    const args = (params.arguments ?? undefined) as Record<string, unknown> | undefined;
    const route = routeToolName(call.scope.servers, name);
    if (!route || !toolAllowed(call.scope.permissions, route.server, route.tool)) {
      const allowed = call.scope.servers.map((s) => s.name).join(', ');
      return refusal(`User not allowed to call this tool. Allowed MCP servers: [${allowed}]`);
    }
    const { caller } = call.decision;
    if (caller.kind === 'anonymous') {
      return this.upstream.callTool(
        route.server,
        await this.headersFor(call, route.server),
        route.tool,
        args,
      );
    }
    const subject = await this.admission.subjectOf(caller.auth);
    const start = new Date();
    // The caller's budgets (key, project, team, organization, user, team member) as for an LLM call:
    // over one, LiteLLM's 400 `budget_exceeded` before anything goes upstream; then its limits.
    const ticket = await this.admission.countWithinBudgets(
      subject,
      budgetEntities(subject, undefined, { now: start.getTime() }),
      null,
      rateLimitDescriptors(subject, undefined, name),
      start.getTime(),
    );
    let result: CallToolResult | undefined;
    let failure: Error | undefined;
    try {
      const headers = await this.headersFor(call, route.server);
      result = await this.upstream.callTool(route.server, headers, route.tool, args);
      return result;
    } catch (e) {
      failure = e as Error;
      throw e;
    } finally {
      void ticket.release(0);
      await this.settle(
        toolCallEvent({
          subject,
          server: route.server,
          name,
          tool: route.tool,
          start,
          ip: call.decision.ip,
          failure,
          isError: result?.isError === true,
        }),
      );
    }
  }

  /** The call's spend-log row (durable on return) and its price on the live counters, together. */
  private async settle(event: SpendEvent): Promise<void> {
    await Promise.all([this.ledger.record(event), this.counters.add(entitiesOf(event), event.spend)]);
  }

  /**
   * The upstream headers of one call; for a key's user on a BYOK or OAuth2 server, with that
   * user's own stored credential (`LiteLLM_MCPUserCredentials`, one indexed read).
   */
  private async headersFor(call: McpCall, server: McpServer): Promise<Record<string, string>> {
    const { caller } = call.decision;
    const userId = caller.kind === 'key' ? caller.auth.userId : null;
    let own =
      userId && (server.isByok || server.authType === 'oauth2')
        ? await call.registry.userCredential(userId, server.serverId)
        : undefined;
    // A stored OAuth token that expires within a minute is refreshed first (oauth/).
    if (own && userId && server.authType === 'oauth2') own = await this.tokens.fresh(userId, server, own);
    return upstreamHeaders(server, caller, call.headers, own, this.config.gateway.mcpClientSideAuthHeader);
  }
}

function ok(id: string | number, result: unknown): McpAnswer {
  return { status: 200, body: { jsonrpc: '2.0', id, result } };
}

function rpcError(id: string | number, error: RpcErrorObject): McpAnswer {
  return { status: 200, body: { jsonrpc: '2.0', id, error } };
}

function refusal(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
