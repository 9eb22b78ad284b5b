/** One entry of `LiteLLM_TeamTable.members_with_roles`, as LiteLLM stores it (a JSON list). */
export interface TeamMember {
  user_id: string | null;
  user_email?: string | null;
  role: 'admin' | 'user';
}

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

export function teamRoleOf(
  members: TeamMember[],
  userId: string | null | undefined,
): 'admin' | 'user' | undefined {
  if (!userId) return undefined;
  return members.find((m) => m.user_id === userId)?.role;
}

/** Key routes a plain team member may call when the team grants nothing (LiteLLM's default). */
export const DEFAULT_TEAM_MEMBER_PERMISSIONS = ['/key/info', '/key/health'];

/**
 * Extra powers a proxy admin can give a team's admins (LiteLLM names: `member_key_budgets`,
 * `max_budget`, `projects`). Stored in the team's `metadata.team_admin_permissions`.
 */
export function teamAdminPermissions(metadata: unknown): string[] {
  const value = (metadata as Record<string, unknown> | null)?.team_admin_permissions;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
