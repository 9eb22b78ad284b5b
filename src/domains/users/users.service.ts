import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { Actor } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { budgetResetFromDuration } from '../../platform/common/durations-input';
import { badRequest, conflict, forbidden, notFound } from '../../platform/common/errors/api-error';
import { validateModelMaxBudget } from '../../platform/common/model-max-budget';
import { hashPassword } from '../../platform/common/password';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { OrganizationMembershipsService } from '../../tenancy/organization-memberships.service';
import { isAdminRole, isProxyAdmin } from '../../tenancy/roles';
import { TeamMembershipsService } from '../../tenancy/team-memberships.service';
import { UserRecordsService } from '../../tenancy/user-records.service';
import { assertEmailFree, assertSsoIdFree, NO_PASSWORD, USER_TABLE } from '../../tenancy/user-rows';
import { BudgetsService } from '../budgets/budgets.service';
import { InvitationsService } from '../invitations/invitations.service';
import type { KeyGenerateRequest } from '../keys/dto/key.requests';
import { KeysService } from '../keys/keys.service';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import { OrganizationsService } from '../organizations/organizations.service';
import type { UserDeleteRequest, UserNewRequest, UserTeamEntry } from './dto/user.requests';
import { auditValues } from './user-rows';

/**
 * The fields of /user/new that belong to the auto-created key (LiteLLM passes the whole request to
 * its key helper; the user's own budget, spend and object permission stay with the user).
 */
const KEY_FIELDS = [
  'key_alias', 'team_id', 'organization_id', 'project_id', 'agent_id', 'budget_id', 'duration', 'soft_budget',
  'model_max_budget', 'models', 'tpm_limit', 'rpm_limit', 'max_parallel_requests', 'model_rpm_limit',
  'model_tpm_limit', 'rpm_limit_type', 'tpm_limit_type', 'aliases', 'config', 'permissions', 'allowed_cache_controls',
  'allowed_routes', 'allowed_passthrough_routes', 'key_type', 'router_settings', 'access_group_ids',
  'allowed_vector_store_indexes', 'enforced_params', 'metadata', 'tags', 'guardrails', 'policies', 'prompts',
  'auto_rotate', 'rotation_interval',
] as const; // prettier-ignore

/** A /user/new request after its checks: what the change writes. */
interface NewUser {
  userId: string;
  email: string | null;
  role: string;
  password: string | null;
  budgetResetAt: Date | null;
  teams: UserTeamEntry[];
  orgIds: string[];
  key: Awaited<ReturnType<KeysService['prepare']>> | undefined;
}

