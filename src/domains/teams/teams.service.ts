import { Injectable } from '@nestjs/common';
import { LiteLLM_BudgetTable, LiteLLM_TeamMembership, LiteLLM_TeamTable, Prisma } from '@prisma/client';
import type { Actor } from '../../platform/audit/audit.service';
import { BudgetsService } from '../budgets/budgets.service';
import { pickModel, selectModel } from '../../platform/prisma/model-columns';
import { PrismaService } from '../../platform/prisma/prisma.service';
import {
  DEFAULT_TEAM_MEMBER_PERMISSIONS,
  parseTeamMembers,
  TeamMember,
  teamAdminPermissions,
  teamRoleOf,
} from './team-members';
import { TeamKeyRemover, TeamKeysService } from './team-keys.service';
import { defaultMemberBudgetId, membershipView } from './team-rows';

/** A user to add to a team (`/user/new` teams, later `/team/member_add`). */
export interface NewTeamMember {
  user_id: string;
  user_email?: string | null;
  role: 'admin' | 'user';
  /** Gives the member a budget row of their own (max_budget), linked from LiteLLM_TeamMembership. */
  max_budget_in_team?: number | null;
}

export interface AddMembersOptions {
  /** Which new members get a LiteLLM_TeamMembership row (see `addMembers`). */
  membershipRows?: 'always' | 'budgeted';
  /** The caller, for the audit rows of budgets created for members. */
  actor?: Actor;
  /**
   * Also append to the legacy `admins`/`members` arrays (default true, /user/new). LiteLLM's
   * /team/member_add writes `members_with_roles` only and leaves those arrays alone.
   */
  legacyArrays?: boolean;
}

/** `members_with_roles` as a JSON list (the column defaults to the object `{}`, meaning none). */
export const MEMBER_LIST = Prisma.sql`(CASE WHEN jsonb_typeof(t.members_with_roles) = 'array' THEN t.members_with_roles ELSE '[]'::jsonb END)`;

/** What other domains need to decide what a caller may do with a team's objects. */
export interface TeamAccess {
  teamId: string;
  organizationId: string | null;
  members: TeamMember[];
  /** Key routes plain members may call (defaults applied). */
  memberPermissions: string[];
  adminPermissions: string[];
  models: string[];
  tpmLimit: bigint | null;
  rpmLimit: bigint | null;
  metadata: Record<string, unknown>;
}

