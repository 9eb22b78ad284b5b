import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import type { BudgetFields } from '../budgets/budget-fields';
import { BudgetsService, isUniqueViolation, Tx } from '../budgets/budgets.service';
import {
  ApiError,
  badRequest,
  conflict,
  RequestValidationError,
  unauthorized,
} from '../../platform/common/errors/api-error';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import {
  ORGANIZATION_MEMBERSHIP_TABLE,
  organizationMembershipId,
  OrganizationMembershipsService,
} from '../../tenancy/organization-memberships.service';
import { isProxyAdmin } from '../../tenancy/roles';
import {
  asObject,
  mergeMetadata,
  ORGANIZATION_TABLE,
  organizationNotFound,
  OrganizationWithMembers,
  WITH_BUDGET,
  WITH_MEMBERS,
} from './organization-rows';
import type { OrganizationNewRequest, OrganizationUpdateRequest } from './organizations.dto';

/** Deleting up to LIST_MAX_SIZE organizations writes an audit row per organization and membership. */
const BULK_TRANSACTION = { timeout: 30_000 };
/** Request fields LiteLLM keeps inside `metadata`. */
const METADATA_FIELDS = ['model_rpm_limit', 'model_tpm_limit'] as const;

interface Usage {
  organization_id: string;
  teams: bigint;
  keys: bigint;
}

/**
 * /organization/new, /organization/update and /organization/delete (spec tenancy.md §8.1–§8.3):
 * proxy admins only. Every organization points at a budget row (its limits); budget rows go
 * through BudgetsService in the organization's transaction, with their own audit rows.
 */
@Injectable()
export class OrganizationManagementService {
  constructor(
    private readonly budgets: BudgetsService,
    private readonly objectPermissions: ObjectPermissionService,
    private readonly memberships: OrganizationMembershipsService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
  ) {}

  /**
   * Budget fields create the organization's budget row; `budget_id` links an existing one instead
   * (not both: 422). Duplicate organization_id or alias (case-insensitive) → 409, where LiteLLM
   * answers 500 for the id and does not check the alias.
   */
  async create(actor: Actor, req: OrganizationNewRequest) {
    const { auth } = actor;
    if (!isProxyAdmin(auth.role)) {
      throw unauthorized(`Only admins can create orgs. Your role is = ${auth.role ?? 'None'}`);
    }
    const budgetFields = this.budgets.pickBudgetFields(req);
    assertNonNegativeBudgets(budgetFields);
    if (req.budget_id != null && this.budgets.hasBudgetFields(budgetFields)) throw budgetAndBudgetId();
    const alias = cleanAlias(req.organization_alias);
    const models = req.models ?? [];
    assertCallerMayGrant(auth, models);
    const by = this.actorId(auth);
    const organizationId = req.organization_id ?? undefined;
    try {
      return await this.changes.run(actor, async (change) => {
        const { tx } = change;
        if (organizationId !== undefined) {
          const existing = await tx.liteLLM_OrganizationTable.findUnique({
            where: { organization_id: organizationId },
            select: { organization_id: true },
          });
          if (existing) throw duplicateId(organizationId);
        }
        const budgetId =
          req.budget_id != null
            ? await this.budgets.requireBudget(req.budget_id, tx)
            : (await this.budgets.createBudget(budgetFields, actor, tx)).budget_id;
        const objectPermissionId = req.object_permission
          ? await this.objectPermissions.save(req.object_permission, null, tx)
          : null;
        const row = await tx.liteLLM_OrganizationTable.create({
          data: {
            ...(organizationId === undefined ? {} : { organization_id: organizationId }),
            organization_alias: alias,
            budget_id: budgetId,
            models,
            metadata: withMetadataFields(req.metadata ?? {}, req) as Prisma.InputJsonObject,
            object_permission_id: objectPermissionId,
            created_by: by,
            updated_by: by,
          },
          include: WITH_BUDGET,
        });
        await change.audit({
          action: 'created',
          table: ORGANIZATION_TABLE,
          objectId: row.organization_id,
          after: row,
        });
        return row;
      });
    } catch (e) {
      if (organizationId !== undefined && isUniqueViolation(e)) throw duplicateId(organizationId);
      throw e;
    }
  }

