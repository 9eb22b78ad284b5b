import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { APP_CONFIG } from '../../platform/config/config.module';
import type { AppConfig } from '../../platform/config/app-config';
import { Actor, AuditService, withoutNulls } from '../../platform/audit/audit.service';
import { ChangesService } from '../../platform/audit/changes.service';
import { isProxyAdmin } from '../../platform/auth/roles';
import { badRequest } from '../../platform/common/errors/api-error';
import { hashApiKey } from '../../platform/common/hashing';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { TeamAccess, TeamsService } from '../teams/teams.service';
import type { KeyFieldsRequest } from './dto/key-fields.request';
import type { KeyGenerateRequest } from './dto/key.requests';
import { KeyAccessService } from './key-access.service';
import { assertKeyAliasFree } from './key-alias';
import {
  KEY_TABLE,
  keyColumns,
  keyGenerateResponse,
  keyName,
  newRawKey,
  validateCustomKey,
  validateKeyFields,
} from './key-data';
import { KeyReferencesService } from './key-references.service';

type Tx = Prisma.TransactionClient;

export interface GenerateOptions {
  serviceAccount?: boolean;
  /**
   * The calling domain has already decided the caller may create this key for its owner (e.g.
   * /user/new for the user it creates, onboarding for the invited user): the caller-vs-owner
   * checks are skipped and the team need not exist (LiteLLM's UI team `litellm-dashboard` has
   * no row). Every other check still runs.
   */
  preAuthorized?: boolean;
}

/** A key request that passed every check, ready for `createPrepared`. */
export interface PreparedKey {
  req: KeyGenerateRequest;
  rawKey: string;
  token: string;
  userId: string | null;
  columns: Prisma.LiteLLM_VerificationTokenUncheckedUpdateInput;
  metadata: Record<string, unknown>;
  createdBy: string;
}

/**
 * Creating keys (LiteLLM spec tenancy.md §4): /key/generate, /key/service-account/generate, and
 * the keys other domains create inside their own transaction (through KeysService).
 */
@Injectable()
export class KeyGenerationService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly access: KeyAccessService,
    private readonly references: KeyReferencesService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
    private readonly objectPermissions: ObjectPermissionService,
    private readonly teams: TeamsService,
  ) {}

  /** POST /key/generate and /key/service-account/generate. */
  async generate(actor: Actor, req: KeyGenerateRequest, opts: GenerateOptions = {}) {
    const prepared = await this.prepare(actor, req, opts);
    return this.changes.run(actor, (change) => this.createPrepared(change.tx, actor, prepared));
  }

  /**
   * Every check of a key generation that reads but writes nothing; `createPrepared` then writes
   * the key. Other domains that create a key as part of their own change call the two inside
   * their transaction (e.g. /user/new, onboarding), with `preAuthorized` (see GenerateOptions).
   */
  async prepare(actor: Actor, req: KeyGenerateRequest, opts: GenerateOptions = {}): Promise<PreparedKey> {
    const { auth } = actor;
    const now = new Date();
    const route = opts.serviceAccount ? '/key/service-account/generate' : '/key/generate';
    validateKeyFields(req);
    this.access.checkPassthroughRoutes(auth, req);
    const rawKey = req.key != null ? validateCustomKey(req.key, 'key') : newRawKey();
    if (this.config.masterKey && rawKey === this.config.masterKey)
      throw badRequest('The key cannot be the master key.', 'key');

    let userId = req.user_id ?? null;
    if (opts.serviceAccount) {
      if (!req.team_id)
        throw badRequest(
          'team_id is required for service account keys. Pass the team the key belongs to.',
          'team_id',
        );
      userId = null;
    } else if (userId === null && !isProxyAdmin(auth.role)) {
      userId = auth.userId;
    }
    let team: TeamAccess | undefined;
    if (opts.preAuthorized) {
      team = req.team_id ? await this.teams.getTeamAccess(req.team_id) : undefined;
    } else {
      team = req.team_id ? await this.access.requireTeam(req.team_id) : undefined;
      await this.access.checkGenerate(auth, opts.serviceAccount ? null : userId, team, route);
    }
    await this.references.checkReferences(req);
    if (team) await this.checkGuaranteedThroughput(team, req);

    const token = hashApiKey(rawKey);
    const columns = keyColumns(req, now);
    const metadata = { ...((columns.metadata as Record<string, unknown>) ?? {}) };
    if (opts.serviceAccount)
      metadata.service_account_id =
        (req.metadata?.service_account_id as string) ?? req.key_alias ?? token.slice(0, 12);
    return { req, rawKey, token, userId, columns, metadata, createdBy: this.audit.actorId(auth) };
  }

  /** Writes a prepared key (with its soft budget, object permission and audit row) in `tx`. */
  async createPrepared(tx: Tx, actor: Actor, prepared: PreparedKey) {
    const { req, rawKey, token, columns, metadata, createdBy } = prepared;
    if (req.key_alias) await assertKeyAliasFree(tx, req.key_alias);
    const exists = await tx.liteLLM_VerificationToken.findUnique({
      where: { token },
      select: { token: true },
    });
    if (exists) throw badRequest('A key with this value already exists. Choose another custom key.', 'key');
    const budgetId = await this.references.saveSoftBudget(tx, actor, req, null);
    const objectPermissionId = req.object_permission
      ? await this.objectPermissions.save(req.object_permission, null, tx)
      : null;
    const created = await tx.liteLLM_VerificationToken.create({
      data: {
        ...(columns as Prisma.LiteLLM_VerificationTokenUncheckedCreateInput),
        token,
        key_name: keyName(rawKey, this.config.disableKeyName),
        user_id: prepared.userId,
        models: (columns.models as string[] | undefined) ?? [],
        metadata: metadata as Prisma.InputJsonValue,
        ...(budgetId ? { budget_id: budgetId } : {}),
        ...(objectPermissionId ? { object_permission_id: objectPermissionId } : {}),
        created_by: createdBy,
        updated_by: createdBy,
      },
      include: { litellm_budget_table: true },
    });
    const response = keyGenerateResponse(req, created, rawKey);
    await this.audit.record(
      actor,
      { action: 'created', table: KEY_TABLE, objectId: token, after: withoutNulls(response) },
      tx,
    );
    return response;
  }

  /** guaranteed_throughput: the team's keys together may not promise more than the team has. */
  private async checkGuaranteedThroughput(team: TeamAccess, req: KeyFieldsRequest) {
    for (const [kind, type, limit, teamLimit] of [
      ['TPM', req.tpm_limit_type, req.tpm_limit, team.tpmLimit],
      ['RPM', req.rpm_limit_type, req.rpm_limit, team.rpmLimit],
    ] as const) {
      if (type !== 'guaranteed_throughput' || teamLimit === null || limit == null) continue;
      const column = Prisma.raw(kind === 'TPM' ? 'tpm_limit' : 'rpm_limit');
      const [{ allocated }] = await this.prisma.$queryRaw<{ allocated: bigint | null }[]>`
        SELECT COALESCE(SUM(${column}), 0)::bigint AS allocated FROM "LiteLLM_VerificationToken" WHERE team_id = ${team.teamId}`;
      const used = allocated ?? 0n;
      if (used + BigInt(limit) > teamLimit) {
        throw badRequest(
          `Allocated ${kind} limit=${used} + Key ${kind} limit=${limit} is greater than team ${kind} limit=${teamLimit}`,
          `${kind.toLowerCase()}_limit`,
        );
      }
    }
  }
}
