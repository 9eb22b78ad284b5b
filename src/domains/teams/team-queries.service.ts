import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isAdminViewer } from '../../tenancy/roles';
import { ROUTE_GROUPS } from '../../platform/auth/route-permissions';
import {
  ApiError,
  badRequest,
  forbidden,
  notFound,
  unauthorized,
} from '../../platform/common/errors/api-error';
import { pageWindow, totalPages } from '../../platform/common/pagination';
import { pickModel, selectModel } from '../../platform/prisma/model-columns';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { TeamListQuery, TeamListV2Query } from './dto/team.queries';
import { TEAM_SORT_FIELDS } from './dto/team.queries';
import {
  defaultMemberBudgetId,
  MembershipRow,
  membershipView,
  parseTeamMembers,
} from '../../tenancy/team-members';
import { TeamMembershipsService } from '../../tenancy/team-memberships.service';
import { TeamAuthorizationService } from './team-authorization.service';
import { DEFAULT_TEAM_MEMBER_PERMISSIONS } from './team-members';
import { findTeamOrThrow, TeamRow } from './team-rows';

/** `/team/list?organization_id=default_organization` means teams without an organization. */
const DEFAULT_ORGANIZATION = 'default_organization';

/** Key columns shown with a team (LiteLLM shows the rows, hash included; never the raw key). */
const KEY_SELECT = {
  token: true,
  key_name: true,
  key_alias: true,
  spend: true,
  max_budget: true,
  expires: true,
  models: true,
  user_id: true,
  team_id: true,
  organization_id: true,
  project_id: true,
  blocked: true,
  tpm_limit: true,
  rpm_limit: true,
  budget_duration: true,
  budget_reset_at: true,
  metadata: true,
  created_at: true,
  created_by: true,
  updated_at: true,
} satisfies Prisma.LiteLLM_VerificationTokenSelect;
const KEY_FIELDS = Object.keys(KEY_SELECT);
/** The key fields KEY_SELECT leaves out, for the raw read of /team/info. */
const KEY_OMIT = Object.values(Prisma.LiteLLM_VerificationTokenScalarFieldEnum).filter(
  (field) => !(field in KEY_SELECT),
);
type TeamKeyRow = Prisma.LiteLLM_VerificationTokenGetPayload<{ select: typeof KEY_SELECT }>;

