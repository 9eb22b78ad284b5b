import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { Agent } from 'undici';
import { ApiError } from '../../../platform/common/errors/api-error';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { redactSentHeaders, withRedactedMessage } from '../registry/mcp-redaction';
import type { McpRegistry, McpServer } from '../registry/mcp-server';
import { SdkConnection, type McpConnection } from './mcp-connection';
import { MCP_REGISTRY } from './mcp-registry.token';
import { stdioRefusal } from './mcp-stdio';
import { StreamableHttpConnection } from './mcp-streamable-connection';
import { UpstreamRefusal, UpstreamRpcError, UpstreamSessionGone } from './mcp-upstream-errors';

/** Idle connections are closed after this long. */
const IDLE_MS = 5 * 60_000;

interface Pooled {
  connection: Promise<McpConnection>;
  lastUsed: number;
  /** Set by an SDK transport's fetch when the upstream answers 401/403. */
  refusal?: UpstreamRefusal;
}

/**
 * Connections to upstream MCP servers, pooled per server and header set so a tool call costs one
 * upstream round trip once warm: streamable HTTP through the gateway's lean client on one undici
 * keep-alive pool (mcp-streamable-connection.ts), legacy SSE and stdio through the SDK's Client.
 * A stdio server (config file only, allowed commands only: mcp-stdio.ts) is one child process per
 * server, whatever the caller's headers; a child that exits is dropped and the next call starts a
 * new one; every child is killed when the app shuts down (the SDK's close: SIGTERM, then SIGKILL).
 */
