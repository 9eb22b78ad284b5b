import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { BusMirror } from '../../../platform/auth/bus-mirror';
import { InvalidationBus } from '../../../platform/auth/invalidation-bus';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { AccessGroupsService } from '../../access-groups/access-groups.service';
import {
  clientIpPolicy,
  internalRanges,
  type McpClientIpPolicy,
  mcpClientIp,
  type McpVisibility,
  visibleFrom,
} from '../gateway/mcp-visibility';
import { decodeUserCredential } from './mcp-credentials';
import type { McpRegistry, McpServer } from './mcp-server';
import { serverFromConfig, serverFromRow } from './mcp-server-builder';

/** The registry at one moment; replaced whole on reload, so readers never see half a change. */
interface Snapshot {
  servers: readonly McpServer[];
  byId: ReadonlyMap<string, McpServer>;
  /** alias, server name and `name` → server (first one wins, config before rows). */
  byName: ReadonlyMap<string, McpServer>;
  visibility: McpVisibility;
}

/** LiteLLM keeps `litellm_settings` as one row of `LiteLLM_Config`; `public_mcp_servers` is one key of it. */
export const LITELLM_SETTINGS = 'litellm_settings';

/** Rows that are served: LiteLLM loads only `active` ones (a null status is the column's default). */
const SERVED = { OR: [{ approval_status: 'active' }, { approval_status: null }] };

/**
 * The live set of MCP servers: config.yaml's `mcp_servers` plus the `active` rows of
 * `LiteLLM_MCPServerTable`, credentials decrypted. Kept in memory so the MCP gateway reads no
 * database per request; reloaded when any pod announces a change (`{ scope: 'mcp' }` on the
 * invalidation bus) and when the bus reconnects.
 */
