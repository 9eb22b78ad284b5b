import { Inject, Injectable } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { isAdminViewer } from '../../../platform/auth/roles';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { upstreamHeaders } from '../gateway/mcp-upstream-headers';
import { McpRegistryService } from './mcp-registry.service';
import type { McpServer } from './mcp-server';
import { accessibleServerIds } from './mcp-server-access';
import { isRestrictedKey } from './mcp-server-views';
import { redactSentHeaders } from './mcp-redaction';

export type HealthStatus = 'healthy' | 'unhealthy' | 'unknown';

export interface HealthResult {
  server_id: string;
  status: HealthStatus;
  health_check_error: string | null;
  last_health_check: Date;
}

/** LiteLLM gives a health check 10 seconds. */
const HEALTH_TIMEOUT_MS = 10_000;

/**
 * On-demand health checks of MCP servers (§1.3 E6): an MCP `initialize` with the server's stored
 * auth, as LiteLLM's health check. Servers that need a user's token (oauth2 without client
 * credentials) or whose auth has no stored value are `unknown`, not probed; stdio servers are not
 * started for a check. Stored servers get `status`, `last_health_check` and `health_check_error`
 * written to their row.
 */
@Injectable()
export class McpHealthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly registry: McpRegistryService,
  ) {}

  /** E6: the servers asked for (default: all) that the caller may use. */
  async serversHealth(
    auth: AuthContext,
    serverIds: string[],
  ): Promise<{ server_id: string; status: HealthStatus }[]> {
    const servers = this.registry.all();
    const allowed =
      (isAdminViewer(auth.role) || this.config.gateway.mcpViewAll) && !isRestrictedKey(auth)
        ? servers
        : await accessibleServerIds(this.prisma, auth, this.registry).then((ids) =>
            servers.filter((s) => ids.has(s.serverId)),
          );
    const targets = serverIds.length ? allowed.filter((s) => serverIds.includes(s.serverId)) : allowed;
    const results = await Promise.all(targets.map((s) => this.checkAndRecord(s)));
    return results.map((r) => ({ server_id: r.server_id, status: r.status }));
  }

  async checkAndRecord(server: McpServer): Promise<HealthResult> {
    const result = await this.check(server);
    if (server.source === 'db')
      await this.prisma.liteLLM_MCPServerTable.updateMany({
        where: { server_id: server.serverId },
        data: {
          status: result.status,
          last_health_check: result.last_health_check,
          health_check_error: result.health_check_error,
        },
      });
    return result;
  }

  async check(server: McpServer): Promise<HealthResult> {
    const done = (status: HealthStatus, error: string | null = null): HealthResult => ({
      server_id: server.serverId,
      status,
      health_check_error: error,
      last_health_check: new Date(),
    });
    if (!probeable(server)) return done('unknown');
    const client = new Client({ name: 'litellm-health-check', version: '1.0.0' });
    const headers = upstreamHeaders(server, { kind: 'anonymous', upstreamAuthorization: undefined }, {});
    const url = new URL(server.url!);
    const transport =
      server.transport === 'sse'
        ? new SSEClientTransport(url, { requestInit: { headers } })
        : new StreamableHTTPClientTransport(url, { requestInit: { headers } });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(transport),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('Health check timed out after 10 seconds')),
            HEALTH_TIMEOUT_MS,
          );
        }),
      ]);
      return done('healthy');
    } catch (e) {
      // The upstream's error may echo the credentials it was sent: stored and listed without them.
      return done('unhealthy', redactSentHeaders((e as Error).message, headers).slice(0, 1000));
    } finally {
      clearTimeout(timer);
      await client.close().catch(() => undefined);
    }
  }
}

/** LiteLLM skips servers that need a user's OAuth token, and auth types with no stored value. */
function probeable(server: McpServer): boolean {
  if (server.transport === 'stdio' || !server.url) return false;
  // oauth2: a user's token, or a client-credentials grant the health check does not make.
  if (server.authType === 'oauth2') return false;
  if (server.authType && server.authType !== 'none' && !server.credentials.authValue) return false;
  return true;
}
