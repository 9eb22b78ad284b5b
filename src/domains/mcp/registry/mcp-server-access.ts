import type { AuthContext } from '../../../platform/auth/auth-context';
import type { PrismaService } from '../../../platform/prisma/prisma.service';
import type { McpServer } from './mcp-server';

const ALL_TEAM_SERVERS = 'all-team-mcpservers';
const ALL_PROXY_SERVERS = 'all-proxy-mcpservers';

interface Grants {
  servers: string[];
  accessGroups: string[];
}

/**
 * The servers a (non-admin) key may list, as the management routes compute it (§2.4 steps 1–3
 * and 8): the key's object permission (server ids or names, access groups) and its team's, the
 * key's set capped by the team's when both have one, plus every `allow_all_keys` server.
 * `all-team-mcpservers` in the key's list stands for the team's; `all-proxy-mcpservers` in the
 * team's for every server. The MCP gateway's request path has its own cached computation.
 */
export async function accessibleServerIds(
  prisma: PrismaService,
  auth: AuthContext,
  servers: readonly McpServer[],
): Promise<Set<string>> {
  const key = auth.key ? await keyGrants(prisma, auth.key.token) : undefined;
  const team = auth.teamId ? await teamGrants(prisma, auth.teamId) : undefined;
  const teamSet = team ? expand(team, servers) : new Set<string>();
  const keyGrant = key ?? { servers: [], accessGroups: [] };
  const keySet = expand(keyGrant, servers);
  if (keyGrant.servers.includes(ALL_TEAM_SERVERS)) for (const id of teamSet) keySet.add(id);
  let base: Set<string>;
  if (teamSet.size === 0) base = keySet;
  else if (keySet.size === 0) base = teamSet;
  else base = new Set([...keySet].filter((id) => teamSet.has(id)));
  for (const s of servers) if (s.allowAllKeys) base.add(s.serverId);
  return base;
}

/** Ids named (by id, alias or name) in a permission, and the servers of its access groups. */
function expand(grants: Grants, servers: readonly McpServer[]): Set<string> {
  if (grants.servers.includes(ALL_PROXY_SERVERS)) return new Set(servers.map((s) => s.serverId));
  const named = new Set(grants.servers);
  const groups = new Set(grants.accessGroups);
  const ids = new Set<string>();
  for (const s of servers) {
    const byName = [s.serverId, s.alias, s.serverName, s.name].some((n) => n !== null && named.has(n));
    if (byName || s.mcpAccessGroups.some((g) => groups.has(g))) ids.add(s.serverId);
  }
  return ids;
}

async function keyGrants(prisma: PrismaService, token: string): Promise<Grants | undefined> {
  const row = await prisma.liteLLM_VerificationToken.findUnique({
    where: { token },
    select: { object_permission: { select: { mcp_servers: true, mcp_access_groups: true } } },
  });
  return grantsOf(row?.object_permission);
}

async function teamGrants(prisma: PrismaService, teamId: string): Promise<Grants | undefined> {
  const row = await prisma.liteLLM_TeamTable.findUnique({
    where: { team_id: teamId },
    select: { object_permission: { select: { mcp_servers: true, mcp_access_groups: true } } },
  });
  return grantsOf(row?.object_permission);
}

function grantsOf(p: { mcp_servers: string[]; mcp_access_groups: string[] } | null | undefined) {
  return p ? { servers: p.mcp_servers, accessGroups: p.mcp_access_groups } : undefined;
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
