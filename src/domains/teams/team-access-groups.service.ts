import { Injectable, OnModuleInit } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { AccessGroupHolders, LinkChange } from '../access-groups/access-group-links';
import { AccessGroupsService } from '../access-groups/access-groups.service';

type Tx = Prisma.TransactionClient;

/**
 * The `access_group_ids` of teams, as access-group routes change them: the teams domain owns the
 * column, so it plugs this writer into AccessGroupsService at start-up (access groups sit below teams
 * and never import them). Set-based, in the caller's transaction; teams are locked in id order.
 */
@Injectable()
export class TeamAccessGroupsService implements AccessGroupHolders, OnModuleInit {
  readonly table = 'LiteLLM_TeamTable';

  constructor(private readonly accessGroups: AccessGroupsService) {}

  onModuleInit(): void {
    this.accessGroups.useHolders('teams', this);
  }

  async lock(tx: Tx, teamIds: string[]): Promise<string[]> {
    if (teamIds.length === 0) return [];
    const rows = await tx.$queryRaw<{ team_id: string }[]>`
      SELECT team_id FROM "LiteLLM_TeamTable" WHERE team_id = ANY(${teamIds}) ORDER BY team_id FOR UPDATE`;
    const found = new Set(rows.map((r) => r.team_id));
    return teamIds.filter((id) => !found.has(id));
  }

  async add(tx: Tx, teamIds: string[], groupId: string): Promise<LinkChange[]> {
    if (teamIds.length === 0) return [];
    return tx.$queryRaw<LinkChange[]>`
      UPDATE "LiteLLM_TeamTable"
      SET access_group_ids = array_append(COALESCE(access_group_ids, '{}'), ${groupId}), updated_at = now()
      WHERE team_id = ANY(${teamIds}) AND NOT (${groupId} = ANY(COALESCE(access_group_ids, '{}')))
      RETURNING team_id AS id, access_group_ids`;
  }

  async remove(tx: Tx, teamIds: string[] | undefined, groupId: string): Promise<LinkChange[]> {
    if (teamIds?.length === 0) return [];
    const scope = teamIds ? Prisma.sql`AND team_id = ANY(${teamIds})` : Prisma.empty;
    return tx.$queryRaw<LinkChange[]>`
      UPDATE "LiteLLM_TeamTable"
      SET access_group_ids = array_remove(access_group_ids, ${groupId}), updated_at = now()
      WHERE ${groupId} = ANY(access_group_ids) ${scope}
      RETURNING team_id AS id, access_group_ids`;
  }
}
