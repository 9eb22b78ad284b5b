import { Injectable } from '@nestjs/common';
import { LiteLLM_BudgetTable, Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isAdminViewer, isProxyAdmin } from '../../platform/auth/roles';
import { ApiError, badRequest, notFound } from '../../platform/common/errors/api-error';
import { pageWindow } from '../../platform/common/pagination';
import { PrismaService } from '../../platform/prisma/prisma.service';
import {
  BudgetFields,
  budgetColumns,
  hasBudgetFields,
  initialResetAt,
  pickBudgetFields,
  ResetRule,
  validateBudgetFields,
} from './budget-fields';
import {
  BUDGET_FIELD_DOCS,
  BudgetFieldsRequest,
  BudgetListQuery,
  BudgetNewRequest,
  BudgetSettingResponse,
  BudgetUpdateRequest,
  LIST_MAX_SIZE,
} from './budgets.dto';

export type Tx = Prisma.TransactionClient;
export type BudgetRow = LiteLLM_BudgetTable;

export interface CreateBudgetOptions {
  budgetId?: string;
  /** How `budget_reset_at` follows `budget_duration` when not set (see ResetRule); default `calendar`. */
  reset?: ResetRule;
  now?: Date;
}

export const BUDGET_TABLE = 'LiteLLM_BudgetTable';

/** `/budget/settings` rows, in LiteLLM's order. */
const SETTINGS_FIELDS = [
  ['max_budget', 'Float'],
  ['soft_budget', 'Float'],
  ['max_parallel_requests', 'Integer'],
  ['tpm_limit', 'Integer'],
  ['rpm_limit', 'Integer'],
  ['budget_duration', 'String'],
  ['model_max_budget', 'Object'],
] as const;

/** Tables whose rows point at a budget (every foreign key to LiteLLM_BudgetTable). */
interface BudgetUsage {
  keys: bigint;
  organizations: bigint;
  projects: bigint;
  tags: bigint;
  customers: bigint;
  team_memberships: bigint;
  organization_memberships: bigint;
}

const USAGE_LABELS: Record<keyof BudgetUsage, [string, string]> = {
  keys: ['key', 'keys'],
  organizations: ['organization', 'organizations'],
  projects: ['project', 'projects'],
  tags: ['tag', 'tags'],
  customers: ['customer', 'customers'],
  team_memberships: ['team membership', 'team memberships'],
  organization_memberships: ['organization membership', 'organization memberships'],
};

/**
 * `LiteLLM_BudgetTable`: the `/budget/*` routes, and the budget rows other domains (customers,
 * organizations, team and org memberships, tags, projects) create and change inside their own
 * transactions through `createBudget` / `updateBudget`, so the rules and the audit trail are the
 * same wherever a budget comes from.
 */