/** Creating and deleting internal users (spec tenancy.md §5.1, §5.5). Updates: UserUpdateService. */
@Injectable()
export class UsersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keys: KeysService,
    private readonly organizations: OrganizationsService,
    private readonly invitations: InvitationsService,
    private readonly objectPermissions: ObjectPermissionService,
    private readonly budgets: BudgetsService,
    private readonly users: UserRecordsService,
    private readonly teamMemberships: TeamMembershipsService,
    private readonly orgMemberships: OrganizationMembershipsService,
    private readonly changes: ChangesService,
  ) {}

  /**
   * POST /user/new. The user row, its team and organization memberships and its first key are
   * written in ONE change: the key is prepared (validated) first and written inside the user's
   * transaction, so a failure anywhere leaves nothing behind.
   */
  async create(actor: Actor, req: UserNewRequest) {
    const { auth } = actor;
    const role = req.user_role ?? 'internal_user';
    const budgetResetAt = checkNewUser(auth, req, role);
    const userId = req.user_id ?? randomUUID();
    const teams = teamEntries(req.teams, req.team_id);
    const orgIds = [
      ...new Set([...(req.organizations ?? []), ...(req.organization_id ? [req.organization_id] : [])]),
    ];
    await this.checkTargets(auth, req.organization_id ?? null, teams, orgIds);
    const prepared =
      req.auto_create_key === false
        ? undefined
        : await this.keys.prepare(actor, this.keyRequest(req, userId), { preAuthorized: true });
    const password = req.password ? await hashPassword(req.password) : null;
    const email = req.user_email?.trim() || null;
    const user: NewUser = { userId, email, role, password, budgetResetAt, teams, orgIds, key: prepared };
    const { row, key } = await this.changes.run(actor, (change) => this.insertUser(change, actor, req, user));
    return {
      ...row,
      key: key?.key ?? '',
      key_name: key?.key_name ?? null,
      key_alias: key?.key_alias ?? null,
      expires: key?.expires ?? null,
      organizations: orgIds,
    };
  }

  /**
   * POST /user/delete: all or nothing. In one change: audit rows, the users leave every team
   * (members_with_roles and the legacy arrays, set-based), their keys are archived and deleted,
   * their invitation links and organization/team memberships go, then the users. Returns the
   * number of users deleted (LiteLLM answers Prisma's delete count).
   */
  async delete(actor: Actor, req: UserDeleteRequest): Promise<number> {
    const { auth } = actor;
    const ids = [...new Set(req.user_ids)];
    if (ids.length === 0) throw badRequest('No user id passed in', 'user_ids');
    const rows = await this.prisma.liteLLM_UserTable.findMany({
      where: { user_id: { in: ids } },
      omit: NO_PASSWORD,
    });
    const found = new Set(rows.map((r) => r.user_id));
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) throw notFound(`User not found, passed user_id=${missing}`, 'user_ids');
    if (!isProxyAdmin(auth.role)) await this.checkDeleteScope(auth, rows);

    return this.changes.run(actor, async (change) => {
      for (const row of rows) {
        await change.audit({
          action: 'deleted',
          table: USER_TABLE,
          objectId: row.user_id,
          before: row,
          after: {},
        });
      }
      await this.teamMemberships.removeUsersFromAllTeams(change, ids);
      await this.keys.deleteKeysOfUsers(change.tx, actor, ids);
      await this.invitations.deleteLinksOfUsers(change.tx, ids);
      await this.orgMemberships.removeUsers(change.tx, ids);
      return this.users.delete(change, ids);
    });
  }

  /** The user row, its teams, organizations and key, then the audit row; returns the row and the key. */
  private async insertUser(change: Change, actor: Actor, req: UserNewRequest, user: NewUser) {
    const { tx } = change;
    if (await this.users.exists(user.userId, tx))
      throw conflict(`User with id ${user.userId} already exists`, 'user_id');
    if (user.email) await assertEmailFree(tx, user.email);
    if (req.sso_user_id) await assertSsoIdFree(tx, req.sso_user_id);
    const objectPermissionId = req.object_permission
      ? await this.objectPermissions.save(req.object_permission, null, tx)
      : null;
    await this.users.create(change, userColumns(req, user, objectPermissionId));
    await this.joinTeams(change, actor, user);
    await this.orgMemberships.addMemberships(tx, user.userId, user.orgIds, 'internal_user');
    const key = user.key ? await this.keys.createPrepared(tx, actor, user.key) : undefined;
    const row = await tx.liteLLM_UserTable.findUniqueOrThrow({
      where: { user_id: user.userId },
      omit: NO_PASSWORD,
    });
    await change.audit({
      action: 'created',
      table: USER_TABLE,
      objectId: user.userId,
      after: auditValues({ ...req, user_id: user.userId }),
    });
    return { row, key };
  }

  /** The new user joins each of its teams, with a budget row of their own for `max_budget_in_team`. */
  private async joinTeams(change: Change, actor: Actor, user: NewUser) {
    const createBudget = async (maxBudget: number) =>
      (await this.budgets.createBudget({ max_budget: maxBudget }, actor, change.tx)).budget_id;
    for (const team of user.teams) {
      const member = {
        user_id: user.userId,
        user_email: user.email,
        role: team.user_role ?? 'user',
        max_budget_in_team: team.max_budget_in_team ?? null,
      };
      const added = await this.teamMemberships.addMembers(change, team.team_id, [member], { createBudget });
      if (added === undefined) throw teamNotFound(team.team_id);
    }
  }

  /**
   * The teams and organizations a new user joins must exist (400: unlike LiteLLM, which skips
   * them silently, nothing is created). Callers who are not proxy admins reach /user/new as org
   * admins of the request's organization_id (route gate); they may only place the user in
   * organizations they administer and in teams of those organizations.
   */
  private async checkTargets(
    auth: AuthContext,
    organizationId: string | null,
    teams: UserTeamEntry[],
    orgIds: string[],
  ) {
    const adminOrgs = isProxyAdmin(auth.role) ? null : await this.orgMemberships.adminOrgIds(auth.userId);
    if (adminOrgs && (!organizationId || !adminOrgs.includes(organizationId))) {
      throw forbidden(
        'Only proxy admins, or org admins passing the organization_id they administer, can create users.',
        'organization_id',
      );
    }
    for (const orgId of orgIds) {
      if (!(await this.organizations.exists(orgId)))
        throw badRequest(`Organization not found, passed organization_id=${orgId}`, 'organizations');
      if (adminOrgs && !adminOrgs.includes(orgId))
        throw forbidden(`You are not an org admin of organization ${orgId}.`, 'organizations');
    }
    for (const team of teams) {
      const found = await this.teamMemberships.ofTeam(team.team_id);
      if (!found) throw teamNotFound(team.team_id);
      if (adminOrgs && !(found.organizationId && adminOrgs.includes(found.organizationId))) {
        throw forbidden(
          `You can only add users to teams of organizations you administer. team_id=${team.team_id}`,
          'teams',
        );
      }
    }
  }

  /**
   * Org admins may delete only users who belong to organizations they administer and to no
   * other, and never admin-role users. A user outside their organizations looks like a missing
   * one (404), so ids do not leak across tenants.
   */
  private async checkDeleteScope(auth: AuthContext, rows: { user_id: string; user_role: string | null }[]) {
    const adminOrgs = await this.orgMemberships.adminOrgIds(auth.userId);
    const memberships = await this.orgMemberships.membershipsOf(rows.map((r) => r.user_id));
    for (const row of rows) {
      const orgsOfUser = memberships.get(row.user_id) ?? [];
      if (!orgsOfUser.some((o) => adminOrgs.includes(o)))
        throw notFound(`User not found, passed user_id=${row.user_id}`, 'user_ids');
      if (orgsOfUser.some((o) => !adminOrgs.includes(o)) || isAdminRole(row.user_role)) {
        throw forbidden(
          `You can only delete users who belong only to organizations you administer. user_id=${row.user_id}`,
          'user_ids',
        );
      }
    }
  }

  /** The auto-created key: the request's key fields, owned by the new user, never the user's budget. */
  private keyRequest(req: UserNewRequest, userId: string): KeyGenerateRequest {
    const source = req as unknown as Record<string, unknown>;
    const fields = Object.fromEntries(
      KEY_FIELDS.filter((f) => source[f] !== undefined).map((f) => [f, source[f]]),
    );
    return { ...fields, user_id: userId, models: req.models ?? [] } as KeyGenerateRequest;
  }
}