@Injectable()
export class McpRegistryService implements McpRegistry, OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('mcp-registry');
  private readonly configServers: readonly McpServer[];
  private snapshot: Snapshot;
  private readonly mirror: BusMirror;
  private readonly internal: McpVisibility['internal'];
  private readonly ipPolicy: McpClientIpPolicy;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    bus: InvalidationBus,
    private readonly accessGroups: AccessGroupsService,
  ) {
    this.mirror = new BusMirror(bus, 'mcp', () => this.loadTable(), 'the MCP servers');
    this.configServers = config.gateway.mcpServers.map(serverFromConfig);
    this.internal = internalRanges(config.gateway.mcpInternalIpRanges);
    this.ipPolicy = clientIpPolicy(config.gateway);
    this.snapshot = this.buildSnapshot(this.configServers, []);
  }

  /** Access groups list MCP servers by name: this domain, which owns their table, names them. */
  onModuleInit() {
    this.accessGroups.useMcpServerNames((ids) => this.displayNames(ids));
  }

  async onApplicationBootstrap() {
    await this.mirror.start();
  }

  // ---- Reads (no I/O) --------------------------------------------------------------------------

  all(): readonly McpServer[] {
    return this.snapshot.servers;
  }

  visibleFrom(server: McpServer, ip: string | null): boolean {
    return visibleFrom(server, ip, this.snapshot.visibility);
  }

  publicServerIds(): ReadonlySet<string> {
    return this.snapshot.visibility.publicServerIds;
  }

  /** The client's address as the MCP gateway sees it (X-Forwarded-For only from a trusted proxy). */
  clientIp(req: { ip?: string; headers: Record<string, string | string[] | undefined> }): string | null {
    return mcpClientIp(req.ip, req.headers['x-forwarded-for'], this.ipPolicy);
  }

  /** By alias, server name or `name`, else by server id. */
  find(nameOrId: string): McpServer | undefined {
    return this.snapshot.byName.get(nameOrId) ?? this.snapshot.byId.get(nameOrId);
  }

  /** By alias, server name or `name` only: how `/mcp/{server}` paths resolve (never by id, as LiteLLM). */
  findByName(name: string): McpServer | undefined {
    return this.snapshot.byName.get(name);
  }

  byId(serverId: string): McpServer | undefined {
    return this.snapshot.byId.get(serverId);
  }

  /** Config servers only (they have no row), e.g. for routes that read rows first. */
  configServer(serverId: string): McpServer | undefined {
    return this.configServers.find((s) => s.serverId === serverId);
  }

  /** Server id → alias (else server name) of these rows, any approval status: other domains' views. */
  async displayNames(ids: readonly string[]): Promise<Map<string, string | null>> {
    const rows = await this.prisma.liteLLM_MCPServerTable.findMany({
      where: { server_id: { in: [...ids] } },
      select: { server_id: true, alias: true, server_name: true },
    });
    return new Map(rows.map((row) => [row.server_id, row.alias ?? row.server_name]));
  }

  async userCredential(userId: string, serverId: string): Promise<string | undefined> {
    const row = await this.prisma.liteLLM_MCPUserCredentials.findUnique({
      where: { user_id_server_id: { user_id: userId, server_id: serverId } },
      select: { credential_b64: true },
    });
    return row ? decodeUserCredential(row.credential_b64, this.saltKey) : undefined;
  }

  // ---- Changes ---------------------------------------------------------------------------------

  /** After a committed write of the table: this pod reloads now, the others on the bus message. */
  serversChanged(): Promise<void> {
    return this.mirror.changed();
  }

  reload(): Promise<void> {
    return this.mirror.reload();
  }

  private async loadTable(): Promise<void> {
    const [stored, publicIds] = await Promise.all([this.readStoredServers(), this.readStoredPublicIds()]);
    this.snapshot = this.buildSnapshot([...this.configServers, ...stored], publicIds);
  }

  /** `litellm_settings.public_mcp_servers` as stored by `POST /v1/mcp/make_public` (LiteLLM's row). */
  private async readStoredPublicIds(): Promise<string[]> {
    const row = await this.prisma.liteLLM_Config.findUnique({
      where: { param_name: LITELLM_SETTINGS },
      select: { param_value: true },
    });
    const value = row?.param_value;
    const ids =
      value && typeof value === 'object' && !Array.isArray(value) ? value.public_mcp_servers : undefined;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  }

  private buildSnapshot(servers: readonly McpServer[], storedPublicIds: readonly string[]): Snapshot {
    const publicServerIds = new Set([...this.config.gateway.publicMcpServers, ...storedPublicIds]);
    return { ...indexServers(servers), visibility: { internal: this.internal, publicServerIds } };
  }

  private async readStoredServers(): Promise<McpServer[]> {
    const rows = await this.prisma.liteLLM_MCPServerTable.findMany({
      where: SERVED,
      omit: { submitted_by: true, submitted_at: true, reviewed_at: true, review_notes: true },
      orderBy: [{ created_at: 'asc' }, { server_id: 'asc' }],
    });
    const servers = rows.map((row) => serverFromRow(row, this.saltKey));
    for (const s of servers.filter((s) => s.unreadableCredentials.length > 0))
      this.logger.warn({
        msg: 'stored MCP server credentials could not be decrypted: check LITELLM_SALT_KEY (when unset, the master key is used)',
        server_id: s.serverId,
        fields: s.unreadableCredentials,
      });
    return servers;
  }

  private get saltKey(): string | undefined {
    return this.config.saltKey || this.config.masterKey || undefined;
  }
}

function indexServers(servers: readonly McpServer[]): Omit<Snapshot, 'visibility'> {
  const byId = new Map<string, McpServer>();
  const byName = new Map<string, McpServer>();
  for (const server of servers) {
    if (!byId.has(server.serverId)) byId.set(server.serverId, server);
    for (const name of [server.alias, server.serverName, server.name])
      if (name && !byName.has(name)) byName.set(name, server);
  }
  return { servers: Object.freeze([...byId.values()]), byId, byName };
}
