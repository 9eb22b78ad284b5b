import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { Change } from '../platform/audit/changes.service';
import { PrismaService } from '../platform/prisma/prisma.service';
import type { TeamRole } from './roles';
import {
  defaultMemberBudgetId,
  MEMBER_LIST,
  MembershipRow,
  parseTeamMembers,
  TeamMember,
} from './team-members';
import { UserRecordsService } from './user-records.service';

type Tx = Prisma.TransactionClient;

/** A user to add to a team (/user/new teams, /team/member_add, /team/new). */
export interface NewTeamMember {
  user_id: string;
  user_email?: string | null;
  role: TeamRole;
  /** Gives the member a budget row of their own (max_budget), linked from LiteLLM_TeamMembership. */
  max_budget_in_team?: number | null;
}

export interface AddMembersOptions {
  /** Which new members get a LiteLLM_TeamMembership row (see `addMembers`); default `always`. */
  membershipRows?: 'always' | 'budgeted';
  /**
   * Also append to the legacy `admins`/`members` arrays (default true: /user/new, /team/new).
   * LiteLLM's /team/member_add writes `members_with_roles` only and leaves those arrays alone.
   */
  legacyArrays?: boolean;
  /**
   * Creates the budget row of a member with `max_budget_in_team` and returns its id: budget rows
   * belong to the budgets domain, which the caller reaches and the tenancy core does not.
   */
  createBudget?: (maxBudget: number) => Promise<string>;
}

/** A team as membership sees it: who is in it, and its organization. */
export interface TeamMembers {
  teamId: string;
  organizationId: string | null;
  members: TeamMember[];
}

/**
 * Team membership, in its three places: the team's `members_with_roles` (and LiteLLM's legacy
 * `admins`/`members` arrays), each user's `teams` column (through UserRecordsService) and the
 * `LiteLLM_TeamMembership` rows (a member's spend and budget in the team). The teams domain owns
 * the other team columns; every domain that adds or removes members comes here, inside its own
 * change. Cached keys carry their team's members, so a write names the team to the change.
 */
