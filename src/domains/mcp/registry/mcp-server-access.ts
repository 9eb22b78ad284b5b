import type { AuthContext } from '../../../platform/auth/auth-context';
import type { PrismaService } from '../../../platform/prisma/prisma.service';
import { allowedServerIds, loadMcpPermissions, UNRESTRICTED } from '../gateway/mcp-permissions';
import type { McpRegistry } from './mcp-server';

const ALL_TEAM_SERVERS = 'all-team-mcpservers';

interface Grants {
  servers: string[];
}

/**
 * The servers a (non-admin) key may list (§2.4): the same computation the MCP gateway's request
 * path makes (key and team object permissions, access groups, tool permissions, unified access
 * groups, `allow_all_keys`), read fresh here since these routes are not on the hot path.
 */
export async function accessibleServerIds(
  prisma: PrismaService,
  auth: AuthContext,
  registry: McpRegistry,
): Promise<Set<string>> {
  if (auth.isMasterKey || !auth.key) return allowedServerIds(UNRESTRICTED, registry);
  return allowedServerIds(await loadMcpPermissions(prisma, auth.key.token), registry);
}

async function keyGrants(prisma: PrismaService, token: string): Promise<Grants | undefined> {
  const row = await prisma.liteLLM_VerificationToken.findUnique({
    where: { token },
    select: { object_permission: { select: { mcp_servers: true } } },
  });
  return row?.object_permission ? { servers: row.object_permission.mcp_servers } : undefined;
}

async function teamGrants(prisma: PrismaService, teamId: string): Promise<Grants | undefined> {
  const row = await prisma.liteLLM_TeamTable.findUnique({
    where: { team_id: teamId },
    select: { object_permission: { select: { mcp_servers: true } } },
  });
  return row?.object_permission ? { servers: row.object_permission.mcp_servers } : undefined;
}

/** The key's own server list (E11's check of a stored server), `all-team-mcpservers` expanded to the team's. */
export async function keyServerList(prisma: PrismaService, auth: AuthContext): Promise<Set<string>> {
  const key = auth.key ? await keyGrants(prisma, auth.key.token) : undefined;
  const list = new Set(key?.servers ?? []);
  if (list.has(ALL_TEAM_SERVERS) && auth.teamId) {
    const team = await teamGrants(prisma, auth.teamId);
    for (const id of team?.servers ?? []) list.add(id);
  }
  return list;
}
