import { Injectable } from '@nestjs/common';
import {
  LiteLLM_BudgetTable,
  LiteLLM_TeamMembership,
  LiteLLM_TeamTable,
  LiteLLM_UserTable,
  LiteLLM_VerificationToken,
  Prisma,
} from '@prisma/client';
import type { AuthContext } from '../../platform/auth/auth-context';
import { badRequest, forbidden, notFound } from '../../platform/common/errors/api-error';
import { pageWindow, totalPages } from '../../platform/common/pagination';
import { nullModel, pickModel, selectModel } from '../../platform/prisma/model-columns';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { OrganizationMembershipsService } from '../../tenancy/organization-memberships.service';
import { isAdminViewer, isProxyAdmin } from '../../tenancy/roles';
import { defaultMemberBudgetId, membershipView, teamRoleOf } from '../../tenancy/team-members';
import { TeamMembershipsService } from '../../tenancy/team-memberships.service';
import { NO_PASSWORD } from '../../tenancy/user-rows';
import { USER_SORT_FIELDS, UserFilterQuery, UserListQuery } from './dto/user.requests';
import { DASHBOARD_TEAM } from './user-rows';
import { splitIds } from '../../platform/common/comma-list';

const NOT_DASHBOARD_KEY: Prisma.LiteLLM_VerificationTokenWhereInput = {
  OR: [{ team_id: null }, { team_id: { not: DASHBOARD_TEAM } }],
};
/** The user's columns /user/info shows: all but the password. */
const USER_OMIT = Object.keys(NO_PASSWORD);
type UserInfoRow = Omit<LiteLLM_UserTable, keyof typeof NO_PASSWORD>;
const LIST_DENIED = 'Only proxy admins and organization admins can list users.';

