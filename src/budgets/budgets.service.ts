import { Injectable } from '@nestjs/common';
import { LiteLLM_BudgetTable, Prisma } from '@prisma/client';
import { Actor, AuditService } from '../audit/audit.service';
import type { AuthContext } from '../auth/auth-context';
import { isAdminViewer, isProxyAdmin } from '../auth/roles';
import { addDuration } from '../common/duration';
import { budgetResetFromDuration } from '../common/durations-input';
import { ApiError, badRequest, notFound } from '../common/errors/api-error';
import { pageWindow } from '../common/pagination';
import { PrismaService } from '../prisma/prisma.service';
import {
  BUDGET_FIELD_DOCS,
  BudgetFieldsRequest,
  BudgetListQuery,
  BudgetNewRequest,
  BudgetSettingResponse,
  BudgetUpdateRequest,
  LIST_MAX_SIZE,
} from './budgets.dto';
import { modelMaxBudgetProblem, MODEL_MAX_BUDGET_EXAMPLE } from '../common/model-max-budget';

export type Tx = Prisma.TransactionClient;
export type BudgetRow = LiteLLM_BudgetTable;

/**
 * Budget columns as other domains pass them: `undefined` = leave alone, `null` = clear.
 * `allowed_models` is the per-member model scope used by team memberships.
 */
export interface BudgetFields {
  max_budget?: number | null;
  soft_budget?: number | null;
  max_parallel_requests?: number | null;
  tpm_limit?: number | null;
  rpm_limit?: number | null;
  budget_duration?: string | null;
  model_max_budget?: Record<string, unknown> | null;
  budget_reset_at?: Date | null;
  allowed_models?: string[] | null;
}

const FIELD_NAMES = [
  'max_budget',
  'soft_budget',
  'max_parallel_requests',
  'tpm_limit',
  'rpm_limit',
  'budget_duration',
  'model_max_budget',
  'budget_reset_at',
  'allowed_models',
] as const satisfies readonly (keyof BudgetFields)[];

export interface CreateBudgetOptions {
  budgetId?: string;
  /**
   * How `budget_reset_at` follows `budget_duration` when the caller did not set it: LiteLLM's
   * calendar-aligned reset (`calendar`, the default: budgets, keys, teams...) or exactly
   * now + duration (`exact`: LiteLLM's customer budgets).
   */
  reset?: 'calendar' | 'exact';
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

/** Column values for a create or an update (assignable to both Prisma inputs). */
interface BudgetColumns {
  max_budget?: number | null;
  soft_budget?: number | null;
  max_parallel_requests?: number | null;
  tpm_limit?: bigint | null;
  rpm_limit?: bigint | null;
  budget_duration?: string | null;
  model_max_budget?: Prisma.InputJsonObject | typeof Prisma.DbNull;
  budget_reset_at?: Date | null;
  allowed_models?: string[];
}

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
  ) {}

  // ---- For other domains -------------------------------------------------------------------

  /** True when any budget column is given a value (LiteLLM: "budget params are passed"). */
  hasBudgetFields(fields: BudgetFields): boolean {
    return FIELD_NAMES.some((name) => fields[name] !== undefined && fields[name] !== null);
  }

  /** Picks the budget columns out of a request (e.g. a `/customer/new` body). */
  pickBudgetFields(source: BudgetFieldsRequest): BudgetFields {
    const fields: BudgetFields = {};
    for (const name of FIELD_NAMES) {
      const value = (source as Record<string, unknown>)[name];
      if (value !== undefined) (fields as Record<string, unknown>)[name] = value;
    }
    return fields;
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
    this.validate(fields, now);
    const resetAt = fields.budget_reset_at ?? this.initialResetAt(fields.budget_duration, opts.reset, now);
    const by = this.actorId(actor);
    const row = await tx.liteLLM_BudgetTable.create({
      data: {
        ...(opts.budgetId === undefined ? {} : { budget_id: opts.budgetId }),
        ...this.columns(fields),
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
    this.validate(fields, new Date());
    const before = await tx.liteLLM_BudgetTable.findUnique({ where: { budget_id: budgetId } });
    if (!before) throw budgetNotFound(budgetId, 'budget_id');
    const row = await tx.liteLLM_BudgetTable.update({
      where: { budget_id: budgetId },
      data: { ...this.columns(fields), updated_by: this.actorId(actor) },
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
    this.validate(fields, new Date());
    try {
      return await this.prisma.$transaction(async (tx) => {
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
    return this.prisma.$transaction((tx) => this.updateBudget(budgetId, fields, actor, tx));
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
    return this.prisma.$transaction(async (tx) => {
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
      await this.audit.record(
        actor,
        { action: 'deleted', table: BUDGET_TABLE, objectId: budgetId, before: row },
        tx,
      );
      return row;
    });
  }

  // ---- Rules ---------------------------------------------------------------------------------

  /** LiteLLM's checks and messages (400), plus a duration the reset job can honour. */
  private validate(fields: BudgetFields, now: Date): void {
    for (const name of ['max_budget', 'soft_budget'] as const) {
      const value = fields[name];
      if (value !== undefined && value !== null && !(Number.isFinite(value) && value >= 0)) {
        throw badRequest(`${name} must be a non-negative finite number. Received: ${value}`, name);
      }
    }
    const perModel = fields.model_max_budget;
    if (perModel !== undefined && perModel !== null) {
      const problem = modelMaxBudgetProblem(perModel);
      if (problem) {
        throw badRequest(
          `Invalid model_max_budget: ${problem}. Example of a valid model_max_budget: ${JSON.stringify(MODEL_MAX_BUDGET_EXAMPLE)}`,
          'model_max_budget',
        );
      }
    }
    // Throws LiteLLM's 400 for an unusable duration (bad syntax, zero, "2mo").
    budgetResetFromDuration(fields.budget_duration, now);
  }

  private initialResetAt(
    duration: string | null | undefined,
    rule: CreateBudgetOptions['reset'],
    now: Date,
  ): Date | null | undefined {
    if (duration === undefined || duration === null) return undefined;
    return rule === 'exact' ? addDuration(now, duration) : budgetResetFromDuration(duration, now);
  }

  private columns(fields: BudgetFields): BudgetColumns {
    const data: BudgetColumns = {};
    if (fields.max_budget !== undefined) data.max_budget = fields.max_budget;
    if (fields.soft_budget !== undefined) data.soft_budget = fields.soft_budget;
    if (fields.max_parallel_requests !== undefined) data.max_parallel_requests = fields.max_parallel_requests;
    if (fields.tpm_limit !== undefined) data.tpm_limit = toBigInt(fields.tpm_limit);
    if (fields.rpm_limit !== undefined) data.rpm_limit = toBigInt(fields.rpm_limit);
    if (fields.budget_duration !== undefined) data.budget_duration = fields.budget_duration;
    if (fields.model_max_budget !== undefined) {
      data.model_max_budget =
        fields.model_max_budget === null
          ? Prisma.DbNull
          : (fields.model_max_budget as Prisma.InputJsonObject);
    }
    if (fields.budget_reset_at !== undefined) data.budget_reset_at = fields.budget_reset_at;
    if (fields.allowed_models !== undefined) data.allowed_models = fields.allowed_models ?? [];
    return data;
  }

  /** `created_by` / `updated_by`: the caller's user id, else the proxy admin name (LiteLLM). */
  private actorId(actor: Actor): string {
    return this.audit.actorId(actor.auth);
  }
}

function toBigInt(value: number | null): bigint | null {
  return value === null ? null : BigInt(value);
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
