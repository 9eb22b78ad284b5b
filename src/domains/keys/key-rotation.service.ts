import { Inject, Injectable, Logger } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { APP_CONFIG } from '../../platform/config/config.module';
import type { AppConfig } from '../../platform/config/app-config';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import { addDuration, InvalidDurationError, parseDuration } from '../../platform/common/duration';
import { badRequest, notFound } from '../../platform/common/errors/api-error';
import { hashApiKey } from '../../platform/common/hashing';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { KeyFieldsRequest } from './dto/key-fields.request';
import type { KeyRegenerateRequest } from './dto/key.requests';
import { KeyAccessService } from './key-access.service';
import { archiveKeys } from './key-archive';
import {
  KEY_TABLE,
  keyColumns,
  keyGenerateResponse,
  keyName,
  KeyRow,
  newRawKey,
  toTokenHash,
  validateCustomKey,
  validateKeyFields,
} from './key-data';
import { KeyQueriesService } from './key-queries.service';

/** A regeneration that passed its checks: what `moveKey` writes. */
interface Rotation {
  existing: KeyRow;
  oldToken: string;
  newToken: string;
  rawKey: string;
  fields: KeyFieldsRequest;
  columns: Prisma.LiteLLM_VerificationTokenUncheckedUpdateInput;
  graceUntil: Date | undefined;
  now: Date;
}

/**
 * /key/regenerate and /key/{key}/regenerate, and the scheduler's auto-rotation (same path):
 * archive the old row, move the row to the new hash in place, keep the old hash working until
 * `revoke_at` when a grace period applies, evict the old hash on every pod.
 */