/** Read side of users: /user/info, /v2/user/info, /user/list, /user/filter/ui (spec tenancy.md §5). */
@Injectable()
export class UserQueriesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly teams: TeamMembershipsService,
    private readonly orgs: OrganizationMembershipsService,
  ) {}

  /**
   * GET /user/info: the user row (no password), their keys (UI session keys left out) with
   * `team_alias` ("None" for keys without a team), and their teams, each with the user's
   * `team_memberships` (budget included). Proxy admins without a user_id get their own row with
   * every team and key (LiteLLM's admin UI view, whose teams carry no memberships).
   */
  async info(auth: AuthContext, requested: string | undefined) {
    if (requested === undefined && isProxyAdmin(auth.role)) return this.adminInfo(auth);
    const userId = requested ?? auth.userId;
    if (requested !== undefined && requested !== auth.userId && !isAdminViewer(auth.role)) {
      throw forbidden(
        `key not allowed to access this user's info. user_id=${requested}, key's user_id=${auth.userId ?? 'None'}`,
        'user_id',
      );
    }
    // One raw statement for what were seven Prisma queries: this is a hot read, and Prisma's query
    // compiler costs more CPU than the database does here.
    const rows = userId ? await this.infoRows(userId) : [];
    const user = rows.length
      ? pickModel<UserInfoRow>(rows[0], 'LiteLLM_UserTable', '', 'user_id', USER_OMIT)
      : null;
    if (!user) throw notFound(`User ${userId ?? 'None'} not found`, 'user_id');
    const teams = [];
    const keys = [];
    for (const row of rows) {
      const team = pickModel<LiteLLM_TeamTable>(row, 'LiteLLM_TeamTable', 't.', 'team_id');
      if (team) {
        const membership = pickModel<LiteLLM_TeamMembership>(row, 'LiteLLM_TeamMembership', 'tm.', 'user_id');
        const budget = pickModel<LiteLLM_BudgetTable>(row, 'LiteLLM_BudgetTable', 'b.', 'budget_id');
        teams.push({
          ...team,
          team_memberships: membership
            ? [membershipView({ ...membership, litellm_budget_table: budget }, defaultMemberBudgetId(team))]
            : [],
        });
      }
      const key = pickModel<LiteLLM_VerificationToken>(row, 'LiteLLM_VerificationToken', 'k.', 'token');
      if (key)
        keys.push({
          ...key,
          team_alias: key.team_id === null ? 'None' : (row['kt.team_alias'] as string | null),
        });
    }
    return { user_id: user.user_id, user_info: user, keys, teams: byAlias(teams) };
  }

  /**
   * The rows of /user/info, in one statement: the user (no password) on every row, then one row
   * per team (a team whose members_with_roles lists the user, as TeamsService.teamsOfUser reads
   * it, or one in the user's `teams`) with the user's membership in it and its budget, and one
   * row per key of the user (UI session keys left out, newest first) with its team's alias. A user
   * without teams or keys gets one row with only the user's columns.
   */
  private infoRows(userId: string) {
    return this.prisma.queryRows<Record<string, unknown>>(Prisma.sql`
      SELECT ${selectModel('LiteLLM_UserTable', 'u', '', USER_OMIT)}, x.*
      FROM "LiteLLM_UserTable" u
      LEFT JOIN LATERAL (
        SELECT 1 AS "#kind",
               ${selectModel('LiteLLM_TeamTable', 't', 't.')},
               ${selectModel('LiteLLM_TeamMembership', 'tm', 'tm.')},
               ${selectModel('LiteLLM_BudgetTable', 'b', 'b.')},
               ${nullModel('LiteLLM_VerificationToken', 'k.')}, NULL AS "kt.team_alias"
        FROM "LiteLLM_TeamTable" t
        LEFT JOIN "LiteLLM_TeamMembership" tm ON tm.team_id = t.team_id AND tm.user_id = u.user_id
        LEFT JOIN "LiteLLM_BudgetTable" b ON b.budget_id = tm.budget_id
        WHERE t.team_id = ANY(u.teams) OR EXISTS (
          SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(t.members_with_roles) = 'array' THEN t.members_with_roles ELSE '[]'::jsonb END) m
          WHERE m->>'user_id' = u.user_id)
        UNION ALL
        SELECT 2,
               ${nullModel('LiteLLM_TeamTable', 't.')},
               ${nullModel('LiteLLM_TeamMembership', 'tm.')},
               ${nullModel('LiteLLM_BudgetTable', 'b.')},
               ${selectModel('LiteLLM_VerificationToken', 'k', 'k.')}, kt.team_alias
        FROM "LiteLLM_VerificationToken" k
        LEFT JOIN "LiteLLM_TeamTable" kt ON kt.team_id = k.team_id
        WHERE k.user_id = u.user_id AND (k.team_id IS NULL OR k.team_id <> ${DASHBOARD_TEAM})
      ) x ON TRUE
      WHERE u.user_id = ${userId}
      ORDER BY x."#kind", x."k.created_at" DESC, x."k.token" ASC`);
  }

  /**
   * GET /v2/user/info: just the user. Admins (and viewers), the user themself, and admins of a
   * team the user belongs to; anyone else gets 404, as for a missing user.
   */
  async infoV2(auth: AuthContext, requested: string | undefined) {
    const userId = requested ?? auth.userId;
    if (!userId) {
      throw badRequest(
        'user_id is required. Either pass it as a query parameter or authenticate with a user-bound key.',
        'user_id',
      );
    }
    const user = await this.prisma.liteLLM_UserTable.findUnique({
      where: { user_id: userId },
      omit: NO_PASSWORD,
    });
    if (!user || !(await this.mayReadV2(auth, user.user_id, user.teams)))
      throw notFound(`User not found: ${userId}`, 'user_id');
    return {
      user_id: user.user_id,
      user_email: user.user_email,
      user_alias: user.user_alias,
      user_role: user.user_role,
      spend: user.spend,
      max_budget: user.max_budget,
      models: user.models,
      budget_duration: user.budget_duration,
      budget_reset_at: user.budget_reset_at,
      metadata: user.metadata,
      created_at: user.created_at,
      updated_at: user.updated_at,
      sso_user_id: user.sso_user_id,
      teams: user.teams,
    };
  }

  /**
   * GET /user/list: proxy admins and viewers see every user; org admins the members of the
   * organizations they administer; anyone else 403. Each row carries `key_count` (one grouped
   * query for the page).
   */
  async list(auth: AuthContext, q: UserListQuery) {
    const page = q.page ?? 1;
    const size = q.page_size ?? 25;
    const sortOrder = (q.sort_order ?? 'asc').toLowerCase();
    if (q.sort_by !== undefined && !(USER_SORT_FIELDS as readonly string[]).includes(q.sort_by))
      throw badRequest(`Invalid sort column. Must be one of: ${USER_SORT_FIELDS.join(', ')}`, 'sort_by');
    if (sortOrder !== 'asc' && sortOrder !== 'desc')
      throw badRequest("Invalid sort order. Must be 'asc' or 'desc'", 'sort_order');
    const orgIds = await this.listScope(auth, splitIds(q.organization_ids));

    const where: Prisma.LiteLLM_UserTableWhereInput = {};
    if (q.role) where.user_role = q.role;
    const userIds = splitIds(q.user_ids);
    if (userIds.length === 1) where.user_id = { contains: userIds[0], mode: 'insensitive' };
    else if (userIds.length > 1) where.user_id = { in: userIds };
    if (q.user_email !== undefined) where.user_email = { contains: q.user_email, mode: 'insensitive' };
    if (q.team !== undefined) where.teams = { has: q.team };
    const ssoIds = splitIds(q.sso_user_ids);
    if (ssoIds.length) where.sso_user_id = { in: ssoIds };
    if (orgIds.length) where.organization_memberships = { some: { organization_id: { in: orgIds } } };

    const orderBy: Prisma.LiteLLM_UserTableOrderByWithRelationInput[] = q.sort_by
      ? [{ [q.sort_by]: sortOrder }, { user_id: 'asc' }]
      : [{ created_at: 'desc' }, { user_id: 'asc' }];
    const { skip, take } = pageWindow(page, size);
    const [users, total] = await Promise.all([
      this.prisma.liteLLM_UserTable.findMany({ where, orderBy, skip, take, omit: NO_PASSWORD }),
      this.prisma.liteLLM_UserTable.count({ where }),
    ]);
    const counts = users.length
      ? await this.prisma.liteLLM_VerificationToken.groupBy({
          by: ['user_id'],
          where: { AND: [{ user_id: { in: users.map((u) => u.user_id) } }, NOT_DASHBOARD_KEY] },
          _count: { _all: true },
        })
      : [];
    const keyCount = new Map(counts.map((c) => [c.user_id, c._count._all]));
    return {
      users: users.map((u) => ({ ...u, key_count: keyCount.get(u.user_id) ?? 0 })),
      total,
      page,
      page_size: size,
      total_pages: totalPages(total, size),
    };
  }

  /**
   * GET /user/filter/ui: `[{user_id, user_email}]` by substring. Scoped as LiteLLM's
   * `scope_user_search_to_org` setting does (here always on): admins and viewers search everyone;
   * others the members of their organizations, or, with no organization, of the organization of
   * a team they administer (`team_id`).
   */
  async filter(auth: AuthContext, q: UserFilterQuery) {
    const page = q.page ?? 1;
    const size = q.page_size ?? 50;
    const orgIds = isAdminViewer(auth.role) ? null : await this.searchScope(auth, q.team_id);
    const where: Prisma.LiteLLM_UserTableWhereInput = {};
    if (q.user_id) where.user_id = { contains: q.user_id, mode: 'insensitive' };
    if (q.user_email) where.user_email = { contains: q.user_email, mode: 'insensitive' };
    if (orgIds) where.organization_memberships = { some: { organization_id: { in: orgIds } } };
    const { skip, take } = pageWindow(page, size);
    return this.prisma.liteLLM_UserTable.findMany({
      where,
      select: { user_id: true, user_email: true },
      orderBy: [{ created_at: 'desc' }, { user_id: 'asc' }],
      skip,
      take,
    });
  }

  private async adminInfo(auth: AuthContext) {
    const [user, teams, keys] = await Promise.all([
      auth.userId
        ? this.prisma.liteLLM_UserTable.findUnique({ where: { user_id: auth.userId }, omit: NO_PASSWORD })
        : null,
      this.prisma.liteLLM_TeamTable.findMany(),
      this.prisma.liteLLM_VerificationToken.findMany({
        where: NOT_DASHBOARD_KEY,
        orderBy: [{ created_at: 'desc' }, { token: 'asc' }],
      }),
    ]);
    return {
      user_id: auth.userId,
      user_info: user,
      keys: await this.withTeamAlias(keys),
      teams: byAlias(teams),
    };
  }

  /** Adds `team_alias`: the team's alias, null when the team row is gone, "None" for no team (LiteLLM). */
  private async withTeamAlias<T extends { team_id: string | null }>(keys: T[]) {
    const teamIds = [...new Set(keys.map((k) => k.team_id).filter((id): id is string => id !== null))];
    const teams = teamIds.length
      ? await this.prisma.liteLLM_TeamTable.findMany({
          where: { team_id: { in: teamIds } },
          select: { team_id: true, team_alias: true },
        })
      : [];
    const alias = new Map(teams.map((t) => [t.team_id, t.team_alias]));
    return keys.map((k) => ({
      ...k,
      team_alias: k.team_id === null ? 'None' : (alias.get(k.team_id) ?? null),
    }));
  }

  private async mayReadV2(auth: AuthContext, userId: string, userTeams: string[]): Promise<boolean> {
    if (isAdminViewer(auth.role) || auth.userId === userId) return true;
    if (!auth.userId) return false;
    const adminOf = (await this.teams.teamsOfUser(auth.userId)).filter((t) => t.role === 'admin');
    if (adminOf.length === 0) return false;
    const memberOf = new Set([...userTeams, ...(await this.teams.teamsOfUser(userId)).map((t) => t.teamId)]);
    return adminOf.some((t) => memberOf.has(t.teamId));
  }

  /** The organizations a /user/list caller may see: null = all. */
  private async listScope(auth: AuthContext, requested: string[]): Promise<string[]> {
    if (isAdminViewer(auth.role)) return requested;
    const adminOrgs = await this.orgs.adminOrgIds(auth.userId);
    if (adminOrgs.length === 0) throw forbidden(LIST_DENIED);
    if (requested.length === 0) return adminOrgs;
    const allowed = requested.filter((o) => adminOrgs.includes(o));
    if (allowed.length === 0)
      throw forbidden(
        'You do not have org_admin access to the requested organization(s).',
        'organization_ids',
      );
    return allowed;
  }

  private async searchScope(auth: AuthContext, teamId: string | undefined): Promise<string[]> {
    const memberOrgs = await this.orgs.orgIdsOf(auth.userId);
    if (memberOrgs.length) return memberOrgs;
    const resolved = teamId ?? auth.teamId;
    if (resolved && auth.userId) {
      const team = await this.teams.ofTeam(resolved);
      if (!team) throw forbidden(`Team '${resolved}' was not found.`, 'team_id');
      if (teamRoleOf(team.members, auth.userId) !== 'admin')
        throw forbidden('You must be an admin of this team to search users.', 'team_id');
      if (team.organizationId) return [team.organizationId];
      throw forbidden(
        'This team is not part of an organization. Ask a proxy admin to search users.',
        'team_id',
      );
    }
    throw forbidden('Only proxy admins, organization members or team admins can search users.');
  }
}

function byAlias<T extends { team_alias: string | null }>(teams: T[]): T[] {
  return [...teams].sort((a, b) => (a.team_alias ?? '').localeCompare(b.team_alias ?? ''));
}
