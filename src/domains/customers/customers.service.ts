import { Injectable } from '@nestjs/common';
import { LiteLLM_EndUserTable, Prisma } from '@prisma/client';
import type { Actor } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import { LIST_MAX_SIZE } from '../budgets/budgets.dto';
import { BudgetsService, isUniqueViolation, Tx } from '../budgets/budgets.service';
import { ApiError, badRequest, RequestValidationError } from '../../platform/common/errors/api-error';
import { pageWindow } from '../../platform/common/pagination';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { CustomerListQuery, CustomerNewRequest, CustomerUpdateRequest } from './customers.dto';

const END_USER_TABLE = 'LiteLLM_EndUserTable';
const WITH_RELATIONS = { litellm_budget_table: true, object_permission: true } as const;

/** Up to LIST_MAX_SIZE customers per call, one audit row each: more than Prisma's 5 s default. */
const BULK_TRANSACTION = { timeout: 30_000 };

export type CustomerRow = Prisma.LiteLLM_EndUserTableGetPayload<{ include: typeof WITH_RELATIONS }>;

/**
 * End users ("customers"): the callers of a proxy user's app, named by the `user` field of LLM
 * requests. Budget rows go through BudgetsService and object permissions through
 * ObjectPermissionService, in the same transaction as the customer row.
 */