/**
 * /user/new's checks of the request alone (LiteLLM's 400s and 403s); returns the first budget
 * reset of the user's `budget_duration`.
 */
function checkNewUser(auth: AuthContext, req: UserNewRequest, role: string): Date | null {
  if (isAdminRole(role) && !isProxyAdmin(auth.role)) {
    throw forbidden(
      `Only proxy admins can create administrative users (proxy_admin, proxy_admin_viewer). Attempted to create user with role: ${role}. Your role: ${auth.role ?? 'None'}`,
      'user_role',
    );
  }
  for (const field of ['max_budget', 'spend'] as const) {
    const value = req[field];
    if (typeof value === 'number' && value < 0)
      throw badRequest(`${field} cannot be negative. Received: ${value}`, field);
  }
  if (req.model_max_budget) validateModelMaxBudget(req.model_max_budget);
  const budgetResetAt = budgetResetFromDuration(req.budget_duration, new Date()) ?? null;
  if (req.user_id === '')
    throw badRequest('user_id cannot be empty; leave it out to get a uuid4.', 'user_id');
  return budgetResetAt;
}

/** The user row /user/new inserts. */
function userColumns(
  req: UserNewRequest,
  user: NewUser,
  objectPermissionId: string | null,
): Prisma.LiteLLM_UserTableUncheckedCreateInput {
  return {
    user_id: user.userId,
    user_email: user.email,
    user_alias: req.user_alias ?? null,
    user_role: user.role,
    password: user.password,
    max_budget: req.max_budget ?? null,
    budget_duration: req.budget_duration ?? null,
    budget_reset_at: user.budgetResetAt,
    spend: req.spend ?? 0,
    models: req.models ?? [],
    tpm_limit: req.tpm_limit == null ? null : BigInt(req.tpm_limit),
    rpm_limit: req.rpm_limit == null ? null : BigInt(req.rpm_limit),
    max_parallel_requests: req.max_parallel_requests ?? null,
    metadata: (req.metadata ?? {}) as Prisma.InputJsonValue,
    allowed_cache_controls: req.allowed_cache_controls ?? [],
    policies: req.policies ?? [],
    model_max_budget: (req.model_max_budget ?? {}) as Prisma.InputJsonValue,
    sso_user_id: req.sso_user_id ?? null,
    organization_id: req.organization_id ?? null,
    team_id: req.team_id ?? null,
    object_permission_id: objectPermissionId,
  };
}

/** Normalises `teams` (ids or objects) plus the deprecated single `team_id`, first entry wins. */
function teamEntries(
  teams: (string | UserTeamEntry)[] | null | undefined,
  teamId: string | null | undefined,
) {
  const entries = (teams ?? []).map((t) => (typeof t === 'string' ? { team_id: t } : t));
  if (teamId) entries.push({ team_id: teamId });
  const byTeam = new Map<string, UserTeamEntry>();
  for (const entry of entries) if (!byTeam.has(entry.team_id)) byTeam.set(entry.team_id, entry);
  return [...byTeam.values()];
}

function teamNotFound(teamId: string) {
  return badRequest(`Team doesn't exist in db. Team=${teamId}. Create team via \`/team/new\` call.`, 'teams');
}
