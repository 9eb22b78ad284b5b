import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';
import { Actor, AuditService } from '../audit/audit.service';
import { AuthCacheService } from '../auth/auth-cache.service';
import type { AuthContext } from '../auth/auth-context';
import { isProxyAdmin } from '../auth/roles';
import { ApiError, badRequest, forbidden, notFound } from '../common/errors/api-error';
import { hashApiKey } from '../common/hashing';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import { OrganizationsService } from '../organizations/organizations.service';
import { PrismaService } from '../prisma/prisma.service';
import { ProjectsService } from '../projects/projects.service';
import { BudgetsService } from '../budgets/budgets.service';
import { TeamAccess, TeamsService } from '../teams/teams.service';
import type { KeyFieldsRequest } from './dto/key-fields.request';
import type {
  KeyBulkUpdateRequest,
  KeyDeleteRequest,
  KeyGenerateRequest,
  KeyUpdateRequest,
} from './dto/key.requests';
import { KeyAccessService } from './key-access.service';
import { archiveKeys } from './key-archive';
import { keyColumns, keyName, newRawKey, validateCustomKey, validateKeyFields } from './key-data';

type KeyRow = Prisma.LiteLLM_VerificationTokenGetPayload<{ include: { litellm_budget_table: true } }>;
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

export const KEY_TABLE = 'LiteLLM_VerificationToken';
const MAX_BULK = 500;

/** A `key` parameter: a raw `sk-` key is hashed; anything else is taken as the stored hash. */
export function toTokenHash(value: string): string {
  return value.startsWith('sk-') ? hashApiKey(value) : value;
}

/** Drops nulls, as LiteLLM's audit "after" values do. */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

/**
 * Key lifecycle: generate, update, delete, block, reset spend, bulk update (LiteLLM spec
 * tenancy.md §4). Authorization rules live in KeyAccessService; rotation in KeyRotationService.
 */