@Injectable()
export class CustomersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly changes: ChangesService,
    private readonly budgets: BudgetsService,
    private readonly objectPermissions: ObjectPermissionService,
  ) {}

  /**
   * Budget fields create a budget of the customer's own whose first reset is exactly now +
   * budget_duration (LiteLLM's customer rule, issue 22013); otherwise `budget_id` links one.
   * `default_model` is not checked against the proxy's models (there is no model list yet).
   */
  async newCustomer(req: CustomerNewRequest, actor: Actor): Promise<CustomerRow> {
    const budgetFields = this.budgets.pickBudgetFields(req);
    const ownBudget = this.budgets.hasBudgetFields(budgetFields);
    if (ownBudget && req.budget_id != null) throw budgetAndBudgetId(req.max_budget != null);
    try {
      return await this.changes.run(actor, async (change) => {
        const tx = change.tx;
        const existing = await tx.liteLLM_EndUserTable.findUnique({
          where: { user_id: req.user_id },
          select: { user_id: true },
        });
        if (existing) throw duplicateCustomer(req.user_id);
        let budgetId: string | null = null;
        if (ownBudget) {
          budgetId = (await this.budgets.createBudget(budgetFields, actor, tx, { reset: 'exact' })).budget_id;
        } else if (req.budget_id != null) {
          budgetId = await this.budgets.requireBudget(req.budget_id, tx);
        }
        const objectPermissionId = req.object_permission
          ? await this.objectPermissions.save(req.object_permission, null, tx)
          : null;
        const row = await tx.liteLLM_EndUserTable.create({
          data: {
            user_id: req.user_id,
            alias: req.alias ?? null,
            blocked: req.blocked ?? false,
            spend: req.spend ?? 0,
            allowed_model_region: req.allowed_model_region ?? null,
            default_model: req.default_model ?? null,
            budget_id: budgetId,
            object_permission_id: objectPermissionId,
          },
          include: WITH_RELATIONS,
        });
        await change.audit({ action: 'created', table: END_USER_TABLE, objectId: row.user_id, after: row });
        return row;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicateCustomer(req.user_id);
      throw e;
    }
  }

  /** The customer with null fields left out, as LiteLLM answers `/customer/info`. */
  async customerInfo(endUserId: string): Promise<Record<string, unknown>> {
    const row = await this.prisma.liteLLM_EndUserTable.findUnique({
      where: { user_id: endUserId },
      include: WITH_RELATIONS,
    });
    if (!row) throw customerNotFound(endUserId, 'end_user_id');
    return withoutNulls(row);
  }

  /**
   * Applies every field sent with a value, including `false` and `0` (LiteLLM drops those); null
   * leaves a field as it is. `max_budget` changes the linked budget in place, or creates one.
   */
  async updateCustomer(req: CustomerUpdateRequest, actor: Actor): Promise<CustomerRow> {
    if (req.max_budget != null && req.budget_id != null) throw budgetAndBudgetId(true);
    return this.changes.run(actor, async (change) => {
      const tx = change.tx;
      // Lock the row so two updates cannot both create a budget for it.
      const locked = await tx.$queryRaw<{ user_id: string }[]>`
        SELECT user_id FROM "LiteLLM_EndUserTable" WHERE user_id = ${req.user_id} FOR UPDATE`;
      if (locked.length === 0) throw customerNotFound(req.user_id, 'user_id');
      const before = await tx.liteLLM_EndUserTable.findUniqueOrThrow({ where: { user_id: req.user_id } });

      const data: Prisma.LiteLLM_EndUserTableUncheckedUpdateInput = {};
      if (req.alias != null) data.alias = req.alias;
      if (req.blocked != null) data.blocked = req.blocked;
      if (req.allowed_model_region != null) data.allowed_model_region = req.allowed_model_region;
      if (req.default_model != null) data.default_model = req.default_model;
      if (req.budget_id != null) data.budget_id = await this.budgets.requireBudget(req.budget_id, tx);
      if (req.max_budget != null) {
        data.budget_id = await this.budgets.saveLinkedBudget(
          before.budget_id,
          { max_budget: req.max_budget },
          actor,
          tx,
          { reset: 'exact' },
        );
      }
      if (req.object_permission != null) {
        data.object_permission_id = await this.objectPermissions.save(
          req.object_permission,
          before.object_permission_id,
          tx,
        );
      }
      const row = await tx.liteLLM_EndUserTable.update({
        where: { user_id: req.user_id },
        data,
        include: WITH_RELATIONS,
      });
      await change.audit({
        action: 'updated',
        table: END_USER_TABLE,
        objectId: req.user_id,
        before,
        after: req,
      });
      return row;
    });
  }

  /** All or nothing: one unknown id → 404 and no row is deleted. Linked budgets stay. */
  async deleteCustomers(
    userIds: string[],
    actor: Actor,
  ): Promise<{ deleted_customers: number; message: string }> {
    const ids = distinctIds(userIds);
    return this.changes.run(
      actor,
      async (change) => {
        const tx = change.tx;
        const rows = await this.findAllOrThrow(ids, tx);
        const { count } = await tx.liteLLM_EndUserTable.deleteMany({ where: { user_id: { in: ids } } });
        for (const row of rows) {
          await change.audit({
            action: 'deleted',
            table: END_USER_TABLE,
            objectId: row.user_id,
            before: row,
          });
        }
        return {
          deleted_customers: count,
          message: `Successfully deleted customers with ids: [${ids.map((id) => `'${id}'`).join(', ')}]`,
        };
      },
      BULK_TRANSACTION,
    );
  }

  /** Customers by id with budget and object permission. LiteLLM lists every row; we page (see DTO). */
  async listCustomers(query: CustomerListQuery): Promise<{ rows: CustomerRow[]; total: number }> {
    const { skip, take } = pageWindow(query.page ?? 1, query.size ?? LIST_MAX_SIZE);
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.liteLLM_EndUserTable.findMany({
        include: WITH_RELATIONS,
        orderBy: { user_id: 'asc' },
        skip,
        take,
      }),
      this.prisma.liteLLM_EndUserTable.count(),
    ]);
    return { rows, total };
  }

  /** Sets blocked=true, creating rows for unknown ids (LiteLLM's upsert), in set-based statements. */
  async blockCustomers(userIds: string[], actor: Actor): Promise<{ blocked_users: LiteLLM_EndUserTable[] }> {
    const ids = distinctIds(userIds);
    return this.changes.run(
      actor,
      async (change) => {
        const tx = change.tx;
        const before = new Map(
          (await tx.liteLLM_EndUserTable.findMany({ where: { user_id: { in: ids } } })).map((row) => [
            row.user_id,
            row,
          ]),
        );
        await tx.liteLLM_EndUserTable.createMany({
          data: ids.filter((id) => !before.has(id)).map((id) => ({ user_id: id, blocked: true })),
          skipDuplicates: true,
        });
        return { blocked_users: await this.setBlocked(change, ids, true, before) };
      },
      BULK_TRANSACTION,
    );
  }

  /** Sets blocked=false in the database (LiteLLM's version only edits an in-memory list). */
  async unblockCustomers(
    userIds: string[],
    actor: Actor,
  ): Promise<{ unblocked_users: LiteLLM_EndUserTable[] }> {
    const ids = distinctIds(userIds);
    return this.changes.run(
      actor,
      async (change) => {
        const tx = change.tx;
        const before = await this.findAllOrThrow(ids, tx);
        const beforeById = new Map(before.map((row) => [row.user_id, row]));
        return { unblocked_users: await this.setBlocked(change, ids, false, beforeById) };
      },
      BULK_TRANSACTION,
    );
  }

  /** Sets `blocked` on the existing rows of `ids`, one audit row each; returns them in `ids` order. */
  private async setBlocked(
    change: Change,
    ids: string[],
    blocked: boolean,
    before: Map<string, LiteLLM_EndUserTable>,
  ): Promise<LiteLLM_EndUserTable[]> {
    await change.tx.liteLLM_EndUserTable.updateMany({ where: { user_id: { in: ids } }, data: { blocked } });
    const after = await this.inIdOrder(ids, change.tx);
    for (const row of after) {
      await change.audit({
        action: blocked ? 'blocked' : 'unblocked',
        table: END_USER_TABLE,
        objectId: row.user_id,
        before: before.get(row.user_id),
        after: row,
      });
    }
    return after;
  }

  /** The rows for `ids`, in the order of `ids` (which are distinct). */
  private async inIdOrder(ids: string[], tx: Tx): Promise<LiteLLM_EndUserTable[]> {
    const byId = new Map(
      (await tx.liteLLM_EndUserTable.findMany({ where: { user_id: { in: ids } } })).map((row) => [
        row.user_id,
        row,
      ]),
    );
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  private async findAllOrThrow(ids: string[], tx: Tx): Promise<LiteLLM_EndUserTable[]> {
    const rows = await tx.liteLLM_EndUserTable.findMany({ where: { user_id: { in: ids } } });
    const found = new Set(rows.map((row) => row.user_id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new ApiError(
        404,
        `End User Id(s)=${missing.join(', ')} do not exist in db`,
        'not_found',
        'user_ids',
      );
    }
    return rows;
  }
}

function distinctIds(userIds: string[]): string[] {
  if (userIds.length === 0) {
    throw badRequest('user_ids is required and must not be empty, passed user_ids = []', 'user_ids');
  }
  return [...new Set(userIds)];
}

function customerNotFound(userId: string, param: string): ApiError {
  return new ApiError(404, `End User Id=${userId} does not exist in db`, 'not_found', param);
}

function duplicateCustomer(userId: string): ApiError {
  return new ApiError(
    400,
    `Customer already exists, passed user_id=${userId}. Please pass a new user_id.`,
    'bad_request',
    'user_id',
  );
}

/** LiteLLM's model validator (a 422); we extend it to every budget field, not only max_budget. */
function budgetAndBudgetId(maxBudget: boolean): RequestValidationError {
  return new RequestValidationError([
    {
      type: 'value_error',
      loc: ['body'],
      msg: maxBudget
        ? "Set either 'max_budget' or 'budget_id', not both."
        : "Set either budget fields (max_budget, soft_budget, tpm_limit, rpm_limit, max_parallel_requests, budget_duration, model_max_budget, budget_reset_at) or 'budget_id', not both.",
    },
  ]);
}

/** Drops null fields of the row and of its budget and object permission (not inside JSON columns). */
function withoutNulls(row: CustomerRow): Record<string, unknown> {
  const strip = (obj: object) => Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null));
  const out = strip(row);
  if (row.litellm_budget_table) out.litellm_budget_table = strip(row.litellm_budget_table);
  if (row.object_permission) out.object_permission = strip(row.object_permission);
  return out;
}
