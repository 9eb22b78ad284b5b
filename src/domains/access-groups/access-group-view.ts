import type { LiteLLM_AccessGroupTable, Prisma } from '@prisma/client';
import type { PrismaService } from '../../platform/prisma/prisma.service';

type Db = Prisma.TransactionClient | PrismaService;

/** The MCP domain's names of its servers (LiteLLM_MCPServerTable is the MCP domain's table). */
export type McpServerNames = (ids: readonly string[]) => Promise<Map<string, string | null>>;

export interface Resource {
  id: string;
  name: string | null;
}

export type AccessGroupView = LiteLLM_AccessGroupTable & {
  access_mcp_servers: Resource[];
  access_agents: Resource[];
  assigned_teams: Resource[];
  assigned_keys: Resource[];
};

const distinct = (lists: string[][]) => [...new Set(lists.flat())];

/**
 * The answer for access groups (LiteLLM's shape): the row plus `{id, name}` for its MCP servers,
 * agents, teams and keys. `assigned_team_ids` are the teams really attached: those listed on the
 * group that still exist, plus teams carrying the group id that the list missed (LiteLLM's rule,
 * so a deleted team or a team changed directly is shown as it is).
 */
export async function accessGroupViews(
  db: Db,
  groups: LiteLLM_AccessGroupTable[],
  mcpServerNames: McpServerNames,
): Promise<AccessGroupView[]> {
  if (groups.length === 0) return [];
  const groupIds = groups.map((g) => g.access_group_id);
  const [teams, serverNames, agents, keys] = await Promise.all([
    db.liteLLM_TeamTable.findMany({
      where: {
        OR: [
          { team_id: { in: distinct(groups.map((g) => g.assigned_team_ids)) } },
          { access_group_ids: { hasSome: groupIds } },
        ],
      },
      select: { team_id: true, team_alias: true, access_group_ids: true },
      orderBy: { team_id: 'asc' },
    }),
    mcpServerNames(distinct(groups.map((g) => g.access_mcp_server_ids))),
    db.liteLLM_AgentsTable.findMany({
      where: { agent_id: { in: distinct(groups.map((g) => g.access_agent_ids)) } },
      select: { agent_id: true, agent_name: true },
    }),
    db.liteLLM_VerificationToken.findMany({
      where: { token: { in: distinct(groups.map((g) => g.assigned_key_ids)) } },
      select: { token: true, key_alias: true, key_name: true },
    }),
  ]);
  const teamNames = new Map(teams.map((t) => [t.team_id, t.team_alias]));
  const agentNames = new Map(agents.map((a) => [a.agent_id, a.agent_name]));
  const keyNames = new Map(keys.map((k) => [k.token, k.key_alias ?? k.key_name]));
  const label = (ids: string[], names: Map<string, string | null>) =>
    ids.map((id) => ({ id, name: names.get(id) ?? null }));

  return groups.map((group) => {
    const attached = [
      ...new Set([
        ...group.assigned_team_ids.filter((id) => teamNames.has(id)),
        ...teams.filter((t) => t.access_group_ids.includes(group.access_group_id)).map((t) => t.team_id),
      ]),
    ];
    return {
      ...group,
      assigned_team_ids: attached,
      access_mcp_servers: label(group.access_mcp_server_ids, serverNames),
      access_agents: label(group.access_agent_ids, agentNames),
      assigned_teams: label(attached, teamNames),
      assigned_keys: label(group.assigned_key_ids, keyNames),
    };
  });
}

/** The team ids attached to one group (for computing membership deltas), read in `db`. */
export async function attachedTeamIds(db: Db, group: LiteLLM_AccessGroupTable): Promise<string[]> {
  const teams = await db.liteLLM_TeamTable.findMany({
    where: {
      OR: [
        { team_id: { in: group.assigned_team_ids } },
        { access_group_ids: { has: group.access_group_id } },
      ],
    },
    select: { team_id: true },
  });
  return teams.map((t) => t.team_id);
}
