import { badRequest } from '../../platform/common/errors/api-error';

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

export function assertMemberBudget(value: number | null | undefined): void {
  if (typeof value === 'number' && value < 0)
    throw badRequest(`max_budget_in_team cannot be negative. Received: ${value}`, 'max_budget_in_team');
}
