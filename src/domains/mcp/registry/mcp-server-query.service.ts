import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { isAdminViewer } from '../../../platform/auth/roles';
import { forbidden, notFound } from '../../../platform/common/errors/api-error';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { McpHealthService } from './mcp-health.service';
import { McpRegistryService } from './mcp-registry.service';
import type { McpServer } from './mcp-server';
import { accessibleServerIds, keyServerList } from './mcp-server-access';
import { configView, isRestrictedKey, McpServerView, rowView, sanitiseView } from './mcp-server-views';

/** What the address-dependent reads take of the request: the direct peer and the headers. */
type RequestFacts = { ip?: string; headers: Record<string, string | string[] | undefined> };

/** The read routes over MCP servers (§1.3 E5, E11), sanitised per caller (§1.2). */
@Injectable()
export class McpServerQueryService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly registry: McpRegistryService,
    private readonly health: McpHealthService,
  ) {}

  /** E5: the served servers the caller may use (admins: all), or a team's when `team_id` is given. */
  async listServers(auth: AuthContext, teamId?: string): Promise<McpServerView[]> {
    const servers = this.registry.all();
    let allowed: readonly McpServer[];
    if (teamId?.trim()) allowed = await this.teamServers(auth, teamId.trim(), servers);
    else if ((isAdminViewer(auth.role) || this.config.gateway.mcpViewAll) && !isRestrictedKey(auth))
      allowed = servers;
    else {
      const ids = await accessibleServerIds(this.prisma, auth, this.registry);
      allowed = servers.filter((s) => ids.has(s.serverId));
    }
    const views = await this.viewsOf(allowed);
    await this.markUserCredentials(views, auth);
    return views.map((v) => sanitiseView(this.markPublic(v), auth));
  }

  /**
   * E11: a stored row (any approval status), else a config server by id, then by name (one not
   * visible from the caller's address does not exist). A served server is health-checked live and
   * the answer carries the result (the row is not written: the list and the scheduled check do).
   */
  async serverInfo(auth: AuthContext, serverId: string, req: RequestFacts): Promise<McpServerView> {
    const row = await this.prisma.liteLLM_MCPServerTable.findUnique({ where: { server_id: serverId } });
    const config = row ? undefined : this.configServer(serverId, this.registry.clientIp(req));
    if (!row && !config) throw notFound(`MCP Server with id ${serverId} not found`, 'server_id');
    if (!isAdminViewer(auth.role)) {
      // LiteLLM's quirk, kept: a stored server must be in the key's own list (team and access-group grants do not count).
      const allowed = row
        ? (await keyServerList(this.prisma, auth)).has(serverId)
        : (await accessibleServerIds(this.prisma, auth, this.registry)).has(config!.serverId);
      if (!allowed) throw forbidden(`User does not have permission to view mcp server with id ${serverId}`);
    }
    const view = row ? rowView(row) : configView(config!);
    const served = config ?? this.registry.byId(serverId);
    if (served) {
      const result = await this.health.check(served);
      view.status = result.status;
      view.last_health_check = result.last_health_check.toISOString();
      view.health_check_error = result.health_check_error;
    }
    await this.markUserCredentials([view], auth);
    return sanitiseView(this.markPublic(view), auth);
  }

  /** E3: the caller's address as the MCP gateway sees it. */
  clientIp(req: { ip?: string; headers: Record<string, string | string[] | undefined> }): {
    ip: string | null;
  } {
    return { ip: this.registry.clientIp(req) };
  }

  /** E2: the access groups of config servers and of every stored row (any status), sorted. */
  async accessGroups(): Promise<{ access_groups: string[] }> {
    const rows = await this.prisma.liteLLM_MCPServerTable.findMany({ select: { mcp_access_groups: true } });
    const groups = new Set<string>();
    for (const s of this.registry.all())
      if (s.source === 'config') s.mcpAccessGroups.forEach((g) => groups.add(g));
    for (const r of rows) r.mcp_access_groups.forEach((g) => groups.add(g));
    return { access_groups: [...groups].sort() };
  }

  private configServer(idOrName: string, ip: string | null): McpServer | undefined {
    const configs = this.registry
      .all()
      .filter((s) => s.source === 'config' && this.registry.visibleFrom(s, ip));
    return (
      configs.find((s) => s.serverId === idOrName) ??
      configs.find((s) => s.serverName === idOrName || s.alias === idOrName)
    );
  }

  private async teamServers(auth: AuthContext, teamId: string, servers: readonly McpServer[]) {
    if (isRestrictedKey(auth))
      throw forbidden('Restricted virtual keys cannot query team-scoped MCP servers.');
    const team = await this.prisma.liteLLM_TeamTable.findUnique({
      where: { team_id: teamId },
      select: {
        members_with_roles: true,
        object_permission: { select: { mcp_servers: true, mcp_access_groups: true } },
      },
    });
    if (!isAdminViewer(auth.role) && !isTeamMember(team?.members_with_roles, auth.userId))
      throw forbidden('You do not have permission to view MCP servers for this team.');
    const named = new Set(team?.object_permission?.mcp_servers ?? []);
    const groups = new Set(team?.object_permission?.mcp_access_groups ?? []);
    const everything = named.has('all-proxy-mcpservers');
    return servers.filter(
      (s) =>
        everything ||
        s.allowAllKeys ||
        [s.serverId, s.alias, s.serverName].some((n) => n !== null && named.has(n)) ||
        s.mcpAccessGroups.some((g) => groups.has(g)),
    );
  }

  /** Stored servers as their rows (status, audit columns), config servers as built. */
  private async viewsOf(servers: readonly McpServer[]): Promise<McpServerView[]> {
    const ids = servers.filter((s) => s.source === 'db').map((s) => s.serverId);
    const rows = ids.length
      ? await this.prisma.liteLLM_MCPServerTable.findMany({ where: { server_id: { in: ids } } })
      : [];
    const byId = new Map(rows.map((r) => [r.server_id, r]));
    return servers.flatMap((s) => {
      if (s.source === 'config') return [configView(s)];
      const row = byId.get(s.serverId);
      return row ? [rowView(row)] : [];
    });
  }

  /** `litellm_settings.public_mcp_servers` shows as `mcp_info.is_public`. */
  private markPublic(view: McpServerView): McpServerView {
    if (!this.registry.publicServerIds().has(view.server_id)) return view;
    return { ...view, mcp_info: { ...(view.mcp_info ?? {}), is_public: true } };
  }

  /** BYOK servers: whether the caller stored a credential (one query for all of them). */
  private async markUserCredentials(views: McpServerView[], auth: AuthContext): Promise<void> {
    const byok = views.filter((v) => v.is_byok);
    if (byok.length === 0 || !auth.userId) return;
    const rows = await this.prisma.liteLLM_MCPUserCredentials.findMany({
      where: { user_id: auth.userId, server_id: { in: byok.map((v) => v.server_id) } },
      select: { server_id: true },
    });
    const stored = new Set(rows.map((r) => r.server_id));
    for (const view of byok) view.has_user_credential = stored.has(view.server_id);
  }
}

function isTeamMember(members: unknown, userId: string | null): boolean {
  if (!userId || !Array.isArray(members)) return false;
  return members.some(
    (m) => m !== null && typeof m === 'object' && (m as { user_id?: unknown }).user_id === userId,
  );
}