@Injectable()
export class TeamsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly budgets: BudgetsService,
    private readonly teamKeys: TeamKeysService,
  ) {}

  /** How /team/delete removes the team's keys: the keys domain (above teams) plugs it in at start-up. */
  useKeyRemover(remover: TeamKeyRemover): void {
    this.teamKeys.use(remover);
  }

  async getTeamAccess(teamId: string): Promise<TeamAccess | undefined> {
    const team = await this.prisma.liteLLM_TeamTable.findUnique({
      where: { team_id: teamId },
      select: {
        team_id: true,
        organization_id: true,
        members_with_roles: true,
        team_member_permissions: true,
        models: true,
        tpm_limit: true,
        rpm_limit: true,
        metadata: true,
      },
    });
    if (!team) return undefined;
    return {
      teamId: team.team_id,
      organizationId: team.organization_id,
      members: parseTeamMembers(team.members_with_roles),
      memberPermissions: team.team_member_permissions.length
        ? team.team_member_permissions
        : DEFAULT_TEAM_MEMBER_PERMISSIONS,
      adminPermissions: teamAdminPermissions(team.metadata),
      models: team.models,
      tpmLimit: team.tpm_limit,
      rpmLimit: team.rpm_limit,
      metadata: (team.metadata ?? {}) as Record<string, unknown>,
    };
  }

  roleOf(team: TeamAccess, userId: string | null | undefined): 'admin' | 'user' | undefined {
    return teamRoleOf(team.members, userId);
  }

  /**
   * The teams of `teamIds`, each with `team_memberships`: the user's LiteLLM_TeamMembership row in
   * it (at most one) with its `litellm_budget_table` (LiteLLM's /user/info teams), in one
   * statement: this is a hot read, and three Prisma queries cost more CPU than the database.
   */
  async teamsWithMembershipsOf(teamIds: string[], userId: string) {
    if (teamIds.length === 0) return [];
    const rows = await this.prisma.queryRows<Record<string, unknown>>(Prisma.sql`
      SELECT ${selectModel('LiteLLM_TeamTable', 't', '')},
             ${selectModel('LiteLLM_TeamMembership', 'tm', 'tm.')},
             ${selectModel('LiteLLM_BudgetTable', 'b', 'b.')}
      FROM "LiteLLM_TeamTable" t
      LEFT JOIN "LiteLLM_TeamMembership" tm ON tm.team_id = t.team_id AND tm.user_id = ${userId}
      LEFT JOIN "LiteLLM_BudgetTable" b ON b.budget_id = tm.budget_id
      WHERE t.team_id IN (${Prisma.join(teamIds)})`);
    return rows.map((row) => {
      const team = pickModel<LiteLLM_TeamTable>(row, 'LiteLLM_TeamTable', '', 'team_id')!;
      const membership = pickModel<LiteLLM_TeamMembership>(row, 'LiteLLM_TeamMembership', 'tm.', 'user_id');
      const budget = pickModel<LiteLLM_BudgetTable>(row, 'LiteLLM_BudgetTable', 'b.', 'budget_id');
      return {
        ...team,
        team_memberships: membership
          ? [membershipView({ ...membership, litellm_budget_table: budget }, defaultMemberBudgetId(team))]
          : [],
      };
    });
  }

  /** Team ids where the user appears in `members_with_roles` (with the role). */
  async teamsOfUser(userId: string): Promise<{ teamId: string; role: 'admin' | 'user' }[]> {
    const rows = await this.prisma.queryRows<{ team_id: string; role: string }>(Prisma.sql`
      SELECT t.team_id, m->>'role' AS role
      FROM "LiteLLM_TeamTable" t, jsonb_array_elements(CASE WHEN jsonb_typeof(t.members_with_roles) = 'array' THEN t.members_with_roles ELSE '[]'::jsonb END) m
      WHERE m->>'user_id' = ${userId}`);
    return rows.map((r) => ({ teamId: r.team_id, role: r.role === 'admin' ? 'admin' : 'user' }));
  }

  /**
   * Adds users to a team inside the caller's transaction: `members_with_roles`, the legacy
   * admins/members arrays (unless `legacyArrays: false`) and each user's `teams` array. The team
   * row is locked and the JSON list appended in SQL, skipping users already listed, so concurrent adds neither lose nor duplicate
   * members. A new member's budget is a row of their own for `max_budget_in_team`, else the
   * team's member-default budget (`metadata.team_member_budget_id`), else none. With
   * `membershipRows: 'always'` (the default, /user/new) every new member gets a
   * LiteLLM_TeamMembership row; with `'budgeted'` (/team/member_add, spec tenancy.md §7.1) only
   * members with a budget do. Returns `undefined` when the team
   * does not exist, else the ids of the users that were new to the team.
   */
  async addMembers(
    tx: Prisma.TransactionClient,
    teamId: string,
    members: NewTeamMember[],
    by: string,
    opts: AddMembersOptions = {},
  ): Promise<string[] | undefined> {
    const locked = await tx.$queryRaw<{ team_id: string; metadata: unknown }[]>`
      SELECT team_id, metadata FROM "LiteLLM_TeamTable" WHERE team_id = ${teamId} FOR UPDATE`;
    if (locked.length === 0) return undefined;
    const defaultBudgetId = defaultMemberBudgetId(locked[0]);
    const unique = [...new Map(members.map((m) => [m.user_id, m])).values()];
    const asJson = (list: NewTeamMember[]) =>
      JSON.stringify(
        list.map((m) => ({ user_id: m.user_id, user_email: m.user_email ?? null, role: m.role })),
      );
    const incoming = asJson(unique);
    const added = await tx.$queryRaw<{ user_id: string }[]>`
      SELECT i.user_id FROM jsonb_to_recordset(${incoming}::jsonb) AS i(user_id text, user_email text, role text),
        "LiteLLM_TeamTable" t
      WHERE t.team_id = ${teamId}
        AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(${MEMBER_LIST}) e WHERE e->>'user_id' = i.user_id)`;
    const newIds = added.map((r) => r.user_id);
    if (newIds.length === 0) return [];
    const freshMembers = unique.filter((m) => newIds.includes(m.user_id));
    const fresh = asJson(freshMembers);
    const legacyArrays =
      opts.legacyArrays === false
        ? Prisma.empty
        : Prisma.sql`
        admins = COALESCE(t.admins, '{}') || ARRAY(SELECT f.user_id FROM fresh f WHERE f.role = 'admin' AND NOT (f.user_id = ANY(COALESCE(t.admins, '{}')))),
        members = COALESCE(t.members, '{}') || ARRAY(SELECT f.user_id FROM fresh f WHERE f.role <> 'admin' AND NOT (f.user_id = ANY(COALESCE(t.members, '{}')))),`;
    await tx.$executeRaw`
      WITH fresh AS (SELECT * FROM jsonb_to_recordset(${fresh}::jsonb) AS i(user_id text, user_email text, role text))
      UPDATE "LiteLLM_TeamTable" t SET
        members_with_roles = ${MEMBER_LIST} || (SELECT jsonb_agg(jsonb_build_object('user_id', f.user_id, 'user_email', f.user_email, 'role', f.role)) FROM fresh f),
        ${legacyArrays}
        updated_at = now()
      WHERE t.team_id = ${teamId}`;
    await tx.$executeRaw`
      UPDATE "LiteLLM_UserTable" SET teams = array_append(COALESCE(teams, '{}'), ${teamId}), updated_at = now()
      WHERE user_id = ANY(${newIds}) AND NOT (${teamId} = ANY(COALESCE(teams, '{}')))`;
    const rowsFor = opts.membershipRows ?? 'always';
    for (const member of freshMembers) {
      const budgetId =
        member.max_budget_in_team !== undefined && member.max_budget_in_team !== null
          ? await this.createMemberBudget(tx, member.max_budget_in_team, by, opts.actor)
          : defaultBudgetId;
      if (budgetId === null && rowsFor === 'budgeted') continue;
      await tx.liteLLM_TeamMembership.upsert({
        where: { user_id_team_id: { user_id: member.user_id, team_id: teamId } },
        create: { user_id: member.user_id, team_id: teamId, budget_id: budgetId },
        update: budgetId ? { budget_id: budgetId } : {},
      });
    }
    return newIds;
  }

  /** A member's own budget row (audited through BudgetsService when the caller is known). */
  private async createMemberBudget(
    tx: Prisma.TransactionClient,
    maxBudget: number,
    by: string,
    actor: Actor | undefined,
  ): Promise<string> {
    if (actor) return (await this.budgets.createBudget({ max_budget: maxBudget }, actor, tx)).budget_id;
    const budget = await tx.liteLLM_BudgetTable.create({
      data: { max_budget: maxBudget, created_by: by, updated_by: by },
      select: { budget_id: true },
    });
    return budget.budget_id;
  }

  /**
   * Removes users from every team inside the caller's transaction (user delete): their entries in
   * `members_with_roles` and the legacy admins/members arrays, in one set-based UPDATE, and their
   * LiteLLM_TeamMembership rows. Returns the ids of the teams that changed.
   */
  async removeUsersFromAllTeams(tx: Prisma.TransactionClient, userIds: string[]): Promise<string[]> {
    const changed = await tx.$queryRaw<{ team_id: string }[]>`
      UPDATE "LiteLLM_TeamTable" t SET
        members_with_roles = COALESCE(
          (SELECT jsonb_agg(e) FROM jsonb_array_elements(${MEMBER_LIST}) e
           WHERE e->>'user_id' IS NULL OR NOT (e->>'user_id' = ANY(${userIds}))),
          '[]'::jsonb),
        admins = ARRAY(SELECT a FROM unnest(t.admins) a WHERE NOT (a = ANY(${userIds}))),
        members = ARRAY(SELECT m FROM unnest(t.members) m WHERE NOT (m = ANY(${userIds}))),
        updated_at = now()
      WHERE t.admins && ${userIds}::text[] OR t.members && ${userIds}::text[]
        OR EXISTS (SELECT 1 FROM jsonb_array_elements(${MEMBER_LIST}) e WHERE e->>'user_id' = ANY(${userIds}))
      RETURNING t.team_id`;
    await tx.liteLLM_TeamMembership.deleteMany({ where: { user_id: { in: userIds } } });
    return changed.map((r) => r.team_id);
  }
}