@Injectable()
export class KeyRotationService {
  private readonly logger = new Logger('key-rotation');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly queries: KeyQueriesService,
    private readonly access: KeyAccessService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
  ) {}

  /**
   * `opts.inTransaction` runs first inside the rotation's transaction (the scheduler passes its lease
   * fence there, so a leader that lost the lease cannot rotate).
   */
  async regenerate(
    actor: Actor,
    pathKey: string | undefined,
    req: KeyRegenerateRequest,
    now = new Date(),
    opts: { inTransaction?: (tx: Prisma.TransactionClient) => Promise<void> } = {},
  ) {
    const keyValue = pathKey ?? req.key ?? undefined;
    if (!keyValue) throw badRequest('No key passed in.', 'key');
    const oldToken = toTokenHash(keyValue);
    const existing = await this.queries.findRow(oldToken);
    if (!existing)
      throw notFound(
        `Key ${keyValue.startsWith('sk-') ? `sk-...${keyValue.slice(-4)}` : oldToken} not found.`,
        'key',
      );
    await this.access.checkRegenerate(actor.auth, existing);
    validateKeyFields(req);

    const rawKey = req.new_key != null ? validateCustomKey(req.new_key, 'new_key') : newRawKey();
    const newToken = hashApiKey(rawKey);
    if (newToken === oldToken) throw badRequest('new_key must differ from the current key.', 'new_key');
    const graceUntil = this.graceUntil(req.grace_period, now);
    const { key: _k, new_key: _n, grace_period: _g, ...fields } = req;
    const columns = keyColumns(fields, now, (existing.metadata ?? {}) as Record<string, unknown>);
    const rotation: Rotation = { existing, oldToken, newToken, rawKey, fields, columns, graceUntil, now };

    const row = await this.changes.run(actor, async (change) => {
      await opts.inTransaction?.(change.tx);
      return this.moveKey(change, actor, rotation);
    });
    return keyGenerateResponse(fields, row, rawKey);
  }

  /**
   * The writes of a rotation, in the change's transaction: archive the old row, move it to the new hash,
   * point grace-period hashes at it, and the audit row; the old hash goes stale on every pod.
   */
  private async moveKey(change: Change, actor: Actor, rotation: Rotation) {
    const tx = change.tx;
    const { existing, oldToken, newToken, rawKey, fields, columns, graceUntil, now } = rotation;
    const by = this.audit.actorId(actor.auth);
    const clash = await tx.liteLLM_VerificationToken.findUnique({
      where: { token: newToken },
      select: { token: true },
    });
    if (clash) throw badRequest('A key with this value already exists. Choose another new_key.', 'new_key');
    await archiveKeys(tx, [oldToken], {
      deletedBy: by,
      deletedByApiKey: actor.auth.apiKey,
      changedBy: actor.changedByHeader ?? null,
    });
    const updated = await tx.liteLLM_VerificationToken.update({
      where: { token: oldToken },
      data: {
        ...columns,
        token: newToken,
        key_name: keyName(rawKey, this.config.disableKeyName),
        rotation_count: { increment: 1 },
        last_rotation_at: now,
        ...(existing.auto_rotate && existing.rotation_interval && columns.key_rotation_at === undefined
          ? { key_rotation_at: addDuration(now, existing.rotation_interval) }
          : {}),
        updated_by: by,
      },
      include: { litellm_budget_table: true },
    });
    // Older values still in their grace period now lead to the new row.
    await tx.liteLLM_DeprecatedVerificationToken.updateMany({
      where: { active_token_id: oldToken },
      data: { active_token_id: newToken },
    });
    if (graceUntil) {
      await tx.liteLLM_DeprecatedVerificationToken.upsert({
        where: { token: oldToken },
        create: { token: oldToken, active_token_id: newToken, revoke_at: graceUntil },
        update: { active_token_id: newToken, revoke_at: graceUntil },
      });
    }
    const response = keyGenerateResponse(fields, updated, rawKey);
    await change.audit({
      action: 'rotated',
      table: KEY_TABLE,
      objectId: oldToken,
      before: existing,
      after: { ...response, key: undefined },
    });
    change.invalidatesKeys(oldToken);
    return updated;
  }

  // ---- For the scheduler (auto-rotation, clean-up of old hashes) ------------------------------

  /** Up to `take` keys with `auto_rotate` whose `key_rotation_at` has come, by hash after `after`. */
  async dueForRotation(now: Date, after: string, take: number): Promise<string[]> {
    const rows = await this.prisma.liteLLM_VerificationToken.findMany({
      where: {
        auto_rotate: true,
        rotation_interval: { not: null },
        OR: [{ key_rotation_at: null }, { key_rotation_at: { lte: now } }],
        token: { gt: after },
      },
      select: { token: true },
      orderBy: { token: 'asc' },
      take,
    });
    return rows.map((r) => r.token);
  }

  /** Whether the key is still due for auto-rotation, read in `tx` (false once another run rotated it). */
  async stillDueForRotation(tx: Prisma.TransactionClient, token: string, now: Date): Promise<boolean> {
    const still = await tx.liteLLM_VerificationToken.findFirst({
      where: { token, auto_rotate: true, OR: [{ key_rotation_at: null }, { key_rotation_at: { lte: now } }] },
      select: { token: true },
    });
    return still !== null;
  }

  /** Deletes up to `limit` old hashes whose grace period is over (`revoke_at` before `now`), in `tx`. */
  deleteRevokedHashes(tx: Prisma.TransactionClient, now: Date, limit: number): Promise<number> {
    return tx.$executeRaw`
      DELETE FROM "LiteLLM_DeprecatedVerificationToken" WHERE id IN (
        SELECT id FROM "LiteLLM_DeprecatedVerificationToken" WHERE revoke_at < ${now}
        LIMIT ${limit})`;
  }

  /** `grace_period` or LITELLM_KEY_ROTATION_GRACE_PERIOD; an unparseable value is ignored (LiteLLM). */
  private graceUntil(gracePeriod: string | null | undefined, now: Date): Date | undefined {
    const value = gracePeriod ?? this.config.keyRotationGracePeriod;
    if (!value) return undefined;
    try {
      const duration = parseDuration(value);
      return duration.amount > 0 ? addDuration(now, duration) : undefined;
    } catch (e) {
      if (!(e instanceof InvalidDurationError)) throw e;
      this.logger.warn({ msg: 'ignoring unparseable grace_period', grace_period: value });
      return undefined;
    }
  }
}
