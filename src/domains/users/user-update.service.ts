import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { Actor } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { budgetResetFromDuration } from '../../platform/common/durations-input';
import {
  ApiError,
  badRequest,
  forbidden,
  RequestValidationError,
} from '../../platform/common/errors/api-error';
import { hashPassword } from '../../platform/common/password';
import { validateModelMaxBudget } from '../../platform/common/model-max-budget';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { isProxyAdmin } from '../../tenancy/roles';
import { UserRecordsService } from '../../tenancy/user-records.service';
import {
  assertEmailFree,
  assertSsoIdFree,
  NO_PASSWORD,
  USER_TABLE,
  UserRow,
  usersWithEmail,
} from '../../tenancy/user-rows';
import type { UserBulkUpdateRequest, UserUpdateFields, UserUpdateRequest } from './dto/user.requests';
import { auditValues } from './user-rows';

const MAX_BULK = 500;
/** Columns that may be null: an explicit null clears them. */
const NULLABLE = [
  'user_alias',
  'max_budget',
  'budget_duration',
  'max_parallel_requests',
  'sso_user_id',
] as const;
/** Columns that are never null: an explicit null is ignored, `[]`, `{}`, `0` and `false` are applied. */
const NOT_NULL = ['models', 'allowed_cache_controls', 'policies', 'spend'] as const;
const JSON_NOT_NULL = ['metadata', 'model_max_budget'] as const;
/** Request fields LiteLLM keeps inside `metadata`. */
const METADATA_FIELDS = ['guardrails', 'prompts', 'model_rpm_limit', 'model_tpm_limit'] as const;
/** What a caller who is not a proxy admin may change on their own row. */
const SELF_SERVICE = new Set(['user_id', 'user_email', 'user_alias', 'password', 'organization_id']);
const NOT_ALLOWED_FOR_ALL = ['password', 'sso_user_id', 'object_permission', 'user_email'] as const;

const NOT_YOURS =
  'User does not have permission to update this user. Only PROXY_ADMIN can update other users.';

/**
 * POST /user/update and /user/bulk_update (spec tenancy.md §5.3). Deliberate deviation from
 * LiteLLM, which drops `[]`, `{}`, `0` and `false`: every field that is sent is applied, so models
 * can be cleared; an explicit null clears nullable columns (max_budget, budget_duration, ...).
 */