@Injectable()
export class TeamMembershipsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly users: UserRecordsService,
  ) {}

  // ---- Reads ---------------------------------------------------------------------------------

  /** The team's members and organization; `undefined` when the team does not exist. */
  async ofTeam(teamId: string): Promise<TeamMembers | undefined> {
    const team = await this.prisma.liteLLM_TeamTable.findUnique({
      where: { team_id: teamId },
      select: { team_id: true, organization_id: true, members_with_roles: true },
    });
    if (!team) return undefined;
    return {
      teamId: team.team_id,
      organizationId: team.organization_id,
      members: parseTeamMembers(team.members_with_roles),
    };
  }

  /** Team ids where the user appears in `members_with_roles` (with the role). */
  async teamsOfUser(userId: string): Promise<{ teamId: string; role: TeamRole }[]> {
    const rows = await this.prisma.queryRows<{ team_id: string; role: string }>(Prisma.sql`
      SELECT t.team_id, m->>'role' AS role
      FROM "LiteLLM_TeamTable" t, jsonb_array_elements(CASE WHEN jsonb_typeof(t.members_with_roles) = 'array' THEN t.members_with_roles ELSE '[]'::jsonb END) m
      WHERE m->>'user_id' = ${userId}`);
    return rows.map((r) => ({ teamId: r.team_id, role: r.role === 'admin' ? 'admin' : 'user' }));
  }

  /**
   * Locks the team row for a membership change and reads its members (and metadata, where the
   * member-default budget is named); `undefined` when the team does not exist.
   */
  async lockMembers(
    tx: Tx,
    teamId: string,
  ): Promise<{ members: TeamMember[]; metadata: unknown } | undefined> {
    const [locked] = await tx.$queryRaw<{ members_with_roles: unknown; metadata: unknown }[]>`
      SELECT members_with_roles, metadata FROM "LiteLLM_TeamTable" WHERE team_id = ${teamId} FOR UPDATE`;
    return locked && { members: parseTeamMembers(locked.members_with_roles), metadata: locked.metadata };
  }

  /** The user's LiteLLM_TeamMembership row in the team, with its budget row. */
  membership(userId: string, teamId: string, db: Pick<Tx, 'liteLLM_TeamMembership'> = this.prisma) {
    return db.liteLLM_TeamMembership.findUnique({
      where: { user_id_team_id: { user_id: userId, team_id: teamId } },
      include: { litellm_budget_table: true },
    });
  }

  /** The memberships of these users in the team, with their budget rows. */
  memberships(tx: Tx, teamId: string, userIds: string[]): Promise<MembershipRow[]> {
    return tx.liteLLM_TeamMembership.findMany({
      where: { team_id: teamId, user_id: { in: userIds } },
      include: { litellm_budget_table: true },
    });
  }

  // ---- Writes --------------------------------------------------------------------------------

  /**
   * Adds users to a team: `members_with_roles`, the legacy admins/members arrays (unless
   * `legacyArrays: false`) and each user's `teams` array. The team row is locked and the JSON list
   * appended in SQL, skipping users already listed, so concurrent adds neither lose nor duplicate
   * members. A new member's budget is a row of their own for `max_budget_in_team` (created through
   * `createBudget`), else the team's member-default budget (`metadata.team_member_budget_id`),
   * else none. With `membershipRows: 'always'` every new member gets a LiteLLM_TeamMembership
   * row; with `'budgeted'` (/team/member_add, spec tenancy.md §7.1) only members with a budget
   * do. Returns `undefined` when the team does not exist, else the ids of the users new to it.
   */
  async addMembers(
    change: Change,
    teamId: string,
    members: NewTeamMember[],
    opts: AddMembersOptions = {},
  ): Promise<string[] | undefined> {
    const { tx } = change;
    const locked = await tx.$queryRaw<{ team_id: string; metadata: unknown }[]>`
      SELECT team_id, metadata FROM "LiteLLM_TeamTable" WHERE team_id = ${teamId} FOR UPDATE`;
    if (locked.length === 0) return undefined;
    const unique = [...new Map(members.map((m) => [m.user_id, m])).values()];
    const added = await tx.$queryRaw<{ user_id: string }[]>`
      SELECT i.user_id FROM jsonb_to_recordset(${asJson(unique)}::jsonb) AS i(user_id text, user_email text, role text),
        "LiteLLM_TeamTable" t
      WHERE t.team_id = ${teamId}
        AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(${MEMBER_LIST}) e WHERE e->>'user_id' = i.user_id)`;
    const newIds = added.map((r) => r.user_id);
    if (newIds.length === 0) return [];
    const fresh = unique.filter((m) => newIds.includes(m.user_id));
    await this.appendToTeam(tx, teamId, fresh, opts.legacyArrays !== false);
    await this.users.joinTeam(tx, newIds, teamId);
    await this.createMemberships(tx, teamId, fresh, defaultMemberBudgetId(locked[0]), opts);
    change.invalidatesTeams(teamId);
    return newIds;
  }

  /**
   * Removes members from the team's lists and memberships, and the team from their `teams`:
   * `userIds`, and with `byEmail` also the entries listed by that email (case-insensitively).
   */
  async removeMembers(change: Change, teamId: string, userIds: string[], byEmail: string | null) {
    const { tx } = change;
    await tx.$executeRaw`
      UPDATE "LiteLLM_TeamTable" t SET
        members_with_roles = COALESCE(
          (SELECT jsonb_agg(e) FROM jsonb_array_elements(${MEMBER_LIST}) e
           WHERE NOT (COALESCE(e->>'user_id' = ANY(${userIds}), false)
                      OR COALESCE(lower(e->>'user_email') = ${byEmail}, false))),
          '[]'::jsonb),
        admins = ARRAY(SELECT a FROM unnest(t.admins) a WHERE NOT (a = ANY(${userIds}))),
        members = ARRAY(SELECT m FROM unnest(t.members) m WHERE NOT (m = ANY(${userIds}))),
        updated_at = now()
      WHERE t.team_id = ${teamId}`;
    await this.users.leaveTeam(tx, userIds, teamId);
    await tx.liteLLM_TeamMembership.deleteMany({ where: { team_id: teamId, user_id: { in: userIds } } });
    change.invalidatesTeams(teamId);
  }

  /** A member's role: `members_with_roles`, and the legacy admins/members arrays follow. */
  async setRole(change: Change, teamId: string, userId: string, role: TeamRole): Promise<void> {
    await change.tx.$executeRaw`
      UPDATE "LiteLLM_TeamTable" t SET
        members_with_roles = (SELECT jsonb_agg(CASE WHEN e->>'user_id' = ${userId} THEN jsonb_set(e, '{role}', to_jsonb(${role}::text)) ELSE e END)
                              FROM jsonb_array_elements(${MEMBER_LIST}) e),
        admins = CASE WHEN ${role} = 'admin'
                      THEN ARRAY(SELECT a FROM unnest(t.admins) a WHERE a <> ${userId}) || ARRAY[${userId}]
                      ELSE ARRAY(SELECT a FROM unnest(t.admins) a WHERE a <> ${userId}) END,
        members = CASE WHEN ${role} = 'admin'
                       THEN ARRAY(SELECT m FROM unnest(t.members) m WHERE m <> ${userId})
                       ELSE ARRAY(SELECT m FROM unnest(t.members) m WHERE m <> ${userId}) || ARRAY[${userId}] END,
        updated_at = now()
      WHERE t.team_id = ${teamId}`;
    change.invalidatesTeams(teamId);
  }

  /**
   * Removes users from every team (user delete): their entries in `members_with_roles` and the
   * legacy admins/members arrays, in one set-based UPDATE, and their LiteLLM_TeamMembership rows.
   * Returns the ids of the teams that changed.
   */
  async removeUsersFromAllTeams(change: Change, userIds: string[]): Promise<string[]> {
    const { tx } = change;
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
    const teamIds = changed.map((r) => r.team_id);
    change.invalidatesTeams(...teamIds);
    return teamIds;
  }

  /** Every membership of teams being deleted: the users' `teams` entries and the membership rows. */
  async removeTeams(change: Change, teamIds: string[]): Promise<void> {
    await this.users.forgetTeams(change.tx, teamIds);
    await change.tx.liteLLM_TeamMembership.deleteMany({ where: { team_id: { in: teamIds } } });
    change.invalidatesTeams(...teamIds);
  }

  /** Links the member's membership row (created if missing) to `budgetId`. */
  async linkBudget(change: Change, userId: string, teamId: string, budgetId: string | null): Promise<void> {
    await change.tx.liteLLM_TeamMembership.upsert({
      where: { user_id_team_id: { user_id: userId, team_id: teamId } },
      create: { user_id: userId, team_id: teamId, budget_id: budgetId },
      update: { budget_id: budgetId },
    });
    change.invalidatesTeams(teamId);
  }

  /** Locks the member's membership row and reads its budget id; `undefined` when there is none. */
  async lockMembership(
    tx: Tx,
    userId: string,
    teamId: string,
  ): Promise<{ budget_id: string | null } | undefined> {
    const [row] = await tx.$queryRaw<{ budget_id: string | null }[]>`
      SELECT budget_id FROM "LiteLLM_TeamMembership" WHERE user_id = ${userId} AND team_id = ${teamId} FOR UPDATE`;
    return row;
  }

  /**
   * Sets the member's spend in the team down to `resetTo`, only if it is at least that much, in
   * one statement. Returns the spend before and after, or `undefined` when nothing was reset.
   */
  async resetSpend(change: Change, userId: string, teamId: string, resetTo: number) {
    const rows = await change.tx.$queryRaw<
      { previous_spend: number; spend: number; budget_id: string | null }[]
    >`
      UPDATE "LiteLLM_TeamMembership" m SET spend = ${resetTo}
      FROM (SELECT user_id, team_id, spend AS previous_spend FROM "LiteLLM_TeamMembership"
            WHERE user_id = ${userId} AND team_id = ${teamId} FOR UPDATE) old
      WHERE m.user_id = old.user_id AND m.team_id = old.team_id AND old.previous_spend >= ${resetTo}
      RETURNING old.previous_spend, m.spend, m.budget_id`;
    if (rows.length > 0) change.invalidatesTeams(teamId);
    return rows[0];
  }

  private async appendToTeam(tx: Tx, teamId: string, fresh: NewTeamMember[], legacyArrays: boolean) {
    const legacy = legacyArrays
      ? Prisma.sql`
        admins = COALESCE(t.admins, '{}') || ARRAY(SELECT f.user_id FROM fresh f WHERE f.role = 'admin' AND NOT (f.user_id = ANY(COALESCE(t.admins, '{}')))),
        members = COALESCE(t.members, '{}') || ARRAY(SELECT f.user_id FROM fresh f WHERE f.role <> 'admin' AND NOT (f.user_id = ANY(COALESCE(t.members, '{}')))),`
      : Prisma.empty;
    await tx.$executeRaw`
      WITH fresh AS (SELECT * FROM jsonb_to_recordset(${asJson(fresh)}::jsonb) AS i(user_id text, user_email text, role text))
      UPDATE "LiteLLM_TeamTable" t SET
        members_with_roles = ${MEMBER_LIST} || (SELECT jsonb_agg(jsonb_build_object('user_id', f.user_id, 'user_email', f.user_email, 'role', f.role)) FROM fresh f),
        ${legacy}
        updated_at = now()
      WHERE t.team_id = ${teamId}`;
  }

  private async createMemberships(
    tx: Tx,
    teamId: string,
    fresh: NewTeamMember[],
    defaultBudgetId: string | null,
    opts: AddMembersOptions,
  ) {
    const rowsFor = opts.membershipRows ?? 'always';
    for (const member of fresh) {
      const own = member.max_budget_in_team;
      const budgetId = own !== undefined && own !== null ? await this.ownBudget(own, opts) : defaultBudgetId;
      if (budgetId === null && rowsFor === 'budgeted') continue;
      await tx.liteLLM_TeamMembership.upsert({
        where: { user_id_team_id: { user_id: member.user_id, team_id: teamId } },
        create: { user_id: member.user_id, team_id: teamId, budget_id: budgetId },
        update: budgetId ? { budget_id: budgetId } : {},
      });
    }
  }

  private ownBudget(maxBudget: number, opts: AddMembersOptions): Promise<string> {
    if (!opts.createBudget) throw new Error('addMembers: max_budget_in_team needs createBudget');
    return opts.createBudget(maxBudget);
  }
}

function asJson(list: NewTeamMember[]): string {
  return JSON.stringify(
    list.map((m) => ({ user_id: m.user_id, user_email: m.user_email ?? null, role: m.role })),
  );
}