@Injectable()
export class McpUpstreamService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('mcp-upstream');
  private readonly pool = new Map<string, Pooled>();
  private readonly sweeper = setInterval(() => this.sweep(), IDLE_MS).unref();
  private readonly agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    connections: 256,
    connect: { timeout: 10_000 },
  });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MCP_REGISTRY) private readonly registry: McpRegistry,
  ) {}

  /** A config stdio server that will never start is named once at start-up (each call is refused). */
  onApplicationBootstrap() {
    for (const server of this.registry.all()) {
      if (server.transport !== 'stdio' || server.source !== 'config') continue;
      const refusal = stdioRefusal(server, this.config.gateway.mcpStdioAllowedCommands);
      if (refusal)
        this.logger.warn({ msg: 'MCP stdio server not started', server: server.name, reason: refusal });
    }
  }

  listTools(server: McpServer, headers: Record<string, string>): Promise<Tool[]> {
    return this.withConnection(server, headers, (c) => c.listTools());
  }

  callTool(
    server: McpServer,
    headers: Record<string, string>,
    name: string,
    args: Record<string, unknown> | undefined,
  ): Promise<CallToolResult> {
    return this.withConnection(server, headers, (c) => c.callTool(name, args));
  }

  /** Opens (or reuses) the connection; an upstream that refuses the handshake is relayed. */
  async connect(server: McpServer, headers: Record<string, string>): Promise<void> {
    await this.withConnection(server, headers, async () => undefined);
  }

  /**
   * Runs `use` on the pooled connection. A pooled session the upstream no longer knows (404 after a
   * restart or expiry, where the MCP spec says to start a new session) is retried once on a fresh
   * connection: the upstream never ran the request, so the retry cannot run a tool twice.
   */
  private async withConnection<T>(
    server: McpServer,
    headers: Record<string, string>,
    use: (connection: McpConnection) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.once(server, headers, use);
    } catch (e) {
      if (!(e instanceof UpstreamSessionGone)) throw e;
      return this.once(server, headers, use);
    }
  }

  private async once<T>(
    server: McpServer,
    headers: Record<string, string>,
    use: (connection: McpConnection) => Promise<T>,
  ): Promise<T> {
    const id = poolKey(server, headers);
    let entry = this.pool.get(id);
    if (!entry) {
      const created: Pooled = { connection: Promise.resolve(undefined as never), lastUsed: Date.now() };
      created.connection = this.open(server, headers, created);
      this.pool.set(id, created);
      entry = created;
    }
    entry.lastUsed = Date.now();
    try {
      return await use(await entry.connection);
    } catch (e) {
      // The upstream answered with a JSON-RPC error: the session is fine.
      if (e instanceof UpstreamRpcError) throw e;
      const refused = entry.refusal;
      // A broken or refused connection is not reused; the next request opens a fresh one.
      if (this.pool.get(id) === entry) this.pool.delete(id);
      void entry.connection.then((c) => c.close()).catch(() => undefined);
      // An upstream's error may echo what it was sent: the credentials never reach a log or a client.
      throw refused ?? withRedactedMessage(e, headers);
    }
  }

  private async open(
    server: McpServer,
    headers: Record<string, string>,
    entry: Pooled,
  ): Promise<McpConnection> {
    if (server.transport === 'stdio') {
      const refusal = stdioRefusal(server, this.config.gateway.mcpStdioAllowedCommands);
      if (refusal) throw new ApiError(403, refusal);
    }
    try {
      if (server.transport !== 'stdio' && server.transport !== 'sse')
        return await StreamableHttpConnection.open(this.agent, this.urlOf(server), server.name, headers);
      return await this.openSdk(server, headers, entry);
    } catch (e) {
      if (entry.refusal) throw entry.refusal;
      if (e instanceof UpstreamRefusal) throw e;
      this.logger.warn({
        msg: 'MCP upstream connect failed',
        server: server.name,
        error: redactSentHeaders((e as Error).message, headers),
      });
      throw new ApiError(502, `Could not connect to MCP server ${server.name}`);
    }
  }

  private async openSdk(
    server: McpServer,
    headers: Record<string, string>,
    entry: Pooled,
  ): Promise<McpConnection> {
    const client = new Client({ name: 'litellm-proxy', version: '1.0.0' }, { capabilities: {} });
    const transport = this.sdkTransportOf(server, headers, entry);
    if (server.transport === 'stdio') {
      // The child exited (or was closed): the next call starts a new one.
      client.onclose = () => {
        const id = poolKey(server, headers);
        if (this.pool.get(id) === entry) this.pool.delete(id);
      };
    }
    await client.connect(transport);
    return new SdkConnection(client, server.name);
  }

  private sdkTransportOf(server: McpServer, headers: Record<string, string>, entry: Pooled): Transport {
    if (server.transport === 'stdio') {
      return new StdioClientTransport({
        command: server.command!,
        args: server.args,
        env: server.env,
        stderr: 'ignore',
      });
    }
    const watching: typeof fetch = async (input, init) => {
      // Every request of a pooled connection carries the transport's one abort signal, and fetch drops
      // its listener only when the request is garbage-collected: thousands piled up under load (each
      // add scans them all; past 1,500 Node printed a warning per call). A POST is one request that
      // completes on its own, so it goes without the signal; the long-lived GET stream keeps it (close
      // aborts it).
      if (init?.method === 'POST' && init.signal) init = { ...init, signal: undefined };
      const res = await fetch(input, init);
      if (res.status === 401 || res.status === 403) {
        const body = await res.clone().text();
        entry.refusal = new UpstreamRefusal(
          res.status,
          redactSentHeaders(body, headers),
          res.headers.get('www-authenticate'),
        );
      }
      return res;
    };
    return new SSEClientTransport(this.urlOf(server), { requestInit: { headers }, fetch: watching });
  }

  private urlOf(server: McpServer): URL {
    if (!server.url) throw new ApiError(500, `MCP server ${server.name} has no url`);
    return new URL(server.url);
  }

  private sweep(now = Date.now()) {
    for (const [id, entry] of this.pool) {
      if (now - entry.lastUsed < IDLE_MS) continue;
      this.pool.delete(id);
      void entry.connection.then((c) => c.close()).catch(() => undefined);
    }
  }

  async onModuleDestroy() {
    clearInterval(this.sweeper);
    const connections = [...this.pool.values()];
    this.pool.clear();
    await Promise.all(connections.map((e) => e.connection.then((c) => c.close()).catch(() => undefined)));
    await this.agent.close();
  }
}

/**
 * Server + url + a digest of the headers: a connection is never shared across credentials. A
 * stdio server has no headers to send: one child per server.
 */
function poolKey(server: McpServer, headers: Record<string, string>): string {
  if (server.transport === 'stdio') return `${server.serverId}|stdio`;
  const digest = createHash('sha256')
    .update(JSON.stringify(Object.entries(headers).sort()))
    .digest('hex');
  return `${server.serverId}|${server.url}|${digest}`;
}
