import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { Actor, AuditService, withoutNulls } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { ApiError, badRequest, forbidden, unauthorized } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { isProxyAdmin } from '../../tenancy/roles';
import { TeamMembershipsService } from '../../tenancy/team-memberships.service';
import { isUniqueViolation } from '../budgets/budgets.service';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import { OrganizationsService } from '../organizations/organizations.service';
import type { TeamMemberRequest } from './dto/team-member.requests';
import type { TeamDeleteRequest, TeamFieldsRequest, TeamNewRequest } from './dto/team.requests';
import { TeamAuthorizationService } from './team-authorization.service';
import { TeamKeysService } from './team-keys.service';
import { TeamMemberBudgetsService } from './team-member-budgets.service';
import { TEAM_ADMIN_PERMISSIONS } from './team-members';
import { TeamMembersService } from './team-members.service';
import {
  findTeamOrThrow,
  TEAM_TABLE,
  teamColumns,
  TeamRow,
  teamNotFound,
  Tx,
  validateTeamFields,
} from './team-rows';

/** The team columns LiteLLM_DeletedTeamTable keeps (all but budget_limits and default_team_member_models). */
// prettier-ignore
const ARCHIVED_COLUMNS = Prisma.raw([
  'team_id', 'team_alias', 'organization_id', 'object_permission_id', 'admins', 'members', 'members_with_roles',
  'metadata', 'max_budget', 'soft_budget', 'spend', 'models', 'max_parallel_requests', 'tpm_limit', 'rpm_limit',
  'budget_duration', 'budget_reset_at', 'blocked', 'model_spend', 'model_max_budget', 'router_settings',
  'team_member_permissions', 'access_group_ids', 'policies', 'model_id', 'allow_team_guardrail_config', 'created_at',
  'updated_at',
].map((c) => `"${c}"`).join(', '));

/**
 * Creating, deleting and blocking teams (spec tenancy.md §7.2, §7.4, §7.11). Updates:
 * TeamUpdateService; models and member permissions: TeamSettingsService.
 */