/** Team reads (spec tenancy.md §7.5, §7.6, §3.5): info, the two lists, available teams, permissions. */
@Injectable()
export class TeamQueriesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: TeamAuthorizationService,
    private readonly memberships: TeamMembershipsService,
  ) {}

  /** GET /team/info. */
  async info(auth: AuthContext, teamId: string | undefined) {
    if (!teamId)
      throw new ApiError(422, 'Malformed request. No team id passed in.', 'validation_error', 'team_id');
    const team = await this.findInfoRow(teamId);
    if (!team) throw new ApiError(404, `Team not found, passed team id: ${teamId}.`, 'auth_error', 'team_id');
    if (!(await this.authz.canRead(auth, team))) {
      throw forbidden(
        `User=${auth.userId ?? 'None'} not authorized to access this team=${teamId}`,
        'team_id',
      );
    }
    const defaultId = defaultMemberBudgetId(team);
    const now = new Date();
    const [keys, memberships, defaultBudget] = await Promise.all([
      this.teamKeys(teamId, now),
      this.membershipsWithBudgets(teamId),
      defaultId ? this.prisma.liteLLM_BudgetTable.findUnique({ where: { budget_id: defaultId } }) : null,
    ]);
    return {
      team_id: teamId,
      team_info: {
        ...team,
        members_with_roles: parseTeamMembers(team.members_with_roles),
        ...(defaultId ? { team_member_budget_table: defaultBudget } : {}),
      },
      keys,
      team_memberships: memberships.map((m) => membershipView(m, defaultId)),
    };
  }

  /**
   * The team with its object permission and model aliases, as `findUnique` with that `include`
   * returns it, in one statement (the include costs a query per relation).
   */
  private async findInfoRow(teamId: string) {
    const rows = await this.prisma.queryRows<Record<string, unknown>>(Prisma.sql`
      SELECT ${selectModel('LiteLLM_TeamTable', 't', '')},
             ${selectModel('LiteLLM_ObjectPermissionTable', 'o', 'o.')},
             ${selectModel('LiteLLM_ModelTable', 'm', 'm.')}
      FROM "LiteLLM_TeamTable" t
      LEFT JOIN "LiteLLM_ObjectPermissionTable" o ON o.object_permission_id = t.object_permission_id
      LEFT JOIN "LiteLLM_ModelTable" m ON m.id = t.model_id
      WHERE t.team_id = ${teamId}`);
    const row = rows[0];
    if (!row) return null;
    return {
      ...pickModel<TeamRow>(row, 'LiteLLM_TeamTable', '', 'team_id')!,
      object_permission: pickModel<Prisma.LiteLLM_ObjectPermissionTableGetPayload<object>>(
        row,
        'LiteLLM_ObjectPermissionTable',
        'o.',
        'object_permission_id',
      ),
      litellm_model_table: pickModel<Prisma.LiteLLM_ModelTableGetPayload<object>>(
        row,
        'LiteLLM_ModelTable',
        'm.',
        'id',
      ),
    };
  }

  /**
   * The team's unexpired keys (KEY_SELECT's columns), oldest first, as the model query with that
   * select returns them, in a raw statement: a team can hold thousands of keys, and Prisma's
   * query interpreter spent several times the database's time on each of their rows.
   */
  private async teamKeys(teamId: string, now: Date) {
    const rows = await this.prisma.queryRows<Record<string, unknown>>(Prisma.sql`
      SELECT ${selectModel('LiteLLM_VerificationToken', 'k', '', KEY_OMIT)}
      FROM "LiteLLM_VerificationToken" k
      WHERE k.team_id = ${teamId} AND (k.expires IS NULL OR k.expires > ${now.toISOString()}::timestamp)
      ORDER BY k.created_at ASC, k.token ASC`);
    // In KEY_SELECT's order, as Prisma returns a select.
    return rows.map((row) => {
      const key: Record<string, unknown> = {};
      for (const field of KEY_FIELDS) key[field] = row[field];
      return key as TeamKeyRow;
    });
  }

  /** The team's memberships with their budget rows, by user id, in one statement. */
  private async membershipsWithBudgets(teamId: string): Promise<MembershipRow[]> {
    const rows = await this.prisma.queryRows<Record<string, unknown>>(Prisma.sql`
      SELECT ${selectModel('LiteLLM_TeamMembership', 'tm', '')},
             ${selectModel('LiteLLM_BudgetTable', 'b', 'b.')}
      FROM "LiteLLM_TeamMembership" tm
      LEFT JOIN "LiteLLM_BudgetTable" b ON b.budget_id = tm.budget_id
      WHERE tm.team_id = ${teamId}
      ORDER BY tm.user_id`);
    return rows.map((row) => ({
      ...pickModel<Omit<MembershipRow, 'litellm_budget_table'>>(
        row,
        'LiteLLM_TeamMembership',
        '',
        'user_id',
      )!,
      litellm_budget_table: pickModel(row, 'LiteLLM_BudgetTable', 'b.', 'budget_id'),
    }));
  }

  /**
   * GET /team/list: every matching team with its memberships and keys, sorted by alias. Admins
   * and viewers may ask for any user or none; others only for themselves (LiteLLM: 401).
   */
  async list(auth: AuthContext, q: TeamListQuery) {
    if (!isAdminViewer(auth.role) && (!q.user_id || q.user_id !== auth.userId)) throw onlyAdmins(auth);
    const filter: Prisma.LiteLLM_TeamTableWhereInput = {
      ...(q.user_id ? { team_id: { in: await this.teamIdsOfMember(q.user_id) } } : {}),
      ...(q.organization_id === DEFAULT_ORGANIZATION
        ? { organization_id: null }
        : q.organization_id
          ? { organization_id: q.organization_id }
          : {}),
    };
    const teams = await this.prisma.liteLLM_TeamTable.findMany({
      where: filter,
      include: { litellm_model_table: true },
      orderBy: [{ team_alias: 'asc' }, { team_id: 'asc' }],
    });
    const ids = teams.map((t) => t.team_id);
    const [memberships, keys] = await Promise.all([
      this.prisma.liteLLM_TeamMembership.findMany({
        where: { team_id: { in: ids }, ...(q.user_id ? { user_id: q.user_id } : {}) },
        include: { litellm_budget_table: true },
      }),
      this.prisma.liteLLM_VerificationToken.findMany({ where: { team_id: { in: ids } }, select: KEY_SELECT }),
    ]);
    return teams.map((team) => {
      const defaultId = defaultMemberBudgetId(team);
      return {
        ...team,
        members_with_roles: parseTeamMembers(team.members_with_roles),
        team_memberships: memberships
          .filter((m) => m.team_id === team.team_id)
          .map((m) => membershipView(m, defaultId)),
        keys: keys.filter((k) => k.team_id === team.team_id),
      };
    });
  }

  /** GET /v2/team/list: one page of teams (newest first by default) with their member counts. */
  async listV2(auth: AuthContext, q: TeamListV2Query) {
    let userId = q.user_id;
    if (!isAdminViewer(auth.role)) {
      userId ??= auth.userId ?? undefined;
      if (!userId || userId !== auth.userId) throw onlyAdmins(auth);
    }
    if (userId) {
      const user = await this.prisma.liteLLM_UserTable.findUnique({
        where: { user_id: userId },
        select: { user_id: true },
      });
      if (!user) throw notFound(`User not found, passed user_id=${userId}`, 'user_id');
    }
    const where: Prisma.LiteLLM_TeamTableWhereInput = {
      AND: [
        userId ? { team_id: { in: await this.teamIdsOfMember(userId) } } : {},
        q.team_id ? { team_id: q.team_id } : {},
        q.organization_id ? { organization_id: q.organization_id } : {},
        q.team_alias ? { team_alias: { contains: q.team_alias, mode: 'insensitive' } } : {},
      ],
    };
    const page = q.page ?? 1;
    const size = q.page_size ?? 10;
    const sortBy = (TEAM_SORT_FIELDS as readonly string[]).includes(q.sort_by ?? '') ? q.sort_by! : undefined;
    const direction = q.sort_order === 'desc' ? 'desc' : 'asc';
    const orderBy: Prisma.LiteLLM_TeamTableOrderByWithRelationInput[] = sortBy
      ? [{ [sortBy]: direction }, { team_id: 'asc' }]
      : [{ created_at: 'desc' }, { team_id: 'asc' }];
    const { skip, take } = pageWindow(page, size);
    const [teams, total] = await Promise.all([
      this.prisma.liteLLM_TeamTable.findMany({ where, orderBy, skip, take }),
      this.prisma.liteLLM_TeamTable.count({ where }),
    ]);
    return {
      teams: teams.map((team) => {
        const members = parseTeamMembers(team.members_with_roles);
        return { ...team, members_with_roles: members, members_count: members.length };
      }),
      total,
      page,
      page_size: size,
      total_pages: totalPages(total, size),
    };
  }

  /**
   * GET /team/available: LiteLLM lists `default_internal_user_params.available_teams` minus the
   * caller's teams. This server has no such setting yet, so there is never a team to join.
   */
  available(): never {
    throw badRequest(
      'No available teams for user to join. See how to set available teams here: https://docs.litellm.ai/docs/proxy/self_serve#all-settings-for-self-serve--sso-flow',
    );
  }

  /** GET /team/permissions_list. */
  async permissions(auth: AuthContext, teamId: string | undefined) {
    if (!teamId)
      throw new ApiError(422, 'Malformed request. No team id passed in.', 'validation_error', 'team_id');
    const team = await findTeamOrThrow(this.prisma, teamId);
    await this.authz.assertCanManage(auth, team, '/team/permissions_list');
    return {
      team_id: team.team_id,
      team_member_permissions: team.team_member_permissions?.length
        ? team.team_member_permissions
        : DEFAULT_TEAM_MEMBER_PERMISSIONS,
      all_available_permissions: ROUTE_GROUPS.key_management_routes,
    };
  }

  /** Teams whose `members_with_roles` lists the user (any role). */
  private async teamIdsOfMember(userId: string): Promise<string[]> {
    return (await this.memberships.teamsOfUser(userId)).map((t) => t.teamId);
  }
}

function onlyAdmins(auth: AuthContext): ApiError {
  return unauthorized(
    `Only admin users can query all teams/other teams. Your user role=${auth.role ?? 'None'}`,
    'auth_error',
    'user_id',
  );
}
