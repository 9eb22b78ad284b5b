import { Prisma } from '@prisma/client';
import type { Actor, AuditService } from '../../platform/audit/audit.service';

type Tx = Prisma.TransactionClient;

export const TEAM_TABLE = 'LiteLLM_TeamTable';
export const KEY_TABLE = 'LiteLLM_VerificationToken';

/** A team or key whose `access_group_ids` changed, with the list after the change. */
export interface LinkChange {
  id: string;
  access_group_ids: string[];
}

/**
 * The `access_group_ids` arrays of teams and keys, changed by set-based SQL inside the caller's
 * transaction (appends skip rows that already hold the id, removals rows that do not, so repeated
 * or concurrent calls neither duplicate nor lose ids). Rows are locked in id order first, teams
 * before keys, so two groups changing the same rows wait for each other instead of deadlocking.
 * These columns belong to the teams and keys domains; access groups are their only writer.
 */
export const accessGroupLinks = {
  /** Locks the teams and returns the ids that do not exist. */
  async lockTeams(tx: Tx, teamIds: string[]): Promise<string[]> {
    if (teamIds.length === 0) return [];
    const rows = await tx.$queryRaw<{ team_id: string }[]>`
      SELECT team_id FROM "LiteLLM_TeamTable" WHERE team_id = ANY(${teamIds}) ORDER BY team_id FOR UPDATE`;
    const found = new Set(rows.map((r) => r.team_id));
    return teamIds.filter((id) => !found.has(id));
  },

  /** Locks the keys and returns the hashes that do not exist. */
  async lockKeys(tx: Tx, tokens: string[]): Promise<string[]> {
    if (tokens.length === 0) return [];
    const rows = await tx.$queryRaw<{ token: string }[]>`
      SELECT token FROM "LiteLLM_VerificationToken" WHERE token = ANY(${tokens}) ORDER BY token FOR UPDATE`;
    const found = new Set(rows.map((r) => r.token));
    return tokens.filter((t) => !found.has(t));
  },

  async addToTeams(tx: Tx, teamIds: string[], groupId: string): Promise<LinkChange[]> {
    if (teamIds.length === 0) return [];
    return tx.$queryRaw<LinkChange[]>`
      UPDATE "LiteLLM_TeamTable"
      SET access_group_ids = array_append(COALESCE(access_group_ids, '{}'), ${groupId}), updated_at = now()
      WHERE team_id = ANY(${teamIds}) AND NOT (${groupId} = ANY(COALESCE(access_group_ids, '{}')))
      RETURNING team_id AS id, access_group_ids`;
  },

  /** Removes the id from the teams named, or from every team that carries it (`teamIds` undefined). */
  async removeFromTeams(tx: Tx, teamIds: string[] | undefined, groupId: string): Promise<LinkChange[]> {
    if (teamIds?.length === 0) return [];
    const scope = teamIds ? Prisma.sql`AND team_id = ANY(${teamIds})` : Prisma.empty;
    return tx.$queryRaw<LinkChange[]>`
      UPDATE "LiteLLM_TeamTable"
      SET access_group_ids = array_remove(access_group_ids, ${groupId}), updated_at = now()
      WHERE ${groupId} = ANY(access_group_ids) ${scope}
      RETURNING team_id AS id, access_group_ids`;
  },

  async addToKeys(tx: Tx, tokens: string[], groupId: string): Promise<LinkChange[]> {
    if (tokens.length === 0) return [];
    return tx.$queryRaw<LinkChange[]>`
      UPDATE "LiteLLM_VerificationToken"
      SET access_group_ids = array_append(COALESCE(access_group_ids, '{}'), ${groupId}), updated_at = now()
      WHERE token = ANY(${tokens}) AND NOT (${groupId} = ANY(COALESCE(access_group_ids, '{}')))
      RETURNING token AS id, access_group_ids`;
  },

  /** Removes the id from the keys named, or from every key that carries it (`tokens` undefined). */
  async removeFromKeys(tx: Tx, tokens: string[] | undefined, groupId: string): Promise<LinkChange[]> {
    if (tokens?.length === 0) return [];
    const scope = tokens ? Prisma.sql`AND token = ANY(${tokens})` : Prisma.empty;
    return tx.$queryRaw<LinkChange[]>`
      UPDATE "LiteLLM_VerificationToken"
      SET access_group_ids = array_remove(access_group_ids, ${groupId}), updated_at = now()
      WHERE ${groupId} = ANY(access_group_ids) ${scope}
      RETURNING token AS id, access_group_ids`;
  },

  /** One 'updated' audit row per team or key whose access_group_ids changed. */
  async audit(
    audit: AuditService,
    actor: Actor,
    tx: Tx,
    table: typeof TEAM_TABLE | typeof KEY_TABLE,
    groupId: string,
    changes: LinkChange[],
    added: boolean,
  ): Promise<void> {
    for (const change of changes) {
      const before = added
        ? change.access_group_ids.filter((id) => id !== groupId)
        : [...change.access_group_ids, groupId];
      await audit.record(
        actor,
        {
          action: 'updated',
          table,
          objectId: change.id,
          before: { access_group_ids: before },
          after: { access_group_ids: change.access_group_ids },
        },
        tx,
      );
    }
  },
};