  /**
   * Changes the fields sent. Budget fields (top level, or nested in `litellm_budget_table`) change
   * the organization's budget row in place, so organizations sharing that budget see the change;
   * null clears a budget field. Metadata is merged. Unknown organization → 404 (LiteLLM: 500).
   */
  async update(actor: Actor, req: OrganizationUpdateRequest): Promise<OrganizationWithMembers> {
    const { auth } = actor;
    if (!auth.userId) {
      throw badRequest(
        "Cannot associate a user_id to this action. Check `/key/info` to validate if 'user_id' is set.",
      );
    }
    if (!isProxyAdmin(auth.role)) {
      throw unauthorized(`Only proxy admins can update organizations. Your role is = ${auth.role ?? 'None'}`);
    }
    const budgetFields = this.updateBudgetFields(req);
    assertNonNegativeBudgets(budgetFields);
    const alias = req.organization_alias != null ? cleanAlias(req.organization_alias) : undefined;
    const organizationId = req.organization_id;
    return this.changes.run(actor, async (change) => {
      const { tx } = change;
      // Locked so that concurrent updates merge metadata one after the other.
      await tx.$queryRaw`SELECT 1 FROM "LiteLLM_OrganizationTable" WHERE organization_id = ${organizationId} FOR UPDATE`;
      const before = await tx.liteLLM_OrganizationTable.findUnique({
        where: { organization_id: organizationId },
      });
      if (!before) throw organizationNotFound(organizationId);
      const data: Prisma.LiteLLM_OrganizationTableUncheckedUpdateInput = { updated_by: auth.userId! };
      if (alias !== undefined && alias !== before.organization_alias) data.organization_alias = alias;
      if (req.models != null) data.models = req.models;
      if (req.spend != null) data.spend = req.spend;
      const budgetId =
        req.budget_id != null ? await this.budgets.requireBudget(req.budget_id, tx) : before.budget_id;
      if (budgetId !== before.budget_id) data.budget_id = budgetId;
      if (req.metadata != null || METADATA_FIELDS.some((f) => req[f] !== undefined)) {
        const changes = withMetadataFields(req.metadata ?? {}, req, true);
        data.metadata = mergeMetadata(asObject(before.metadata), changes) as Prisma.InputJsonObject;
      }
      if (req.object_permission) {
        data.object_permission_id = await this.objectPermissions.save(
          req.object_permission,
          before.object_permission_id,
          tx,
        );
      }
      if (Object.keys(budgetFields).length > 0) {
        await this.budgets.updateBudget(budgetId, budgetFields, actor, tx);
      }
      const row = await tx.liteLLM_OrganizationTable.update({
        where: { organization_id: organizationId },
        data,
        include: WITH_MEMBERS,
      });
      await change.audit({
        action: 'updated',
        table: ORGANIZATION_TABLE,
        objectId: organizationId,
        before,
        after: req,
      });
      return row;
    });
  }

  /**
   * All or nothing: an unknown id → 404, and an organization that still has teams or keys → 400,
   * with nothing deleted. LiteLLM deletes the teams (without archiving them) and hard-deletes the
   * keys; here teams go through /team/delete (which archives them and their keys) and keys through
   * /key/delete first. The memberships are deleted with the organization; budget rows are kept
   * (they may be shared). Returns the deleted rows as they were, with members and teams.
   */
  async delete(actor: Actor, organizationIds: string[]): Promise<OrganizationWithMembers[]> {
    const { auth } = actor;
    if (!isProxyAdmin(auth.role)) throw unauthorized('Only proxy admins can delete organizations');
    const ids = [...new Set(organizationIds)];
    if (ids.length === 0) {
      throw badRequest(
        'organization_ids is required and must not be empty, passed organization_ids = []',
        'organization_ids',
      );
    }
    return this.changes.run(
      actor,
      async (change) => {
        const { tx } = change;
        // The row locks make concurrent inserts of teams, keys and memberships into these
        // organizations wait for us (and then fail on the foreign key): the checks below hold.
        const locked = await tx.$queryRaw<{ organization_id: string }[]>`
          SELECT organization_id FROM "LiteLLM_OrganizationTable" WHERE organization_id = ANY(${ids}) FOR UPDATE`;
        const found = new Set(locked.map((r) => r.organization_id));
        const missing = ids.find((id) => !found.has(id));
        if (missing !== undefined) {
          throw new ApiError(404, `Organization=${missing} not found`, 'not_found_error', 'organization_ids');
        }
        await assertUnused(tx, ids);
        const rows = await tx.liteLLM_OrganizationTable.findMany({
          where: { organization_id: { in: ids } },
          include: WITH_MEMBERS,
        });
        for (const row of rows) await auditDeletion(change, row);
        await this.memberships.removeOrganizations(tx, ids);
        await tx.liteLLM_OrganizationTable.deleteMany({ where: { organization_id: { in: ids } } });
        const byId = new Map(rows.map((r) => [r.organization_id, r]));
        return ids.map((id) => byId.get(id)!);
      },
      BULK_TRANSACTION,
    );
  }

