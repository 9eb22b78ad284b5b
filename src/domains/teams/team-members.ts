import { badRequest } from '../../platform/common/errors/api-error';

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

/**
 * Team fields a proxy admin can let a team's admins change through /team/update, by listing the
 * field name in `team_admin_permissions` (LiteLLM's "team admin editable fields").
 */
export const TEAM_ADMIN_EDITABLE_FIELDS = [
  'team_alias',
  'max_budget',
  'soft_budget',
  'budget_duration',
  'tpm_limit',
  'rpm_limit',
  'max_parallel_requests',
  'models',
  'metadata',
  'tags',
  'guardrails',
  'prompts',
  'model_aliases',
  'router_settings',
  'team_member_permissions',
  'team_member_budget',
  'team_member_rpm_limit',
  'team_member_tpm_limit',
  'team_member_budget_duration',
  'team_member_key_duration',
] as const;

/** Every value `team_admin_permissions` accepts. */
export const TEAM_ADMIN_PERMISSIONS: readonly string[] = [
  'member_key_budgets',
  'projects',
  ...TEAM_ADMIN_EDITABLE_FIELDS,
];

/** Does a members_with_roles entry name this user (by id, else by email, case-insensitively)? */
export function matchesMember(m: TeamMember, userId: string | null, email: string | null): boolean {
  if (userId) return m.user_id === userId;
  return !!email && !!m.user_email && m.user_email.toLowerCase() === email.toLowerCase();
}

export function assertMemberBudget(value: number | null | undefined): void {
  if (typeof value === 'number' && value < 0)
    throw badRequest(`max_budget_in_team cannot be negative. Received: ${value}`, 'max_budget_in_team');
}