@Injectable()
export class BudgetsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
  ) {}

  // ---- For other domains -------------------------------------------------------------------

  /** True when any budget column is given a value (LiteLLM: "budget params are passed"). */
  hasBudgetFields(fields: BudgetFields): boolean {
    return hasBudgetFields(fields);
  }

  /** Picks the budget columns out of a request (e.g. a `/customer/new` body). */
  pickBudgetFields(source: BudgetFieldsRequest): BudgetFields {
    return pickBudgetFields(source);
  }

  /** A `budget_id` sent to link an object to: it must exist (400 otherwise). Returns it. */
  async requireBudget(budgetId: string, tx: Tx): Promise<string> {
    if (!(await this.budgetExists(budgetId, tx))) {
      throw badRequest(
        `Budget with id '${budgetId}' does not exist. Create it with /budget/new first.`,
        'budget_id',
      );
    }
    return budgetId;
  }

  /**
   * An object's own budget fields: change its linked budget in place, or create a budget when none is
   * linked. Returns the id the object links to afterwards.
   */
  async saveLinkedBudget(
    linkedId: string | null,
    fields: BudgetFields,
    actor: Actor,
    tx: Tx,
    opts: CreateBudgetOptions = {},
  ): Promise<string> {
    if (linkedId) {
      await this.updateBudget(linkedId, fields, actor, tx);
      return linkedId;
    }
    return (await this.createBudget(fields, actor, tx, opts)).budget_id;
  }

  async budgetExists(budgetId: string, tx: Tx = this.prisma): Promise<boolean> {
    const row = await tx.liteLLM_BudgetTable.findUnique({
      where: { budget_id: budgetId },
      select: { budget_id: true },
    });
    return row !== null;
  }

  /** Validates and inserts a budget row (with its audit row) in the caller's transaction. */
  async createBudget(
    fields: BudgetFields,
    actor: Actor,
    tx: Tx,
    opts: CreateBudgetOptions = {},
  ): Promise<BudgetRow> {
    const now = opts.now ?? new Date();
    validateBudgetFields(fields, now);
    const resetAt = fields.budget_reset_at ?? initialResetAt(fields.budget_duration, opts.reset, now);
    const by = this.actorId(actor);
    const row = await tx.liteLLM_BudgetTable.create({
      data: {
        ...(opts.budgetId === undefined ? {} : { budget_id: opts.budgetId }),
        ...budgetColumns(fields),
        budget_reset_at: resetAt ?? null,
        created_by: by,
        updated_by: by,
      },
    });
    await this.audit.record(
      actor,
      { action: 'created', table: BUDGET_TABLE, objectId: row.budget_id, after: row },
      tx,
    );
    return row;
  }

  /**
   * Changes the fields given, in place (every object linked to the budget sees the change). As in
   * LiteLLM, a new `budget_duration` does not move `budget_reset_at`; send that too to move it.
   */
  async updateBudget(budgetId: string, fields: BudgetFields, actor: Actor, tx: Tx): Promise<BudgetRow> {
    validateBudgetFields(fields, new Date());
    const before = await tx.liteLLM_BudgetTable.findUnique({ where: { budget_id: budgetId } });
    if (!before) throw budgetNotFound(budgetId, 'budget_id');
    const row = await tx.liteLLM_BudgetTable.update({
      where: { budget_id: budgetId },
      data: { ...budgetColumns(fields), updated_by: this.actorId(actor) },
    });
    await this.audit.record(
      actor,
      { action: 'updated', table: BUDGET_TABLE, objectId: budgetId, before, after: fields },
      tx,
    );
    return row;
  }

  // ---- Routes --------------------------------------------------------------------------------

  async newBudget(req: BudgetNewRequest, actor: Actor): Promise<BudgetRow> {
    const budgetId = req.budget_id ?? undefined;
    const fields = this.pickBudgetFields(req);
    validateBudgetFields(fields, new Date());
    try {
      return await this.changes.run(actor, async ({ tx }) => {
        if (budgetId !== undefined && (await this.budgetExists(budgetId, tx)))
          throw duplicateBudget(budgetId);
        return this.createBudget(fields, actor, tx, { budgetId });
      });
    } catch (e) {
      if (budgetId !== undefined && isUniqueViolation(e)) throw duplicateBudget(budgetId);
      throw e;
    }
  }

  async updateBudgetById(req: BudgetUpdateRequest, actor: Actor): Promise<BudgetRow> {
    const budgetId = req.budget_id;
    if (budgetId === undefined || budgetId === null) throw badRequest('budget_id is required', 'budget_id');
    const fields = this.pickBudgetFields(req);
    return this.changes.run(actor, ({ tx }) => this.updateBudget(budgetId, fields, actor, tx));
  }

  /** The rows for the ids given; unknown ids are left out (LiteLLM). */
  async budgetInfo(budgetIds: string[]): Promise<BudgetRow[]> {
    if (budgetIds.length === 0) {
      throw badRequest("Specify list of budget id's to query. Passed in=[]", 'budgets');
    }
    return this.prisma.liteLLM_BudgetTable.findMany({
      where: { budget_id: { in: [...new Set(budgetIds)] } },
      orderBy: { budget_id: 'asc' },
    });
  }

  async budgetSettings(budgetId: string, auth: AuthContext): Promise<BudgetSettingResponse[]> {
    assertAdminView(auth);
    const row = await this.prisma.liteLLM_BudgetTable.findUnique({ where: { budget_id: budgetId } });
    return SETTINGS_FIELDS.map(([name, type]) => ({
      field_name: name,
      field_type: type,
      field_description: BUDGET_FIELD_DOCS[name],
      field_value: row?.[name] ?? null,
      stored_in_db: true,
      field_default_value: null,
      premium_field: false,
      nested_fields: null,
    }));
  }

  /**
   * Budgets oldest first. LiteLLM returns every row; we return one page (at most LIST_MAX_SIZE
   * rows, the first page when no paging is asked for) and the total for the X-Total-Count header.
   */
  async listBudgets(
    query: BudgetListQuery,
    auth: AuthContext,
  ): Promise<{ rows: BudgetRow[]; total: number }> {
    assertAdminView(auth);
    const { skip, take } = pageWindow(query.page ?? 1, query.size ?? LIST_MAX_SIZE);
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.liteLLM_BudgetTable.findMany({
        orderBy: [{ created_at: 'asc' }, { budget_id: 'asc' }],
        skip,
        take,
      }),
      this.prisma.liteLLM_BudgetTable.count(),
    ]);
    return { rows, total };
  }

  /**
   * Deletes an unused budget. Unlike LiteLLM (whose foreign keys would silently unlink keys,
   * customers, tags... or fail with a 500 for organizations), a budget still in use is refused.
   */
  async deleteBudget(budgetId: string, actor: Actor): Promise<BudgetRow> {
    if (!isProxyAdmin(actor.auth.role)) throw adminOnly(actor.auth);
    return this.changes.run(actor, async (change) => {
      const tx = change.tx;
      // The row lock makes concurrent inserts that reference this budget wait for us (and then
      // fail on the foreign key), so nothing can be linked between the check and the delete.
      const locked = await tx.$queryRaw<{ budget_id: string }[]>`
        SELECT budget_id FROM "LiteLLM_BudgetTable" WHERE budget_id = ${budgetId} FOR UPDATE`;
      if (locked.length === 0) throw budgetNotFound(budgetId, 'id');
      const [usage] = await tx.$queryRaw<BudgetUsage[]>`
        SELECT
          (SELECT count(*) FROM "LiteLLM_VerificationToken" WHERE budget_id = ${budgetId}) AS keys,
          (SELECT count(*) FROM "LiteLLM_OrganizationTable" WHERE budget_id = ${budgetId}) AS organizations,
          (SELECT count(*) FROM "LiteLLM_ProjectTable" WHERE budget_id = ${budgetId}) AS projects,
          (SELECT count(*) FROM "LiteLLM_TagTable" WHERE budget_id = ${budgetId}) AS tags,
          (SELECT count(*) FROM "LiteLLM_EndUserTable" WHERE budget_id = ${budgetId}) AS customers,
          (SELECT count(*) FROM "LiteLLM_TeamMembership" WHERE budget_id = ${budgetId}) AS team_memberships,
          (SELECT count(*) FROM "LiteLLM_OrganizationMembership" WHERE budget_id = ${budgetId}) AS organization_memberships`;
      const uses = (Object.keys(USAGE_LABELS) as (keyof BudgetUsage)[])
        .map((what) => [Number(usage[what]), USAGE_LABELS[what]] as const)
        .filter(([count]) => count > 0)
        .map(([count, [one, many]]) => `${count} ${count === 1 ? one : many}`);
      if (uses.length > 0) {
        throw badRequest(
          `Budget '${budgetId}' is still in use (${uses.join(', ')}). Link them to another budget or delete them first.`,
          'id',
        );
      }
      const row = await tx.liteLLM_BudgetTable.delete({ where: { budget_id: budgetId } });
      await change.audit({ action: 'deleted', table: BUDGET_TABLE, objectId: budgetId, before: row });
      return row;
    });
  }

  /** `created_by` / `updated_by`: the caller's user id, else the proxy admin name (LiteLLM). */
  private actorId(actor: Actor): string {
    return this.audit.actorId(actor.auth);
  }
}

export function budgetNotFound(budgetId: string, param: string): ApiError {
  return notFound(`Budget with id '${budgetId}' does not exist.`, param);
}

function duplicateBudget(budgetId: string): ApiError {
  return badRequest(`Budget with id '${budgetId}' already exists.`, 'budget_id');
}

function adminOnly(auth: AuthContext): ApiError {
  return badRequest(`Admin-only endpoint. Not allowed to access this., your role=${auth.role ?? 'None'}`);
}

function assertAdminView(auth: AuthContext): void {
  if (!isAdminViewer(auth.role)) throw adminOnly(auth);
}

export function isUniqueViolation(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
}
