import { LiteLLM_BudgetTable, LiteLLM_TeamMembership, Prisma } from '@prisma/client';
import type { TeamRole } from './roles';

export const TEAM_MEMBERSHIP_TABLE = 'LiteLLM_TeamMembership';

/** One entry of `LiteLLM_TeamTable.members_with_roles`, as LiteLLM stores it (a JSON list). */
export interface TeamMember {
  user_id: string | null;
  user_email?: string | null;
  role: TeamRole;
}

/** `members_with_roles` as a JSON list in SQL (the column defaults to the object `{}`, meaning none). */
export const MEMBER_LIST = Prisma.sql`(CASE WHEN jsonb_typeof(t.members_with_roles) = 'array' THEN t.members_with_roles ELSE '[]'::jsonb END)`;

/**
 * Reads `members_with_roles` defensively: the column defaults to `{}` (LiteLLM treats that as
 * no members), and rows written by other tools may hold odd entries.
 */
export function parseTeamMembers(value: unknown): TeamMember[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null)
    .map((m) => ({
      user_id: typeof m.user_id === 'string' ? m.user_id : null,
      user_email: typeof m.user_email === 'string' ? m.user_email : null,
      role: m.role === 'admin' ? 'admin' : 'user',
    }));
}

/** The user's role in a team with these members; `undefined` when they are not one. */
export function teamRoleOf(members: TeamMember[], userId: string | null | undefined): TeamRole | undefined {
  if (!userId) return undefined;
  return members.find((m) => m.user_id === userId)?.role;
}

/** The user ids listed in `members_with_roles` (entries by email only have none). */
export function memberIds(membersWithRoles: unknown): string[] {
  return parseTeamMembers(membersWithRoles)
    .map((m) => m.user_id)
    .filter((id): id is string => id !== null);
}

/** Does a members_with_roles entry name this user (by id, else by email, case-insensitively)? */
export function matchesMember(m: TeamMember, userId: string | null, email: string | null): boolean {
  if (userId) return m.user_id === userId;
  return !!email && !!m.user_email && m.user_email.toLowerCase() === email.toLowerCase();
}

/** The id of the team's member-default budget row (`metadata.team_member_budget_id`), if any. */
export function defaultMemberBudgetId(team: { metadata: unknown }): string | null {
  const metadata = team.metadata;
  const id =
    typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)
      ? (metadata as Record<string, unknown>).team_member_budget_id
      : undefined;
  return typeof id === 'string' && id ? id : null;
}

export type MembershipRow = LiteLLM_TeamMembership & { litellm_budget_table: LiteLLM_BudgetTable | null };

/**
 * A membership as the API shows it, with `budget_source`: "team_default" when it uses the team's
 * member-default budget row, "member" when it has a budget row of its own, "none" otherwise.
 */
export function membershipView(row: MembershipRow, defaultBudgetId: string | null) {
  const source =
    row.budget_id === null ? 'none' : row.budget_id === defaultBudgetId ? 'team_default' : 'member';
  return { ...row, budget_source: source };
}