@Injectable()
export class TeamLifecycleService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: TeamAuthorizationService,
    private readonly members: TeamMembersService,
    private readonly memberBudgets: TeamMemberBudgetsService,
    private readonly orgs: OrganizationsService,
    private readonly keys: TeamKeysService,
    private readonly objectPermissions: ObjectPermissionService,
    private readonly memberships: TeamMembershipsService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
  ) {}

  /** POST /team/new. The team, its members, budgets and aliases are written in one change. */
  async create(actor: Actor, req: TeamNewRequest) {
    const now = new Date();
    const orgId = await this.checkCreate(actor.auth, req, now);
    const teamId = req.team_id ?? randomUUID();
    const members: TeamMemberRequest[] = [
      ...(req.members_with_roles ?? []),
      ...(req.admins ?? []).map((user_id) => ({ user_id, role: 'admin' as const })),
      ...(req.members ?? []).map((user_id) => ({ user_id, role: 'user' as const })),
    ];
    const creator = actor.auth.userId;
    if (creator && !members.some((m) => m.user_id === creator))
      members.push({ user_id: creator, role: 'admin' });
    try {
      return await this.changes.run(actor, (change) =>
        this.insertTeam(change, actor, req, { teamId, orgId, now, members }),
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicateTeam(teamId);
      throw e;
    }
  }

  /** /team/new's checks before anything is written; returns the team's organization id. */
  private async checkCreate(auth: AuthContext, req: TeamNewRequest, now: Date): Promise<string | null> {
    validateTeamFields(req, now);
    this.checkProxyAdminOnlyFields(auth, req);
    if (req.team_id === '')
      throw badRequest('team_id cannot be empty; leave it out to get a uuid4.', 'team_id');
    const orgId = req.organization_id || null;
    if (!isProxyAdmin(auth.role)) {
      if (!orgId || !(await this.authz.isOrgAdmin(auth, orgId))) {
        throw unauthorized(
          `Authentication Error, Only proxy admins, or org admins passing an organization_id they administer, can create teams. Your role=${auth.role ?? 'None'}`,
        );
      }
      await this.checkCallerLimits(auth, req);
    }
    const org = orgId ? await this.orgs.limits(orgId) : undefined;
    if (orgId && !org)
      throw badRequest(`Organization not found for organization_id=${orgId}`, 'organization_id');
    if (org) await this.checkGuaranteedThroughput(org.organizationId, org, req);
    return orgId;
  }

  /** The team row with its member-default budget, aliases and object permission, then its members. */
  private async insertTeam(
    change: Change,
    actor: Actor,
    req: TeamNewRequest,
    team: { teamId: string; orgId: string | null; now: Date; members: TeamMemberRequest[] },
  ) {
    const { tx } = change;
    const { teamId } = team;
    const exists = await tx.liteLLM_TeamTable.findUnique({
      where: { team_id: teamId },
      select: { team_id: true },
    });
    if (exists) throw duplicateTeam(teamId);
    const { data, metadata } = teamColumns(req, team.now);
    const budgetId = await this.memberBudgets.saveDefaultBudget(tx, actor, req, {
      team_alias: req.team_alias ?? null,
      budget_duration: req.budget_duration ?? null,
      metadata: {},
    });
    if (budgetId) metadata.team_member_budget_id = budgetId;
    if (req.team_admin_permissions)
      metadata.team_admin_permissions = [...new Set(req.team_admin_permissions)];
    const by = this.actorId(actor.auth);
    await tx.liteLLM_TeamTable.create({
      data: {
        ...(data as Prisma.LiteLLM_TeamTableUncheckedCreateInput),
        team_id: teamId,
        organization_id: team.orgId,
        models: req.models ?? [],
        members_with_roles: [],
        admins: [],
        members: [],
        metadata: metadata as Prisma.InputJsonValue,
        model_id: req.model_aliases ? await this.createModelAliases(tx, req.model_aliases, by) : null,
        object_permission_id: req.object_permission
          ? await this.objectPermissions.save(req.object_permission, null, tx)
          : null,
      },
    });
    await this.members.addInChange(change, actor, teamId, team.members, {
      duplicates: 'skip',
      maxBudgetInTeam: null,
      legacyArrays: true,
    });
    const { members_with_roles: _m, admins: _a, members: _u, ...settings } = req;
    await change.audit({
      action: 'created',
      table: TEAM_TABLE,
      objectId: teamId,
      after: withoutNulls({ ...settings, team_id: teamId }),
    });
    return tx.liteLLM_TeamTable.findUniqueOrThrow({
      where: { team_id: teamId },
      include: { litellm_model_table: true },
    });
  }

  /**
   * POST /team/delete: all or nothing. Each team is archived to LiteLLM_DeletedTeamTable, its
   * keys are archived and deleted like /key/delete does, its members leave it, then the rows go;
   * every key of the teams is then evicted from the auth cache of every pod.
   */
  async delete(actor: Actor, req: TeamDeleteRequest) {
    const ids = [...new Set(req.team_ids)];
    if (ids.length === 0) throw badRequest('No team id passed in', 'team_ids');
    const found = await this.prisma.liteLLM_TeamTable.findMany({ where: { team_id: { in: ids } } });
    for (const id of ids) if (!found.some((t) => t.team_id === id)) throw teamNotFound(id, 'team_ids');
    for (const team of found) await this.authz.assertOrgLevel(actor.auth, team, '/team/delete');

    const tokens = await this.changes.run(actor, async (change) => {
      const { tx } = change;
      const locked = await tx.$queryRaw<{ team_id: string }[]>`
        SELECT team_id FROM "LiteLLM_TeamTable" WHERE team_id = ANY(${ids}) FOR UPDATE`;
      for (const id of ids) if (!locked.some((t) => t.team_id === id)) throw teamNotFound(id, 'team_ids');
      const rows = await tx.liteLLM_TeamTable.findMany({ where: { team_id: { in: ids } } });
      await tx.$executeRaw`
        INSERT INTO "LiteLLM_DeletedTeamTable" (id, ${ARCHIVED_COLUMNS}, deleted_at, deleted_by, deleted_by_api_key, litellm_changed_by)
        SELECT gen_random_uuid()::text, ${ARCHIVED_COLUMNS}, now(), ${this.actorId(actor.auth)}, ${actor.auth.apiKey}, ${actor.changedByHeader ?? null}
        FROM "LiteLLM_TeamTable" WHERE team_id = ANY(${ids})`;
      const deletedKeys = await this.keys.deleteKeysOfTeams(tx, actor, ids);
      change.invalidatesKeys(...deletedKeys);
      await this.memberships.removeTeams(change, ids);
      await tx.liteLLM_TeamTable.deleteMany({ where: { team_id: { in: ids } } });
      for (const row of rows) {
        await change.audit({
          action: 'deleted',
          table: TEAM_TABLE,
          objectId: row.team_id,
          before: row,
          after: {},
        });
      }
      return deletedKeys;
    });
    return { deleted_teams: ids, deleted_keys: tokens.length };
  }

  /** POST /team/block and /team/unblock: every key of a blocked team is refused (401). */
  async setBlocked(actor: Actor, teamId: string, blocked: boolean): Promise<TeamRow> {
    const route = blocked ? '/team/block' : '/team/unblock';
    const team = await findTeamOrThrow(this.prisma, teamId);
    await this.authz.assertOrgLevel(actor.auth, team, route);
    return this.changes.audited(
      actor,
      {
        action: blocked ? 'blocked' : 'unblocked',
        table: TEAM_TABLE,
        objectId: teamId,
        before: { blocked: team.blocked },
        after: { blocked },
      },
      (change) => change.invalidatesTeams(teamId),
      (tx) => tx.liteLLM_TeamTable.update({ where: { team_id: teamId }, data: { blocked } }),
    );
  }

  /** Fields only a proxy admin may set (on create and update). */
  checkProxyAdminOnlyFields(auth: AuthContext, req: TeamFieldsRequest): void {
    if (isProxyAdmin(auth.role)) {
      const unknown = (req.team_admin_permissions ?? []).filter((p) => !TEAM_ADMIN_PERMISSIONS.includes(p));
      if (unknown.length) {
        throw badRequest(
          `Invalid team_admin_permissions: ${JSON.stringify(unknown)}. Allowed: ${JSON.stringify(TEAM_ADMIN_PERMISSIONS)}`,
          'team_admin_permissions',
        );
      }
      return;
    }
    if (req.team_admin_permissions !== undefined)
      throw forbidden('Only proxy admins can set team_admin_permissions', 'team_admin_permissions');
    const inMetadata = !!req.metadata && 'allowed_passthrough_routes' in req.metadata;
    if (
      (req.allowed_passthrough_routes !== undefined && req.allowed_passthrough_routes !== null) ||
      inMetadata
    )
      throw forbidden(
        'Only proxy admins can set `allowed_passthrough_routes` on a team.',
        'allowed_passthrough_routes',
      );
  }

  /** LiteLLM_ModelTable row holding the team's model aliases. */
  async createModelAliases(tx: Tx, aliases: Record<string, unknown>, by: string): Promise<number> {
    const row = await tx.liteLLM_ModelTable.create({
      data: { model_aliases: aliases as Prisma.InputJsonValue, created_by: by, updated_by: by },
      select: { id: true },
    });
    return row.id;
  }

  actorId(auth: AuthContext): string {
    return this.audit.actorId(auth);
  }

  /** A non-admin creator cannot give a team more than their own key has (LiteLLM's checks). */
  private async checkCallerLimits(auth: AuthContext, req: TeamNewRequest): Promise<void> {
    const key = auth.key
      ? await this.prisma.liteLLM_VerificationToken.findUnique({
          where: { token: auth.key.token },
          select: { tpm_limit: true, rpm_limit: true, max_budget: true, models: true },
        })
      : null;
    if (!key) return;
    const role = auth.role ?? 'None';
    if (req.tpm_limit != null && key.tpm_limit !== null && BigInt(req.tpm_limit) > key.tpm_limit)
      throw badRequest(
        `tpm limit higher than user max. User tpm limit=${key.tpm_limit}. User role=${role}`,
        'tpm_limit',
      );
    if (req.rpm_limit != null && key.rpm_limit !== null && BigInt(req.rpm_limit) > key.rpm_limit)
      throw badRequest(
        `rpm limit higher than user max. User rpm limit=${key.rpm_limit}. User role=${role}`,
        'rpm_limit',
      );
    if (req.max_budget != null && key.max_budget !== null && req.max_budget > key.max_budget) {
      throw badRequest(
        `max budget higher than user max. User max budget=${key.max_budget}. User role=${role}`,
        'max_budget',
      );
    }
    if (req.models && key.models.length > 0) {
      const outside = req.models.filter((m) => !key.models.includes(m));
      if (outside.length) {
        throw badRequest(
          `Model not in allowed user models. User allowed models=${JSON.stringify(key.models)}. User id=${auth.userId ?? 'None'}`,
          'models',
        );
      }
    }
  }

  /** guaranteed_throughput: the org's teams together may not promise more than the org has. */
  private async checkGuaranteedThroughput(
    orgId: string,
    org: { tpmLimit: bigint | null; rpmLimit: bigint | null },
    req: TeamFieldsRequest,
  ): Promise<void> {
    for (const [kind, type, limit, orgLimit] of [
      ['TPM', req.tpm_limit_type, req.tpm_limit, org.tpmLimit],
      ['RPM', req.rpm_limit_type, req.rpm_limit, org.rpmLimit],
    ] as const) {
      if (type !== 'guaranteed_throughput' || orgLimit === null || limit == null) continue;
      const column = Prisma.raw(kind === 'TPM' ? 'tpm_limit' : 'rpm_limit');
      const [{ allocated }] = await this.prisma.$queryRaw<{ allocated: bigint | null }[]>`
        SELECT COALESCE(SUM(${column}), 0)::bigint AS allocated FROM "LiteLLM_TeamTable" WHERE organization_id = ${orgId}`;
      const used = allocated ?? 0n;
      if (used + BigInt(limit) > orgLimit) {
        throw badRequest(
          `Allocated ${kind} limit=${used} + Team ${kind} limit=${limit} is greater than organization ${kind} limit=${orgLimit}`,
          `${kind.toLowerCase()}_limit`,
        );
      }
    }
  }
}

function duplicateTeam(teamId: string): ApiError {
  return badRequest(`Team id = ${teamId} already exists. Please use a different team id.`, 'team_id');
}
