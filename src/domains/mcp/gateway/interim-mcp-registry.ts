import { Inject, Injectable } from '@nestjs/common';
import type { LiteLLM_MCPServerTable } from '@prisma/client';
import { APP_CONFIG } from '../../../platform/config/config.module';
import type { AppConfig } from '../../../platform/config/app-config';
import { secretsKey, tryDecryptSecret } from '../../../platform/common/secrets';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import type { McpCredentials, McpRegistry, McpServer, McpTransport } from '../registry/mcp-server';

const RELOAD_MS = 1_000;

/**
 * TEMPORARY stand-in for the registry's `McpRegistryService` until it is on main: the active rows
 * of LiteLLM_MCPServerTable, reloaded at most once a second (`refresh()` before each request).
 * Replaced by `useExisting` of the registry's service in mcp-gateway.module.ts.
 */
@Injectable()
export class InterimMcpRegistry implements McpRegistry {
  private servers: McpServer[] = [];
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async refresh(now = Date.now()): Promise<void> {
    if (now - this.loadedAt < RELOAD_MS) return;
    this.loading ??= this.load(now).finally(() => (this.loading = undefined));
    await this.loading;
  }

  all(): readonly McpServer[] {
    return this.servers;
  }

  find(nameOrId: string): McpServer | undefined {
    return this.servers.find((s) => s.name === nameOrId || s.serverId === nameOrId);
  }

  /** Per-user credentials are the registry's (BYOK / OAuth); the stand-in has none. */
  userCredential(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  private async load(now: number) {
    const rows = await this.prisma.liteLLM_MCPServerTable.findMany({
      where: { OR: [{ approval_status: 'active' }, { approval_status: null }] },
    });
    const key = secretsKey(this.config);
    this.servers = rows.map((row) => toServer(row, key));
    this.loadedAt = now;
  }
}

function toServer(row: LiteLLM_MCPServerTable, saltKey: string): McpServer {
  const alias = row.alias ?? row.server_name?.replace(/ /g, '_') ?? null;
  const mcpInfo = asObject(row.mcp_info);
  // Built loosely typed: the contract is being extended by the registry's owner at the same time.
  const server: Record<string, unknown> = {
    serverId: row.server_id,
    serverName: row.server_name,
    alias,
    name: alias ?? row.server_name ?? row.server_id,
    description: row.description,
    url: row.url,
    transport: (row.transport ?? 'sse') as McpTransport,
    authType: row.auth_type,
    credentials: decryptCredentials(row.credentials, saltKey),
    mcpInfo,
    oauth2Flow: typeof mcpInfo.oauth2_flow === 'string' ? mcpInfo.oauth2_flow : null,
    unreadableCredentials: [],
    mcpAccessGroups: row.mcp_access_groups,
    allowedTools: row.allowed_tools,
    toolNameToDisplayName: asObject(row.tool_name_to_display_name) as Record<string, string>,
    toolNameToDescription: asObject(row.tool_name_to_description) as Record<string, string>,
    extraHeaders: row.extra_headers,
    staticHeaders: asObject(row.static_headers) as Record<string, string>,
    command: row.command,
    args: row.args,
    env: asObject(row.env) as Record<string, string>,
    authorizationUrl: row.authorization_url,
    tokenUrl: row.token_url,
    registrationUrl: row.registration_url,
    allowAllKeys: row.allow_all_keys,
    availableOnPublicInternet: row.available_on_public_internet,
    delegateAuthToUpstream: row.delegate_auth_to_upstream,
    isByok: row.is_byok,
    source: 'db',
  };
  return server as unknown as McpServer;
}

const SECRET_FIELDS: Record<string, keyof McpCredentials> = {
  auth_value: 'authValue',
  client_id: 'clientId',
  client_secret: 'clientSecret',
};

function decryptCredentials(raw: unknown, saltKey: string): McpCredentials {
  const out: McpCredentials = {};
  for (const [field, value] of Object.entries(asObject(raw))) {
    const name = SECRET_FIELDS[field] ?? field;
    out[name] = typeof value === 'string' ? (tryDecryptSecret(value, saltKey) ?? value) : value;
  }
  return out;
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
