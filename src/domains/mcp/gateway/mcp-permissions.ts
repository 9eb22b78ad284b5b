import { Prisma } from '@prisma/client';
import type { PrismaService } from '../../../platform/prisma/prisma.service';
import type { McpRegistry, McpServer } from '../registry/mcp-server';

/** MCP grants of one object permission (`LiteLLM_ObjectPermissionTable`), of a key or a team. */
export interface McpGrants {
  servers: string[];
  accessGroups: string[];
  /** `mcp_tool_permissions`: server id (or name) → tools; `null` when the column is unset. */
  toolPermissions: Record<string, string[]> | null;
  blockedTools: string[];
  /** `access_mcp_server_ids` of the unified access groups (`access_group_ids`) of the key/team. */
  accessGroupServerIds: string[];
}

/** What the gateway knows of a caller's MCP permissions; cached beside the key in auth's cache. */
export interface McpPermissions {
  /** Master key / proxy admin: every server, every tool. */
  unrestricted: boolean;
  key: McpGrants;
  team: McpGrants | null;
}

export const UNRESTRICTED: McpPermissions = { unrestricted: true, key: emptyGrants(), team: null };

/** Team list entry granting every server (LiteLLM's sentinel). */
const ALL_PROXY_SERVERS = 'all-proxy-mcpservers';

interface GrantsRow {
  key_servers: string[] | null;
  key_groups: string[] | null;
  key_tools: unknown;
  key_blocked: string[] | null;
  key_ag_servers: string[] | null;
  team_exists: boolean;
  team_servers: string[] | null;
  team_groups: string[] | null;
  team_tools: unknown;
  team_blocked: string[] | null;
  team_ag_servers: string[] | null;
}

/** One statement: the key's and its team's object permissions and unified access-group servers. */
export async function loadMcpPermissions(prisma: PrismaService, token: string): Promise<McpPermissions> {
  const rows = await prisma.$queryRaw<GrantsRow[]>(Prisma.sql`
    SELECT kop.mcp_servers AS key_servers, kop.mcp_access_groups AS key_groups,
           kop.mcp_tool_permissions AS key_tools, kop.blocked_tools AS key_blocked,
           (SELECT array_agg(s) FROM "LiteLLM_AccessGroupTable" g, unnest(g.access_mcp_server_ids) s
             WHERE g.access_group_id = ANY(v.access_group_ids)) AS key_ag_servers,
           (t.team_id IS NOT NULL) AS team_exists,
           top.mcp_servers AS team_servers, top.mcp_access_groups AS team_groups,
           top.mcp_tool_permissions AS team_tools, top.blocked_tools AS team_blocked,
           (SELECT array_agg(s) FROM "LiteLLM_AccessGroupTable" g, unnest(g.access_mcp_server_ids) s
             WHERE g.access_group_id = ANY(t.access_group_ids)) AS team_ag_servers
    FROM "LiteLLM_VerificationToken" v
    LEFT JOIN "LiteLLM_ObjectPermissionTable" kop ON kop.object_permission_id = v.object_permission_id
    LEFT JOIN "LiteLLM_TeamTable" t ON t.team_id = v.team_id
    LEFT JOIN "LiteLLM_ObjectPermissionTable" top ON top.object_permission_id = t.object_permission_id
    WHERE v.token = ${token}`);
  const row = rows[0];
  if (!row) return { unrestricted: false, key: emptyGrants(), team: null };
  return {
    unrestricted: false,
    key: grants(row.key_servers, row.key_groups, row.key_tools, row.key_blocked, row.key_ag_servers),
    team: row.team_exists
      ? grants(row.team_servers, row.team_groups, row.team_tools, row.team_blocked, row.team_ag_servers)
      : null,
  };
}

/**
 * The servers a caller may use (spec §2.4, the baseline reading): the key's set, else the team's,
 * else their intersection; plus the key's unified access-group servers; plus every `allow_all_keys`
 * server. Entries may be ids or names. Returns server ids.
 */
export function allowedServerIds(perms: McpPermissions, registry: McpRegistry): Set<string> {
  const all = registry.all();
  if (perms.unrestricted) return new Set(all.map((s) => s.serverId));
  const keySet = grantedIds(perms.key, registry);
  const teamSet = perms.team ? grantedIds(perms.team, registry) : new Set<string>();
  let base: Set<string>;
  if (teamSet.size === 0) base = keySet;
  else if (keySet.size === 0) base = teamSet;
  else base = new Set([...keySet].filter((id) => teamSet.has(id)));
  const out = new Set(base);
  for (const id of resolveIds(perms.key.accessGroupServerIds, registry)) out.add(id);
  for (const server of all) if (server.allowAllKeys) out.add(server.serverId);
  return out;
}

function grantedIds(g: McpGrants, registry: McpRegistry): Set<string> {
  if (g.servers.includes(ALL_PROXY_SERVERS)) return new Set(registry.all().map((s) => s.serverId));
  const out = resolveIds(g.servers, registry);
  const groups = new Set(g.accessGroups);
  if (groups.size > 0) {
    for (const s of registry.all()) if (s.mcpAccessGroups.some((ag) => groups.has(ag))) out.add(s.serverId);
  }
  for (const id of resolveIds(Object.keys(g.toolPermissions ?? {}), registry)) out.add(id);
  for (const id of resolveIds(g.accessGroupServerIds, registry)) out.add(id);
  return out;
}

function resolveIds(namesOrIds: readonly string[], registry: McpRegistry): Set<string> {
  const out = new Set<string>();
  for (const entry of namesOrIds) {
    const server = registry.find(entry);
    if (server) out.add(server.serverId);
  }
  return out;
}

/**
 * Whether the caller may call `tool` (the upstream's name) on `server`: the server's
 * `allowed_tools` whitelist, the object permissions' `blocked_tools`, and `mcp_tool_permissions`
 * (team ∩ key when both list the server, else whichever does; `[]` allows nothing).
 */
export function toolAllowed(perms: McpPermissions, server: McpServer, tool: string): boolean {
  if (server.allowedTools.length > 0 && !server.allowedTools.includes(tool)) return false;
  if (perms.unrestricted) return true;
  if (perms.key.blockedTools.includes(tool) || perms.team?.blockedTools.includes(tool)) return false;
  const keyList = toolList(perms.key, server);
  const teamList = perms.team ? toolList(perms.team, server) : undefined;
  if (keyList && !keyList.includes(tool)) return false;
  if (teamList && !teamList.includes(tool)) return false;
  return true;
}

function toolList(g: McpGrants, server: McpServer): string[] | undefined {
  const perms = g.toolPermissions;
  if (!perms) return undefined;
  return perms[server.serverId] ?? (server.name in perms ? perms[server.name] : undefined);
}

function grants(
  servers: string[] | null,
  groups: string[] | null,
  tools: unknown,
  blocked: string[] | null,
  agServers: string[] | null,
): McpGrants {
  return {
    servers: servers ?? [],
    accessGroups: groups ?? [],
    toolPermissions: toolPermissions(tools),
    blockedTools: blocked ?? [],
    accessGroupServerIds: agServers ?? [],
  };
}

function toolPermissions(raw: unknown): Record<string, string[]> | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const out: Record<string, string[]> = {};
  for (const [server, tools] of Object.entries(raw as Record<string, unknown>)) {
    if (Array.isArray(tools)) out[server] = tools.filter((t): t is string => typeof t === 'string');
  }
  return out;
}

function emptyGrants(): McpGrants {
  return { servers: [], accessGroups: [], toolPermissions: null, blockedTools: [], accessGroupServerIds: [] };
}
