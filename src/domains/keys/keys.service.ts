import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { badRequest, notFound } from '../../platform/common/errors/api-error';
import { TeamsService } from '../teams/teams.service';
import type { KeyGenerateRequest } from './dto/key.requests';
import { KeyAccessService } from './key-access.service';
import { KEY_TABLE, toTokenHash } from './key-data';
import { KeyDeletionService } from './key-deletion.service';
import { GenerateOptions, KeyGenerationService, PreparedKey } from './key-generation.service';
import { KeyQueriesService } from './key-queries.service';

type Tx = Prisma.TransactionClient;

/**
 * The keys domain as other domains call it (a key created or deleted inside their own
 * transaction), and the single-key actions block, reset spend and health (LiteLLM spec
 * tenancy.md §4). Generate, update and delete live in KeyGenerationService, KeyUpdateService and
 * KeyDeletionService; authorization rules in KeyAccessService; rotation in KeyRotationService.
 */
@Injectable()
export class KeysService implements OnModuleInit {
  constructor(
    private readonly access: KeyAccessService,
    private readonly queries: KeyQueriesService,
    private readonly generation: KeyGenerationService,
    private readonly deletion: KeyDeletionService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
    private readonly teams: TeamsService,
  ) {}

  /** /team/delete removes the team's keys through this service (teams cannot import keys). */
  onModuleInit(): void {
    this.teams.useKeyRemover(this);
  }

  // ---- For other domains -------------------------------------------------------------------

  actorId(auth: AuthContext): string {
    return this.audit.actorId(auth);
  }

  /** The checks of a key generation, for a key another domain writes in its transaction (see KeyGenerationService). */
  prepare(actor: Actor, req: KeyGenerateRequest, opts: GenerateOptions = {}): Promise<PreparedKey> {
    return this.generation.prepare(actor, req, opts);
  }

  /** Writes a prepared key in the caller's transaction. */
  createPrepared(tx: Tx, actor: Actor, prepared: PreparedKey) {
    return this.generation.createPrepared(tx, actor, prepared);
  }

  /** POST /user/delete: archives and deletes the users' keys in `tx`; returns their hashes. */
  deleteKeysOfUsers(tx: Tx, actor: Actor, userIds: string[]): Promise<string[]> {
    return this.deletion.deleteKeysOfUsers(tx, actor, userIds);
  }

  /** POST /team/delete: archives and deletes the teams' keys in `tx`; returns their hashes. */
  deleteKeysOfTeams(tx: Tx, actor: Actor, teamIds: string[]): Promise<string[]> {
    return this.deletion.deleteKeysOfTeams(tx, actor, teamIds);
  }

  // ---- Routes --------------------------------------------------------------------------------

  /** POST /key/block and /key/unblock: returns the row, including the token hash (as LiteLLM). */
  async setBlocked(actor: Actor, key: string, blocked: boolean) {
    if (!key.startsWith('sk-') && !/^[0-9a-f]{64}$/.test(key)) throw badRequest('Invalid key format.', 'key');
    const token = toTokenHash(key);
    const existing = await this.queries.findRow(token);
    if (!existing) throw notFound('Key not found in database', 'key');
    await this.access.checkBlock(actor.auth, existing);
    return this.changes.audited(
      actor,
      {
        action: blocked ? 'blocked' : 'unblocked',
        table: KEY_TABLE,
        objectId: token,
        before: { blocked: existing.blocked },
        after: { blocked },
      },
      (change) => change.invalidatesKeys(token),
      (tx) =>
        tx.liteLLM_VerificationToken.update({
          where: { token },
          data: { blocked, updated_by: this.audit.actorId(actor.auth) },
        }),
    );
  }

  /** POST /key/{key}/reset_spend: sets spend down to `reset_to` in one statement (no lost concurrent spend check). */
  async resetSpend(actor: Actor, key: string, resetTo: number) {
    const token = toTokenHash(key);
    const existing = await this.queries.findRow(token);
    if (!existing) throw notFound('Key not found in database', 'key');
    await this.access.checkResetSpend(actor.auth, existing);
    if (resetTo < 0) throw badRequest('reset_to must be >= 0', 'reset_to');
    if (existing.max_budget !== null && resetTo > existing.max_budget) {
      throw badRequest(`reset_to (${resetTo}) must be <= max_budget (${existing.max_budget})`, 'reset_to');
    }
    const result = await this.changes.run(actor, async (change) => {
      const tx = change.tx;
      const rows = await tx.$queryRaw<
        { previous_spend: number; spend: number; max_budget: number | null; budget_reset_at: Date | null }[]
      >`
        UPDATE "LiteLLM_VerificationToken" k SET spend = ${resetTo}, updated_at = now()
        FROM (SELECT token, spend AS previous_spend FROM "LiteLLM_VerificationToken" WHERE token = ${token} FOR UPDATE) old
        WHERE k.token = old.token AND old.previous_spend >= ${resetTo}
        RETURNING old.previous_spend, k.spend, k.max_budget, k.budget_reset_at`;
      if (rows.length === 0) {
        const current = await tx.liteLLM_VerificationToken.findUnique({
          where: { token },
          select: { spend: true },
        });
        throw badRequest(
          `reset_to (${resetTo}) must be <= current spend (${current?.spend ?? 0})`,
          'reset_to',
        );
      }
      await change.audit({
        action: 'updated',
        table: KEY_TABLE,
        objectId: token,
        before: { spend: rows[0].previous_spend },
        after: { spend: resetTo },
      });
      change.invalidatesKeys(token);
      return rows[0];
    });
    return { key_hash: token, ...result };
  }

  /** POST /key/health: the caller's own key. Logging callbacks are validated, not called. */
  health(auth: AuthContext) {
    const logging = auth.key?.metadata?.logging;
    if (logging === undefined || logging === null) return { key: 'healthy', logging_callbacks: null };
    const entries = Array.isArray(logging) ? logging : [logging];
    const names: string[] = [];
    for (const entry of entries) {
      const name = (entry as Record<string, unknown> | null)?.callback_name;
      if (typeof name !== 'string' || !name) {
        throw badRequest(
          'Invalid logging callback configuration: every entry of metadata.logging needs a callback_name',
          'metadata.logging',
        );
      }
      names.push(name);
    }
    return {
      key: 'healthy',
      logging_callbacks: {
        callbacks: names,
        status: 'healthy',
        details: 'Callback configuration is valid; callbacks are not invoked by this server.',
      },
    };
  }
}
