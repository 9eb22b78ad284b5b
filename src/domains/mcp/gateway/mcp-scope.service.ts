import { Injectable } from '@nestjs/common';
import { AuthCacheService } from '../../../platform/auth/auth-cache.service';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import type { McpRegistry, McpServer } from '../registry/mcp-server';
import type { McpDecision } from './mcp-admission';
import { findByName } from './mcp-admission';
import { allowedServerIds, loadMcpPermissions, type McpPermissions, UNRESTRICTED } from './mcp-permissions';

const PERMISSIONS_SLOT = 'mcp:permissions';

/** The servers one admitted request may use, and the permissions its tool checks read. */
export interface McpScope {
  servers: McpServer[];
  permissions: McpPermissions;
}

/**
 * Turns the admission decision into the request's servers (spec §2.4): a key's allowed servers
 * (object permissions of key and team, access groups, `allow_all_keys`), narrowed to the targeted
 * names and to what the caller's IP may see; an anonymous delegate caller gets exactly its
 * targeted delegate servers (rule 19), never the `allow_all_keys` ones. The key's permissions ride
 * in auth's key cache, so a warm request reads nothing from the database.
 */
@Injectable()
export class McpScopeService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authCache: AuthCacheService,
  ) {}

  async scopeOf(decision: McpDecision, registry: McpRegistry): Promise<McpScope> {
    const { caller, ip } = decision;
    if (caller.kind === 'anonymous') {
      return { servers: decision.delegateServers, permissions: { ...UNRESTRICTED, unrestricted: false } };
    }
    const permissions = await this.permissionsOf(caller.auth);
    const allowed = allowedServerIds(permissions, registry);
    const candidates =
      targetedServers(decision, registry) ?? registry.all().filter((s) => registry.visibleFrom(s, ip));
    const servers = [...new Set(candidates)].filter((s) => allowed.has(s.serverId));
    return { servers, permissions };
  }

  private async permissionsOf(auth: AuthContext): Promise<McpPermissions> {
    if (auth.isMasterKey || !auth.key || auth.role === 'proxy_admin') return UNRESTRICTED;
    const token = auth.key.token;
    return this.authCache.attachedOrLoad(token, PERMISSIONS_SLOT, () =>
      loadMcpPermissions(this.prisma, token),
    );
  }
}

/**
 * The named targets (path or `x-mcp-servers`) plus the servers of the `x-mcp-access-groups`
 * groups, among those visible from the caller's IP; `undefined` when the request names neither
 * (the aggregate: every allowed server).
 */
function targetedServers(decision: McpDecision, registry: McpRegistry): McpServer[] | undefined {
  const { targetNames, accessGroups, ip } = decision;
  if (!targetNames && !accessGroups) return undefined;
  const named = (targetNames ?? []).map((name) => findByName(registry, name, ip));
  const groups = new Set(accessGroups ?? []);
  const grouped = registry
    .all()
    .filter((s) => s.mcpAccessGroups.some((g) => groups.has(g)) && registry.visibleFrom(s, ip));
  return [...named, ...grouped].filter((s): s is McpServer => !!s);
}