@Injectable()
export class UserUpdateService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly objectPermissions: ObjectPermissionService,
    private readonly users: UserRecordsService,
    private readonly changes: ChangesService,
  ) {}

  /**
   * One user. Proxy admins update anyone; everyone else (org admins and viewers reach this route)
   * only themselves, and only their email, alias and password. Looked up by `user_id`, else by
   * `user_email`; an unknown id or email creates the user (LiteLLM's behaviour), for proxy admins
   * only: everyone else is refused before anything is written.
   */
  async update(actor: Actor, req: UserUpdateRequest): Promise<{ user_id: string; data: UserRow }> {
    const { auth } = actor;
    if (!req.user_id && !req.user_email) {
      throw new RequestValidationError([
        { type: 'value_error', loc: ['body'], msg: 'Either user_id or user_email must be provided' },
      ]);
    }
    if (req.user_role != null && !isProxyAdmin(auth.role))
      throw forbidden('Only proxy admins can modify user roles.', 'user_role');
    this.validate(req);
    const existing = req.user_id
      ? await this.users.find(req.user_id)
      : ((await usersWithEmail(this.prisma, req.user_email!, 1))[0] ?? null);
    if (!isProxyAdmin(auth.role)) assertSelfService(auth, req, existing);
    const password = req.password ? await hashPassword(req.password) : req.password;
    const now = new Date();
    const row = await this.changes.run(actor, (change) => {
      if (!existing && !req.user_id) return this.createByEmail(change, req, password ?? null, now);
      return this.updateRow(change, req, existing, password, now);
    });
    return { user_id: row.user_id, data: row };
  }

  /**
   * The update of one row found by id (created first when it does not exist) with its audit row.
   * `password` is the new hash, null to clear it, undefined to leave it.
   */
  private async updateRow(
    change: Change,
    req: UserUpdateRequest,
    existing: UserRow | null,
    password: string | null | undefined,
    now: Date,
  ): Promise<UserRow> {
    const { tx } = change;
    const { row: current, created } = existing
      ? { row: existing, created: false }
      : await this.users.createIfMissing(change, { user_id: req.user_id!, user_role: 'internal_user' });
    const data = this.columns(req, current.metadata, now);
    if (password !== undefined) data.password = password;
    const newEmail = req.user_id && req.user_email !== undefined ? req.user_email?.trim() || null : undefined;
    if (newEmail !== undefined) {
      if (newEmail) await assertEmailFree(tx, newEmail, current.user_id);
      data.user_email = newEmail;
    }
    if (req.sso_user_id) await assertSsoIdFree(tx, req.sso_user_id, current.user_id);
    if (req.object_permission) {
      const linked = current.object_permission_id;
      data.object_permission_id = await this.objectPermissions.save(req.object_permission, linked, tx);
    }
    const row = await this.users.update(change, current.user_id, data);
    await change.audit(
      created
        ? { action: 'created', table: USER_TABLE, objectId: row.user_id, after: auditValues(req) }
        : {
            action: 'updated',
            table: USER_TABLE,
            objectId: row.user_id,
            before: current,
            after: auditValues(req),
          },
    );
    return row;
  }

  /**
   * POST /user/bulk_update: each entry of `users` through `update` (failures are reported per
   * user), or `all_users` + `user_updates` (proxy admins, at most 500 users, one transaction).
   */
  async bulkUpdate(actor: Actor, req: UserBulkUpdateRequest) {
    const admin = isProxyAdmin(actor.auth.role);
    const changesRole =
      req.user_updates?.user_role != null || (req.users ?? []).some((u) => u.user_role != null);
    if (changesRole && !admin) throw forbidden('Only proxy admins can modify user roles.', 'user_role');
    if (req.all_users && req.user_updates) {
      if (!admin) throw forbidden('Only proxy admins can update all users at once.', 'all_users');
      return this.updateAll(actor, req.user_updates);
    }
    const users = req.users ?? [];
    if (users.length === 0) {
      throw badRequest(
        "Must specify either 'users' for individual updates or 'all_users=True' with 'user_updates' for bulk updates",
      );
    }
    if (users.length > MAX_BULK)
      throw badRequest(
        `Maximum ${MAX_BULK} users can be updated at once. Found ${users.length} users.`,
        'users',
      );
    const results: Record<string, unknown>[] = [];
    for (const user of users) {
      try {
        const { user_id, data } = await this.update(actor, user);
        results.push({ user_id, user_email: user.user_email ?? null, success: true, updated_user: data });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        results.push({
          user_id: user.user_id ?? null,
          user_email: user.user_email ?? null,
          success: false,
          error: e.message,
        });
      }
    }
    const successful = results.filter((r) => r.success).length;
    return {
      results,
      total_requested: users.length,
      successful_updates: successful,
      failed_updates: users.length - successful,
    };
  }

  private async updateAll(actor: Actor, fields: UserUpdateFields) {
    const refused = NOT_ALLOWED_FOR_ALL.find((f) => (fields as Record<string, unknown>)[f] !== undefined);
    if (refused) throw badRequest(`${refused} cannot be set for all users at once`, refused);
    this.validate(fields);
    const now = new Date();
    const rows = await this.changes.run(actor, async (change) => {
      const count = await change.tx.liteLLM_UserTable.count();
      if (count === 0) throw badRequest('No users found to update');
      if (count > MAX_BULK)
        throw badRequest(
          `Maximum ${MAX_BULK} users can be updated at once. Found ${count} users.`,
          'all_users',
        );
      const before = await change.tx.liteLLM_UserTable.findMany({
        omit: NO_PASSWORD,
        orderBy: { created_at: 'desc' },
      });
      const after: UserRow[] = [];
      for (const row of before) {
        after.push(await this.users.update(change, row.user_id, this.columns(fields, row.metadata, now)));
        await change.audit({
          action: 'updated',
          table: USER_TABLE,
          objectId: row.user_id,
          before: row,
          after: fields,
        });
      }
      change.invalidatesEverything();
      return after;
    });
    return {
      results: rows.map((r) => ({
        user_id: r.user_id,
        user_email: r.user_email,
        success: true,
        updated_user: r,
      })),
      total_requested: rows.length,
      successful_updates: rows.length,
      failed_updates: 0,
    };
  }

  /** LiteLLM creates the user when an update by email matches nobody. */
  private async createByEmail(change: Change, req: UserUpdateRequest, password: string | null, now: Date) {
    const { tx } = change;
    const email = req.user_email!.trim();
    await assertEmailFree(tx, email);
    if (req.sso_user_id) await assertSsoIdFree(tx, req.sso_user_id);
    const columns = this.columns(req, {}, now);
    const objectPermissionId = req.object_permission
      ? await this.objectPermissions.save(req.object_permission, null, tx)
      : null;
    const row = await this.users.create(change, {
      ...(columns as Prisma.LiteLLM_UserTableUncheckedCreateInput),
      user_id: randomUUID(),
      user_email: email,
      user_role: req.user_role ?? 'internal_user',
      password,
      models: (columns.models as string[] | undefined) ?? [],
      object_permission_id: objectPermissionId ?? null,
    });
    await change.audit({
      action: 'created',
      table: USER_TABLE,
      objectId: row.user_id,
      after: auditValues(req),
    });
    return row;
  }

  private validate(fields: UserUpdateFields) {
    for (const field of ['max_budget', 'spend'] as const) {
      const value = fields[field];
      if (typeof value === 'number' && value < 0)
        throw badRequest(`${field} cannot be negative. Received: ${value}`, field);
    }
    if (fields.model_max_budget) validateModelMaxBudget(fields.model_max_budget);
    budgetResetFromDuration(fields.budget_duration, new Date());
  }

  /** The columns an update sets: only fields that were sent (see the class comment for nulls). */
  private columns(
    fields: UserUpdateFields,
    existingMetadata: unknown,
    now: Date,
  ): Prisma.LiteLLM_UserTableUncheckedUpdateInput {
    const data: Record<string, unknown> = {};
    for (const f of NULLABLE) if (fields[f] !== undefined) data[f] = fields[f];
    for (const f of NOT_NULL) if (fields[f] != null) data[f] = fields[f];
    for (const f of JSON_NOT_NULL) if (fields[f] != null) data[f] = fields[f];
    for (const f of ['tpm_limit', 'rpm_limit'] as const) {
      const value = fields[f];
      if (value !== undefined) data[f] = value === null ? null : BigInt(value);
    }
    if (fields.user_role != null) data.user_role = fields.user_role;
    if (fields.budget_duration !== undefined)
      data.budget_reset_at = budgetResetFromDuration(fields.budget_duration, now) ?? null;
    const extras = METADATA_FIELDS.filter((f) => fields[f] !== undefined);
    if (extras.length) {
      const metadata = {
        ...((existingMetadata ?? {}) as Record<string, unknown>),
        ...((data.metadata as Record<string, unknown> | undefined) ?? {}),
      };
      for (const f of extras) {
        if (fields[f] === null) delete metadata[f];
        else metadata[f] = fields[f];
      }
      data.metadata = metadata;
    }
    return data as Prisma.LiteLLM_UserTableUncheckedUpdateInput;
  }
}

/** Callers who are not proxy admins may change only their own row, and only a few fields of it. */
function assertSelfService(auth: AuthContext, req: UserUpdateRequest, existing: UserRow | null): void {
  if (!existing || existing.user_id !== auth.userId) throw forbidden(NOT_YOURS, 'user_id');
  const refused = Object.keys(req).find(
    (f) => (req as Record<string, unknown>)[f] !== undefined && !SELF_SERVICE.has(f),
  );
  if (refused)
    throw forbidden(
      `Only proxy admins can change ${refused}. You may change your user_email, user_alias and password.`,
      refused,
    );
}
