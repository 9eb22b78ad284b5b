import type { Prisma } from '@prisma/client';
import type { Change } from '../../platform/audit/changes.service';

type Tx = Prisma.TransactionClient;

/** A team or key whose `access_group_ids` changed, with the list after the change. */
export interface LinkChange {
  id: string;
  access_group_ids: string[];
}

/** The two kinds of rows that carry an `access_group_ids` array. */
export type HolderKind = 'teams' | 'keys';

/**
 * The `access_group_ids` arrays of one kind of row (teams, keys), as their owner domain writes them.
 * Teams and keys sit above access groups, so access groups never import them: each owner plugs its
 * holders in at start-up (AccessGroupsService.useHolders), as keys do for teams (TeamsService.useKeyRemover).
 * Every call runs in the caller's transaction. Appends skip rows that already hold the id, removals rows
 * that do not, so repeated or concurrent calls neither duplicate nor lose ids.
 */
export interface AccessGroupHolders {
  /** The owner's table, as audit rows name it (`LiteLLM_TeamTable`, `LiteLLM_VerificationToken`). */
  readonly table: string;
  /** Locks the rows in id order and returns the ids that do not exist. */
  lock(tx: Tx, ids: string[]): Promise<string[]>;
  add(tx: Tx, ids: string[], groupId: string): Promise<LinkChange[]>;
  /** Removes the id from the rows named, or from every row that carries it (`ids` undefined). */
  remove(tx: Tx, ids: string[] | undefined, groupId: string): Promise<LinkChange[]>;
}

/** One 'updated' audit row per team or key whose access_group_ids changed. */
export async function auditLinks(
  change: Change,
  table: string,
  groupId: string,
  changes: LinkChange[],
  added: boolean,
): Promise<void> {
  for (const linked of changes) {
    const before = added
      ? linked.access_group_ids.filter((id) => id !== groupId)
      : [...linked.access_group_ids, groupId];
    await change.audit({
      action: 'updated',
      table,
      objectId: linked.id,
      before: { access_group_ids: before },
      after: { access_group_ids: linked.access_group_ids },
    });
  }
}