@Injectable()
export class KeysService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly access: KeyAccessService,
    private readonly audit: AuditService,
    private readonly cache: AuthCacheService,
    private readonly objectPermissions: ObjectPermissionService,
    private readonly organizations: OrganizationsService,
    private readonly projects: ProjectsService,
    private readonly budgets: BudgetsService,
    private readonly teams: TeamsService,
  ) {}

  actorId(auth: AuthContext): string {
    return this.audit.actorId(auth);
  }

  /** POST /key/generate and /key/service-account/generate. */
  async generate(actor: Actor, req: KeyGenerateRequest, opts: GenerateOptions = {}) {
    const prepared = await this.prepare(actor, req, opts);
    return this.prisma.$transaction((tx) => this.createPrepared(tx, actor, prepared));
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
    this.checkPassthroughRoutes(auth, req);
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
    await this.checkReferences(req);
    if (team) await this.checkGuaranteedThroughput(team, req);

    const token = hashApiKey(rawKey);
    const columns = keyColumns(req, now);
    const metadata = { ...((columns.metadata as Record<string, unknown>) ?? {}) };
    if (opts.serviceAccount)
      metadata.service_account_id =
        (req.metadata?.service_account_id as string) ?? req.key_alias ?? token.slice(0, 12);
    return { req, rawKey, token, userId, columns, metadata, createdBy: this.actorId(auth) };
  }

  /** Writes a prepared key (with its soft budget, object permission and audit row) in `tx`. */
  async createPrepared(tx: Tx, actor: Actor, prepared: PreparedKey) {
    const { req, rawKey, token, columns, metadata, createdBy } = prepared;
    if (req.key_alias) await this.assertAliasFree(tx, req.key_alias);
    const exists = await tx.liteLLM_VerificationToken.findUnique({
      where: { token },
      select: { token: true },
    });
    if (exists) throw badRequest('A key with this value already exists. Choose another custom key.', 'key');
    const budgetId = await this.saveSoftBudget(tx, actor, req, null);
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
    const response = this.generateResponse(req, created, rawKey);
    await this.audit.record(
      actor,
      { action: 'created', table: KEY_TABLE, objectId: token, after: withoutNulls(response) },
      tx,
    );
    return response;
  }

  /** The GenerateKeyResponse shape: request fields, the row, and the raw key (shown this once). */
  generateResponse(req: KeyFieldsRequest, row: KeyRow, rawKey: string) {
    const echo = Object.fromEntries(Object.entries(req).filter(([k]) => k !== 'key' && k !== 'new_key'));
    return { ...echo, ...row, key: rawKey, key_name: row.key_name, token: row.token, token_id: row.token };
  }

  /** POST /key/update. */
  async update(actor: Actor, req: KeyUpdateRequest) {
    const { auth } = actor;
    const now = new Date();
    const token = toTokenHash(req.key);
    const existing = await this.findRow(token);
    if (!existing)
      throw notFound(
        `Key not found, passed key=${req.key.startsWith('sk-') ? `sk-...${req.key.slice(-4)}` : token}`,
        'key',
      );
    await this.access.checkUpdate(auth, existing);
    await this.validateUpdate(auth, existing, req);

    const columns = keyColumns(req, now, (existing.metadata ?? {}) as Record<string, unknown>);
    const updatedBy = this.actorId(auth);
    const row = await this.prisma.$transaction(async (tx) => {
      if (req.key_alias && req.key_alias !== existing.key_alias)
        await this.assertAliasFree(tx, req.key_alias, token);
      const budgetId = await this.saveSoftBudget(tx, actor, req, existing.budget_id);
      const objectPermissionId = req.object_permission
        ? await this.objectPermissions.save(req.object_permission, existing.object_permission_id, tx)
        : undefined;
      const updated = await tx.liteLLM_VerificationToken.update({
        where: { token },
        data: {
          ...columns,
          ...(budgetId ? { budget_id: budgetId } : {}),
          ...(objectPermissionId ? { object_permission_id: objectPermissionId } : {}),
          updated_by: updatedBy,
        },
        include: { litellm_budget_table: true },
      });
      const { key: _sent, ...after } = req;
      await this.audit.record(
        actor,
        { action: 'updated', table: KEY_TABLE, objectId: token, before: existing, after },
        tx,
      );
      return updated;
    });
    await this.cache.invalidateKey(token);
    return { ...row, key: req.key };
  }

  private async validateUpdate(auth: AuthContext, existing: KeyRow, req: KeyUpdateRequest) {
    validateKeyFields(req);
    this.checkPassthroughRoutes(auth, req);
    if ((req.temp_budget_increase == null) !== (req.temp_budget_expiry == null)) {
      throw new ApiError(
        422,
        'temp_budget_increase and temp_budget_expiry must be set together',
        'validation_error',
        'temp_budget_increase',
      );
    }
    if (req.user_id !== undefined && req.user_id !== existing.user_id && !isProxyAdmin(auth.role)) {
      throw forbidden('Only proxy admins can change the user_id of a key', 'user_id');
    }
    if (req.team_id && req.team_id !== existing.team_id) {
      const models = req.models ?? existing.models;
      const tpm =
        req.tpm_limit !== undefined
          ? req.tpm_limit === null
            ? null
            : BigInt(req.tpm_limit)
          : existing.tpm_limit;
      const rpm =
        req.rpm_limit !== undefined
          ? req.rpm_limit === null
            ? null
            : BigInt(req.rpm_limit)
          : existing.rpm_limit;
      const userId = req.user_id !== undefined ? req.user_id : existing.user_id;
      await this.access.checkTeamChange(
        auth,
        { ...existing, user_id: userId, models, tpm_limit: tpm, rpm_limit: rpm },
        req.team_id,
      );
    }
    await this.checkReferences(req);
  }

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
    await this.prisma.$transaction((tx) => this.removeKeys(tx, actor, tokens));
    await Promise.all(tokens.map((t) => this.cache.invalidateKey(t)));
    return { deleted_keys: keys.length ? keys : aliases };
  }

  /**
   * Archives and deletes every key the users own, inside the caller's transaction (POST
   * /user/delete). Returns the key hashes; the caller evicts them from the auth cache after commit.
   */
  async deleteKeysOfUsers(tx: Tx, actor: Actor, userIds: string[]): Promise<string[]> {
    const rows = await tx.liteLLM_VerificationToken.findMany({
      where: { user_id: { in: userIds } },
      select: { token: true },
    });
    const tokens = rows.map((r) => r.token);
    if (tokens.length) await this.removeKeys(tx, actor, tokens);
    return tokens;
  }

  /**
   * Archives and deletes every key of the teams, inside the caller's transaction (POST
   * /team/delete). Returns the key hashes; the caller evicts them from the auth cache after commit.
   */
  async deleteKeysOfTeams(tx: Tx, actor: Actor, teamIds: string[]): Promise<string[]> {
    const rows = await tx.liteLLM_VerificationToken.findMany({
      where: { team_id: { in: teamIds } },
      select: { token: true },
    });
    const tokens = rows.map((r) => r.token);
    if (tokens.length) await this.removeKeys(tx, actor, tokens);
    return tokens;
  }

  /** Archive + delete + audit of existing keys (LiteLLM_DeletedVerificationToken keeps the rows). */
  private async removeKeys(tx: Tx, actor: Actor, tokens: string[]) {
    const before = await tx.liteLLM_VerificationToken.findMany({ where: { token: { in: tokens } } });
    await archiveKeys(tx, tokens, {
      deletedBy: this.actorId(actor.auth),
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

  /** POST /key/block and /key/unblock: returns the row, including the token hash (as LiteLLM). */
  async setBlocked(actor: Actor, key: string, blocked: boolean) {
    if (!key.startsWith('sk-') && !/^[0-9a-f]{64}$/.test(key)) throw badRequest('Invalid key format.', 'key');
    const token = toTokenHash(key);
    const existing = await this.findRow(token);
    if (!existing) throw notFound('Key not found in database', 'key');
    await this.access.checkBlock(actor.auth, existing);
    const row = await this.audit.audited(
      actor,
      {
        action: blocked ? 'blocked' : 'unblocked',
        table: KEY_TABLE,
        objectId: token,
        before: { blocked: existing.blocked },
        after: { blocked },
      },
      (tx) =>
        tx.liteLLM_VerificationToken.update({
          where: { token },
          data: { blocked, updated_by: this.actorId(actor.auth) },
        }),
    );
    await this.cache.invalidateKey(token);
    return row;
  }

  /** POST /key/{key}/reset_spend: sets spend down to `reset_to` in one statement (no lost concurrent spend check). */
  async resetSpend(actor: Actor, key: string, resetTo: number) {
    const token = toTokenHash(key);
    const existing = await this.findRow(token);
    if (!existing) throw notFound('Key not found in database', 'key');
    await this.access.checkResetSpend(actor.auth, existing);
    if (resetTo < 0) throw badRequest('reset_to must be >= 0', 'reset_to');
    if (existing.max_budget !== null && resetTo > existing.max_budget) {
      throw badRequest(`reset_to (${resetTo}) must be <= max_budget (${existing.max_budget})`, 'reset_to');
    }
    const result = await this.prisma.$transaction(async (tx) => {
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
      await this.audit.record(
        actor,
        {
          action: 'updated',
          table: KEY_TABLE,
          objectId: token,
          before: { spend: rows[0].previous_spend },
          after: { spend: resetTo },
        },
        tx,
      );
      return rows[0];
    });
    await this.cache.invalidateKey(token);
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

  /** POST /key/bulk_update (proxy admin only): each key through the normal update path. */
  async bulkUpdate(actor: Actor, req: KeyBulkUpdateRequest) {
    if (!isProxyAdmin(actor.auth.role)) throw forbidden('Only proxy admins can perform bulk key updates');
    if (req.keys.length === 0) throw badRequest('No keys provided for update', 'keys');
    if (req.keys.length > MAX_BULK)
      throw badRequest(
        `Maximum ${MAX_BULK} keys can be updated at once. Found ${req.keys.length} keys.`,
        'keys',
      );
    const successful: { key: string; key_info: unknown }[] = [];
    const failed: { key: string; key_info: unknown; failed_reason: string }[] = [];
    for (const item of req.keys) {
      const { tags, ...fields } = item;
      try {
        const updated = await this.update(actor, {
          ...fields,
          ...(tags !== undefined ? { tags } : {}),
        } as KeyUpdateRequest);
        successful.push({ key: item.key, key_info: updated });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        failed.push({ key: item.key, key_info: item, failed_reason: e.message });
      }
    }
    return { total_requested: req.keys.length, successful_updates: successful, failed_updates: failed };
  }

  findRow(token: string): Promise<KeyRow | null> {
    return this.prisma.liteLLM_VerificationToken.findUnique({
      where: { token },
      include: { litellm_budget_table: true },
    });
  }

  /** Aliases are unique across all keys. The advisory lock closes the race between two creators. */
  private async assertAliasFree(tx: Tx, alias: string, exceptToken?: string) {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${'key_alias:' + alias}))`;
    const clash = await tx.liteLLM_VerificationToken.findFirst({
      where: { key_alias: alias, ...(exceptToken ? { token: { not: exceptToken } } : {}) },
      select: { token: true },
    });
    if (clash) {
      throw badRequest(
        `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`,
        'key_alias',
      );
    }
  }

  /** `soft_budget` lives in a budget row linked through budget_id (created, or the linked one updated). */
  private async saveSoftBudget(
    tx: Tx,
    actor: Actor,
    req: KeyFieldsRequest,
    existingBudgetId: string | null,
  ): Promise<string | undefined> {
    if (req.soft_budget === undefined || req.soft_budget === null) return undefined;
    const fields = {
      soft_budget: req.soft_budget,
      ...(req.model_max_budget ? { model_max_budget: req.model_max_budget } : {}),
    };
    return this.budgets.saveLinkedBudget(req.budget_id ?? existingBudgetId, fields, actor, tx);
  }

  private checkPassthroughRoutes(auth: AuthContext, req: KeyFieldsRequest) {
    const inMetadata = req.metadata && 'allowed_passthrough_routes' in req.metadata;
    if ((req.allowed_passthrough_routes != null || inMetadata) && !isProxyAdmin(auth.role)) {
      throw forbidden(
        'Only proxy admins can set `allowed_passthrough_routes` on a key.',
        'allowed_passthrough_routes',
      );
    }
  }

  /** Organization, project and budget ids named by the request must exist. */
  private async checkReferences(req: KeyFieldsRequest) {
    if (req.organization_id && !(await this.organizations.exists(req.organization_id))) {
      throw badRequest(
        `Organization not found for organization_id=${req.organization_id}`,
        'organization_id',
      );
    }
    if (req.budget_id && !(await this.budgets.budgetExists(req.budget_id))) {
      throw badRequest(`Budget not found, budget_id=${req.budget_id}`, 'budget_id');
    }
    if (req.project_id) {
      const project = await this.projects.getLimits(req.project_id);
      if (!project) throw notFound(`Project not found, project_id=${req.project_id}`, 'project_id');
      const outside = (req.models ?? []).filter(
        (m) => project.models.length > 0 && !project.models.includes(m),
      );
      if (outside.length)
        throw badRequest(
          `Models ${JSON.stringify(outside)} are not allowed by project=${req.project_id}`,
          'models',
        );
      if (
        project.maxBudget !== null &&
        typeof req.max_budget === 'number' &&
        req.max_budget > project.maxBudget
      ) {
        throw badRequest(
          `max_budget (${req.max_budget}) is greater than the project's max_budget (${project.maxBudget})`,
          'max_budget',
        );
      }
    }
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