  /** Top-level budget fields, overridden by the non-null ones nested in `litellm_budget_table`. */
  private updateBudgetFields(req: OrganizationUpdateRequest): BudgetFields {
    const fields = this.budgets.pickBudgetFields(req);
    if (req.litellm_budget_table) {
      const nested = this.budgets.pickBudgetFields(req.litellm_budget_table);
      for (const [name, value] of Object.entries(nested)) {
        if (value !== null && value !== undefined) (fields as Record<string, unknown>)[name] = value;
      }
    }
    return fields;
  }

  /** created_by / updated_by: the caller's user id, else the proxy admin name (LiteLLM). */
  private actorId(auth: AuthContext): string {
    return this.audit.actorId(auth);
  }
}

/** The audit rows of an organization's deletion: each of its memberships, then the organization. */
async function auditDeletion(change: Change, row: OrganizationWithMembers): Promise<void> {
  for (const member of row.members) {
    await change.audit({
      action: 'deleted',
      table: ORGANIZATION_MEMBERSHIP_TABLE,
      objectId: organizationMembershipId(member.organization_id, member.user_id),
      before: member,
      after: {},
    });
  }
  const { members: _members, teams: _teams, litellm_budget_table: _budget, ...org } = row;
  await change.audit({
    action: 'deleted',
    table: ORGANIZATION_TABLE,
    objectId: row.organization_id,
    before: org,
    after: {},
  });
}

function cleanAlias(alias: string): string {
  const trimmed = alias.trim();
  if (!trimmed) throw badRequest('organization_alias must not be blank', 'organization_alias');
  return trimmed;
}

/** Teams and keys of the organizations: a delete leaves neither dangling nor silently unscoped. */
async function assertUnused(tx: Tx, ids: string[]): Promise<void> {
  const usage = await tx.$queryRaw<Usage[]>`
    SELECT o.organization_id,
           (SELECT count(*) FROM "LiteLLM_TeamTable" t WHERE t.organization_id = o.organization_id) AS teams,
           (SELECT count(*) FROM "LiteLLM_VerificationToken" v WHERE v.organization_id = o.organization_id) AS keys
    FROM "LiteLLM_OrganizationTable" o
    WHERE o.organization_id = ANY(${ids})
    ORDER BY o.organization_id`;
  const used = usage.find((u) => Number(u.teams) > 0 || Number(u.keys) > 0);
  if (!used) return;
  const teams = Number(used.teams);
  const keys = Number(used.keys);
  throw badRequest(
    `Organization ${used.organization_id} still has ${teams} ${teams === 1 ? 'team' : 'teams'} and ${keys} ${keys === 1 ? 'key' : 'keys'}. Delete them (/team/delete, /key/delete) or move them to another organization first; nothing was deleted.`,
    'organization_ids',
  );
}

function assertNonNegativeBudgets(fields: BudgetFields): void {
  for (const name of ['max_budget', 'soft_budget'] as const) {
    const value = fields[name];
    if (typeof value === 'number' && value < 0)
      throw badRequest(`${name} cannot be negative. Received: ${value}`, name);
  }
}

/** A caller whose key is limited to some models may only give an organization those models. */
function assertCallerMayGrant(auth: AuthContext, models: string[]): void {
  const allowed = auth.key?.models ?? [];
  if (allowed.length === 0 || allowed.includes('all-proxy-models')) return;
  if (models.length === 0) {
    throw badRequest(
      'User not allowed to give access to all models. Select models you want org to have access to.',
      'models',
    );
  }
  const refused = models.find((m) => !allowed.includes(m));
  if (refused !== undefined) {
    throw badRequest(
      `User not allowed to give access to model=${refused}. Models you have access to = ${JSON.stringify(allowed)}`,
      'models',
    );
  }
}

/**
 * Moves model_rpm_limit / model_tpm_limit into metadata, as LiteLLM stores them. On create a null
 * is left out; on update it stays, so that the merge removes the stored value.
 */
function withMetadataFields(
  metadata: Record<string, unknown>,
  req: Pick<OrganizationNewRequest, (typeof METADATA_FIELDS)[number]>,
  keepNull = false,
): Record<string, unknown> {
  const out = { ...metadata };
  for (const field of METADATA_FIELDS) {
    const value = req[field];
    if (value !== undefined && (value !== null || keepNull)) out[field] = value;
  }
  return out;
}

function duplicateId(organizationId: string): ApiError {
  return conflict(`Organization with id '${organizationId}' already exists.`, 'organization_id');
}

function budgetAndBudgetId(): RequestValidationError {
  return new RequestValidationError([
    {
      type: 'value_error',
      loc: ['body'],
      msg: "Set either budget fields (max_budget, soft_budget, tpm_limit, rpm_limit, max_parallel_requests, budget_duration, model_max_budget, budget_reset_at) or 'budget_id', not both.",
    },
  ]);
}
