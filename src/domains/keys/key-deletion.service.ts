import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { ChangesService } from '../../platform/audit/changes.service';
import { ApiError, notFound } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { KeyDeleteRequest } from './dto/key.requests';
import { KeyAccessService } from './key-access.service';
import { archiveKeys } from './key-archive';
import { KEY_TABLE, toTokenHash } from './key-data';

type Tx = Prisma.TransactionClient;

/**
 * Deleting keys: /key/delete, and the keys of users and teams being deleted (through
 * KeysService). Every path archives the rows to LiteLLM_DeletedVerificationToken the same way.
 */
@Injectable()
export class KeyDeletionService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly access: KeyAccessService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
  ) {}

  /** POST /key/delete: archive + delete + audit in one transaction; all or nothing. */
  async delete(actor: Actor, req: KeyDeleteRequest) {
    const { auth } = actor;
    const keys = req.keys ?? [];
    const aliases = req.key_aliases ?? [];
    if (keys.length === 0 && aliases.length === 0) {
      throw new ApiError(
        422,
        'Pass keys or key_aliases: at least one key to delete',
        'validation_error',
        'keys',
      );
    }
    const hashes = [...new Set(keys.map(toTokenHash))];
    const rows = await this.prisma.liteLLM_VerificationToken.findMany({
      where: { OR: [{ token: { in: hashes } }, ...(aliases.length ? [{ key_alias: { in: aliases } }] : [])] },
      select: { token: true, user_id: true, team_id: true, organization_id: true, key_alias: true },
    });
    if (rows.length === 0) throw notFound('No keys found', 'keys');
    const found = new Set(rows.map((r) => r.token));
    const foundAliases = new Set(rows.map((r) => r.key_alias));
    const missing = [
      ...keys
        .filter((k) => !found.has(toTokenHash(k)))
        .map((k) => (k.startsWith('sk-') ? `sk-...${k.slice(-4)}` : k)),
      ...aliases.filter((a) => !foundAliases.has(a)),
    ];
    if (missing.length) throw notFound(`Keys not found: ${missing.join(', ')}. Nothing was deleted.`, 'keys');
    for (const row of rows) await this.access.checkDelete(auth, row);

    const tokens = rows.map((r) => r.token);
    await this.changes.run(actor, async (change) => {
      await this.removeKeys(change.tx, actor, tokens);
      change.invalidatesKeys(...tokens);
    });
    return { deleted_keys: keys.length ? keys : aliases };
  }

  /**
   * Archives and deletes every key the users own, inside the caller's transaction (POST
   * /user/delete). Returns the key hashes; the caller evicts them from the auth cache after commit.
   */
  deleteKeysOfUsers(tx: Tx, actor: Actor, userIds: string[]): Promise<string[]> {
    return this.removeKeysWhere(tx, actor, { user_id: { in: userIds } });
  }

  /**
   * Archives and deletes every key of the teams, inside the caller's transaction (POST
   * /team/delete). Returns the key hashes; the caller evicts them from the auth cache after commit.
   */
  deleteKeysOfTeams(tx: Tx, actor: Actor, teamIds: string[]): Promise<string[]> {
    return this.removeKeysWhere(tx, actor, { team_id: { in: teamIds } });
  }

  /** `removeKeys` of every key matching `where`; returns their hashes. */
  private async removeKeysWhere(
    tx: Tx,
    actor: Actor,
    where: Prisma.LiteLLM_VerificationTokenWhereInput,
  ): Promise<string[]> {
    const rows = await tx.liteLLM_VerificationToken.findMany({ where, select: { token: true } });
    const tokens = rows.map((r) => r.token);
    if (tokens.length) await this.removeKeys(tx, actor, tokens);
    return tokens;
  }

  /** Archive + delete + audit of existing keys (LiteLLM_DeletedVerificationToken keeps the rows). */
  private async removeKeys(tx: Tx, actor: Actor, tokens: string[]) {
    const before = await tx.liteLLM_VerificationToken.findMany({ where: { token: { in: tokens } } });
    await archiveKeys(tx, tokens, {
      deletedBy: this.audit.actorId(actor.auth),
      deletedByApiKey: actor.auth.apiKey,
      changedBy: actor.changedByHeader ?? null,
    });
    await tx.liteLLM_DeprecatedVerificationToken.deleteMany({ where: { active_token_id: { in: tokens } } });
    await tx.liteLLM_VerificationToken.deleteMany({ where: { token: { in: tokens } } });
    for (const row of before) {
      await this.audit.record(
        actor,
        { action: 'deleted', table: KEY_TABLE, objectId: row.token, before: row, after: {} },
        tx,
      );
    }
  }
}
