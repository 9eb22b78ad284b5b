import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { LiteLLM_MCPServerTable } from '@prisma/client';
import type { Actor } from '../../../platform/audit/audit.service';
import { isProxyAdmin } from '../../../platform/auth/roles';
import { forbidden } from '../../../platform/common/errors/api-error';
import { encryptSecret, secretsKey, tryDecryptSecret } from '../../../platform/common/secrets';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { RedisService } from '../../../platform/redis/redis.module';
import { encryptCredentials } from '../registry/mcp-credentials';
import { McpRegistryService } from '../registry/mcp-registry.service';
import type { McpCredentials, McpServer } from '../registry/mcp-server';
import { serverFromRow } from '../registry/mcp-server-builder';
import { serverColumns } from '../registry/mcp-server-management.service';
import { normaliseAlias, validateServerFields } from '../registry/mcp-server-rules';
import { type McpServerView, rowView } from '../registry/mcp-server-views';
import type { McpServerNewRequest } from '../registry/mcp-servers.dto';

/** How long a temporary server lives (LiteLLM: 300 s). */
export const SESSION_TTL_SECONDS = 300;
const REDIS_PREFIX = 'litellm:mcp:oauth:session:';

interface Session {
  server: McpServer;
  expiresAt: number;
}

/**
 * §1.3 E13: temporary MCP servers the admin UI runs an OAuth flow against before saving them. Kept
 * 300 s in this pod's memory and, when Redis is configured, in Redis (the whole row encrypted with
 * the salt key) so `/authorize` and `/token` work on any pod. Never written to the database.
 */
@Injectable()
export class McpOAuthSessionsService {
  private readonly logger = new Logger('mcp-oauth');
  private readonly sessions = new Map<string, Session>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: McpRegistryService,
    private readonly redis: RedisService,
  ) {}

  async createSession(body: McpServerNewRequest, actor: Actor): Promise<McpServerView> {
    validateServerFields(body, this.config.gateway.mcpStdioAllowedCommands);
    if (!isProxyAdmin(actor.auth.role))
      throw forbidden('Only proxy admins can create temporary MCP servers for an OAuth flow.');
    const row = this.temporaryRow(body, actor);
    const now = Date.now();
    this.sweep(now);
    const server = this.serverOf(row);
    this.sessions.set(row.server_id, { server, expiresAt: now + SESSION_TTL_SECONDS * 1000 });
    if (this.redis.client) {
      const sealed = encryptSecret(JSON.stringify(row), secretsKey(this.config));
      await this.redis.client
        .set(REDIS_PREFIX + row.server_id, sealed, 'EX', SESSION_TTL_SECONDS)
        .catch((e: Error) =>
          this.logger.warn({ msg: 'temporary MCP server not shared in Redis', error: e.message }),
        );
    }
    return rowView(row);
  }

  /** A live temporary server by id: this pod's memory, else Redis. */
  async find(serverId: string): Promise<McpServer | undefined> {
    const now = Date.now();
    const local = this.sessions.get(serverId);
    if (local && local.expiresAt > now) return local.server;
    if (local) this.sessions.delete(serverId);
    if (!this.redis.client) return undefined;
    const sealed = await this.redis.client.get(REDIS_PREFIX + serverId).catch(() => null);
    const plain = sealed ? tryDecryptSecret(sealed, secretsKey(this.config)) : undefined;
    if (!plain) return undefined;
    return this.serverOf(JSON.parse(plain) as LiteLLM_MCPServerTable);
  }

  /** The temporary server as the gateway serves servers; inherited credentials stay decrypted in memory only. */
  private serverOf(row: LiteLLM_MCPServerTable): McpServer {
    return serverFromRow(row, secretsKey(this.config));
  }

  /**
   * The row E12 would write, never stored. With a `server_id` of a served server and no
   * credentials, that server's stored credentials are inherited (LiteLLM).
   */
  private temporaryRow(body: McpServerNewRequest, actor: Actor): LiteLLM_MCPServerTable {
    const serverId = body.server_id || randomUUID();
    const inherited = body.credentials ? undefined : this.registry.byId(serverId)?.credentials;
    const fields = body.credentials ?? (inherited ? credentialFields(inherited) : undefined);
    const columns = serverColumns(body, {}) as Partial<LiteLLM_MCPServerTable>;
    const now = new Date();
    const by = actor.auth.userId ?? null;
    return {
      server_id: serverId,
      server_name: null,
      alias: normaliseAlias(body.alias, body.server_name),
      description: null,
      instructions: null,
      url: null,
      spec_path: null,
      transport: 'sse',
      auth_type: null,
      mcp_info: {},
      allowed_tools: [],
      tool_name_to_display_name: {},
      tool_name_to_description: {},
      extra_headers: [],
      static_headers: {},
      command: null,
      authorization_url: null,
      token_url: null,
      registration_url: null,
      byok_api_key_help_url: null,
      source_url: null,
      ...columns,
      mcp_access_groups: body.mcp_access_groups ?? [],
      args: body.args ?? [],
      env: (body.env ?? {}) as LiteLLM_MCPServerTable['env'],
      allow_all_keys: body.allow_all_keys ?? false,
      available_on_public_internet: body.available_on_public_internet ?? true,
      is_byok: body.is_byok ?? false,
      byok_description: body.byok_description ?? [],
      delegate_auth_to_upstream: body.auth_type === 'oauth2' && body.delegate_auth_to_upstream === true,
      credentials: fields
        ? (encryptCredentials(fields, secretsKey(this.config)) as LiteLLM_MCPServerTable['credentials'])
        : null,
      created_at: now,
      created_by: by,
      updated_at: now,
      updated_by: by,
      status: 'unknown',
      last_health_check: null,
      health_check_error: null,
      approval_status: 'active',
      submitted_by: null,
      submitted_at: null,
      reviewed_at: null,
      review_notes: null,
    };
  }

  private sweep(now: number) {
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}

function credentialFields(c: McpCredentials): Record<string, unknown> {
  const { authValue, clientId, clientSecret, ...rest } = c;
  return { ...rest, auth_value: authValue, client_id: clientId, client_secret: clientSecret };
}
