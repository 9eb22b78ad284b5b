import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { AuthCacheService } from '../../platform/auth/auth-cache.service';
import { isProxyAdmin } from '../../platform/auth/roles';
import { isUniqueViolation } from '../budgets/budgets.service';
import { ApiError, badRequest, forbidden, unauthorized } from '../../platform/common/errors/api-error';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { TeamMemberRequest } from './dto/team-member.requests';
import type { TeamDeleteRequest, TeamFieldsRequest, TeamNewRequest } from './dto/team.requests';
import { TeamAuthorizationService } from './team-authorization.service';
import { TeamKeysService } from './team-keys.service';
import { TeamMemberBudgetsService } from './team-member-budgets.service';
import { TeamMembersService } from './team-members.service';
import { TEAM_ADMIN_PERMISSIONS } from './team-members';
import { OrganizationsService } from '../organizations/organizations.service';
import {
  TEAM_TABLE,
  teamColumns,
  TeamRow,
  teamNotFound,
  Tx,
  validateTeamFields,
  withoutNulls,
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
    private readonly audit: AuditService,
    private readonly cache: AuthCacheService,
  ) {}

  /** POST /team/new. The team, its members, budgets and aliases are written in one transaction. */
  async create(actor: Actor, req: TeamNewRequest) {
    const { auth } = actor;
    const now = new Date();
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
    const teamId = req.team_id ?? randomUUID();
    const by = this.actorId(auth);
    const requested: TeamMemberRequest[] = [
      ...(req.members_with_roles ?? []),
      ...(req.admins ?? []).map((user_id) => ({ user_id, role: 'admin' as const })),
      ...(req.members ?? []).map((user_id) => ({ user_id, role: 'user' as const })),
    ];
    if (auth.userId && !requested.some((m) => m.user_id === auth.userId))
      requested.push({ user_id: auth.userId, role: 'admin' });

    try {
      const team = await this.prisma.$transaction(async (tx) => {
        const exists = await tx.liteLLM_TeamTable.findUnique({
          where: { team_id: teamId },
          select: { team_id: true },
        });
        if (exists) throw duplicateTeam(teamId);
        const { data, metadata } = teamColumns(req, now);
        const budgetId = await this.memberBudgets.saveDefaultBudget(tx, actor, req, {
          team_alias: req.team_alias ?? null,
          budget_duration: req.budget_duration ?? null,
          metadata: {},
        });
        if (budgetId) metadata.team_member_budget_id = budgetId;
        if (req.team_admin_permissions)
          metadata.team_admin_permissions = [...new Set(req.team_admin_permissions)];
        const modelId = req.model_aliases ? await this.createModelAliases(tx, req.model_aliases, by) : null;
        const objectPermissionId = req.object_permission
          ? await this.objectPermissions.save(req.object_permission, null, tx)
          : null;
        await tx.liteLLM_TeamTable.create({
          data: {
            ...(data as Prisma.LiteLLM_TeamTableUncheckedCreateInput),
            team_id: teamId,
            organization_id: orgId,
            models: req.models ?? [],
            members_with_roles: [],
            admins: [],
            members: [],
            metadata: metadata as Prisma.InputJsonValue,
            model_id: modelId,
            object_permission_id: objectPermissionId,
          },
        });
        await this.members.addInTx(tx, actor, teamId, requested, null, 'skip', true);
        const { members_with_roles: _m, admins: _a, members: _u, ...settings } = req;
        await this.audit.record(
          actor,
          {
            action: 'created',
            table: TEAM_TABLE,
            objectId: teamId,
            after: withoutNulls({ ...settings, team_id: teamId }),
          },
          tx,
        );
        return tx.liteLLM_TeamTable.findUniqueOrThrow({
          where: { team_id: teamId },
          include: { litellm_model_table: true },
        });
      });
      return team;
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicateTeam(teamId);
      throw e;
    }
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

    const tokens = await this.prisma.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ team_id: string }[]>`
        SELECT team_id FROM "LiteLLM_TeamTable" WHERE team_id = ANY(${ids}) FOR UPDATE`;
      for (const id of ids) if (!locked.some((t) => t.team_id === id)) throw teamNotFound(id, 'team_ids');
      const rows = await tx.liteLLM_TeamTable.findMany({ where: { team_id: { in: ids } } });
      await tx.$executeRaw`
        INSERT INTO "LiteLLM_DeletedTeamTable" (id, ${ARCHIVED_COLUMNS}, deleted_at, deleted_by, deleted_by_api_key, litellm_changed_by)
        SELECT gen_random_uuid()::text, ${ARCHIVED_COLUMNS}, now(), ${this.actorId(actor.auth)}, ${actor.auth.apiKey}, ${actor.changedByHeader ?? null}
        FROM "LiteLLM_TeamTable" WHERE team_id = ANY(${ids})`;
      const deletedKeys = await this.keys.deleteKeysOfTeams(tx, actor, ids);
      await tx.$executeRaw`
        UPDATE "LiteLLM_UserTable" SET teams = ARRAY(SELECT t FROM unnest(teams) t WHERE NOT (t = ANY(${ids}))), updated_at = now()
        WHERE teams && ${ids}::text[]`;
      await tx.liteLLM_TeamMembership.deleteMany({ where: { team_id: { in: ids } } });
      await tx.liteLLM_TeamTable.deleteMany({ where: { team_id: { in: ids } } });
      for (const row of rows) {
        await this.audit.record(
          actor,
          { action: 'deleted', table: TEAM_TABLE, objectId: row.team_id, before: row, after: {} },
          tx,
        );
      }
      return deletedKeys;
    });
    await Promise.all([
      ...ids.map((id) => this.cache.invalidateTeam(id)),
      ...tokens.map((token) => this.cache.invalidateKey(token)),
    ]);
    return { deleted_teams: ids, deleted_keys: tokens.length };
  }

  /** POST /team/block and /team/unblock: every key of a blocked team is refused (401). */
  async setBlocked(actor: Actor, teamId: string, blocked: boolean): Promise<TeamRow> {
    const route = blocked ? '/team/block' : '/team/unblock';
    const team = await this.requireTeam(teamId);
    await this.authz.assertOrgLevel(actor.auth, team, route);
    const row = await this.audit.audited(
      actor,
      {
        action: blocked ? 'blocked' : 'unblocked',
        table: TEAM_TABLE,
        objectId: teamId,
        before: { blocked: team.blocked },
        after: { blocked },
      },
      (tx) => tx.liteLLM_TeamTable.update({ where: { team_id: teamId }, data: { blocked } }),
    );
    await this.cache.invalidateTeam(teamId);
    return row;
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

  async requireTeam(teamId: string): Promise<TeamRow> {
    const team = await this.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: teamId } });
    if (!team) throw teamNotFound(teamId);
    return team;
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
