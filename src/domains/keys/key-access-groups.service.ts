import { Injectable, OnModuleInit } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { AccessGroupHolders, LinkChange } from '../access-groups/access-group-links';
import { AccessGroupsService } from '../access-groups/access-groups.service';
import { KEY_TABLE } from './key-data';

type Tx = Prisma.TransactionClient;

/**
 * The `access_group_ids` of keys, as access-group routes change them: the keys domain owns the column,
 * so it plugs this writer into AccessGroupsService at start-up (access groups sit below keys and never
 * import them). Set-based, in the caller's transaction; keys are locked in hash order.
 */
@Injectable()
export class KeyAccessGroupsService implements AccessGroupHolders, OnModuleInit {
  readonly table = KEY_TABLE;

  constructor(private readonly accessGroups: AccessGroupsService) {}

  onModuleInit(): void {
    this.accessGroups.useHolders('keys', this);
  }

  async lock(tx: Tx, tokens: string[]): Promise<string[]> {
    if (tokens.length === 0) return [];
    const rows = await tx.$queryRaw<{ token: string }[]>`
      SELECT token FROM "LiteLLM_VerificationToken" WHERE token = ANY(${tokens}) ORDER BY token FOR UPDATE`;
    const found = new Set(rows.map((r) => r.token));
    return tokens.filter((t) => !found.has(t));
  }

  async add(tx: Tx, tokens: string[], groupId: string): Promise<LinkChange[]> {
    if (tokens.length === 0) return [];
    return tx.$queryRaw<LinkChange[]>`
      UPDATE "LiteLLM_VerificationToken"
      SET access_group_ids = array_append(COALESCE(access_group_ids, '{}'), ${groupId}), updated_at = now()
      WHERE token = ANY(${tokens}) AND NOT (${groupId} = ANY(COALESCE(access_group_ids, '{}')))
      RETURNING token AS id, access_group_ids`;
  }

  async remove(tx: Tx, tokens: string[] | undefined, groupId: string): Promise<LinkChange[]> {
    if (tokens?.length === 0) return [];
    const scope = tokens ? Prisma.sql`AND token = ANY(${tokens})` : Prisma.empty;
    return tx.$queryRaw<LinkChange[]>`
      UPDATE "LiteLLM_VerificationToken"
      SET access_group_ids = array_remove(access_group_ids, ${groupId}), updated_at = now()
      WHERE ${groupId} = ANY(access_group_ids) ${scope}
      RETURNING token AS id, access_group_ids`;
  }
}
