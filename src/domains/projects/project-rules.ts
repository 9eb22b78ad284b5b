import type { AuthContext } from '../../platform/auth/auth-context';
import { isProxyAdmin } from '../../platform/auth/roles';
import { ApiError, badRequest, forbidden } from '../../platform/common/errors/api-error';
import { teamAdminPermissions } from '../teams/team-members';

/** The team columns the project rules read (LiteLLM compares against the team row itself). */
export interface ProjectTeam {
  team_id: string;
  admins: string[];
  members: string[];
  models: string[];
  max_budget: number | null;
  tpm_limit: bigint | null;
  rpm_limit: bigint | null;
  metadata: unknown;
}

/** The request fields the team limits apply to. */
export interface ProjectLimitFields {
  models?: string[] | null;
  max_budget?: number | null;
  soft_budget?: number | null;
  tpm_limit?: number | null;
  rpm_limit?: number | null;
  model_rpm_limit?: Record<string, unknown> | null;
  model_tpm_limit?: Record<string, unknown> | null;
}

/** The team-admin permission (set by a proxy admin on the team) that lets team admins manage projects. */
export const PROJECTS_PERMISSION = 'projects';
const ALL_PROXY_MODELS = 'all-proxy-models';

/**
 * Who may create or change a project of `team`: proxy admins, and the team's admins (LiteLLM reads
 * the legacy `admins` array here) when a proxy admin has given the team's admins the `projects`
 * permission. Org admins are refused (pinned, spec §20.3). A project without a team is proxy-admin only.
 */
export function assertCanManageProject(
  auth: AuthContext,
  team: ProjectTeam | null,
  verb: 'create' | 'update',
): void {
  if (isProxyAdmin(auth.role)) return;
  const teamAdmin = team !== null && auth.userId !== null && team.admins.includes(auth.userId);
  if (teamAdmin && teamAdminPermissions(team.metadata).includes(PROJECTS_PERMISSION)) return;
  if (teamAdmin) {
    throw forbidden(
      `Only admins or team admins can ${verb} projects. Team admins of team ${team.team_id} need the '${PROJECTS_PERMISSION}' permission, which a proxy admin has not enabled for this team.`,
    );
  }
  throw forbidden(
    verb === 'create'
      ? `Only admins or team admins can create projects. Your role is ${auth.role ?? 'None'}`
      : 'Only admins or team admins can update projects',
  );
}

/** Read access: proxy admins and admin viewers, else users in the team's legacy admins/members arrays. */
export function isProjectTeamMember(userId: string | null, team: ProjectTeam | null): boolean {
  return userId !== null && team !== null && (team.admins.includes(userId) || team.members.includes(userId));
}

/**
 * LiteLLM's `_check_team_project_limits`: non-negative budgets, soft below max, and nothing above
 * the team (models a subset unless the team allows all proxy models or lists none; max_budget,
 * tpm and rpm at most the team's). Only the fields sent are checked. Also: per-model limits must be
 * whole numbers (LiteLLM stores whatever it gets).
 */
export function checkProjectLimits(req: ProjectLimitFields, team: ProjectTeam | null): void {
  for (const name of ['max_budget', 'soft_budget'] as const) {
    const value = req[name];
    if (value != null && value < 0) throw badRequest(`${name} cannot be negative. Received: ${value}`, name);
  }
  if (req.soft_budget != null && req.max_budget != null && req.soft_budget >= req.max_budget) {
    throw badRequest(
      `soft_budget (${req.soft_budget}) must be strictly lower than max_budget (${req.max_budget})`,
      'soft_budget',
    );
  }
  for (const name of ['model_rpm_limit', 'model_tpm_limit'] as const) {
    const limits = req[name];
    if (limits == null) continue;
    const bad = Object.entries(limits).find(
      ([, v]) => typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0,
    );
    if (bad) {
      throw badRequest(
        `${name} values must be whole numbers >= 0, e.g. {"gpt-4": 1000}. Received: ${JSON.stringify({ [bad[0]]: bad[1] })}`,
        name,
      );
    }
  }
  if (!team) return;
  const teamModels = team.models;
  if (req.models && teamModels.length > 0 && !teamModels.includes(ALL_PROXY_MODELS)) {
    const outside = req.models.find((m) => !teamModels.includes(m));
    if (outside !== undefined) {
      throw badRequest(
        `Model '${outside}' not in team's allowed models. Team allowed models=${JSON.stringify(teamModels)}. Team: ${team.team_id}`,
        'models',
      );
    }
  }
  if (req.max_budget != null && team.max_budget !== null && req.max_budget > team.max_budget) {
    throw badRequest(
      `Project max_budget (${req.max_budget}) exceeds team's max_budget (${team.max_budget}). Team: ${team.team_id}`,
      'max_budget',
    );
  }
  for (const [name, limit] of [
    ['tpm_limit', team.tpm_limit],
    ['rpm_limit', team.rpm_limit],
  ] as const) {
    const value = req[name];
    if (value != null && limit !== null && BigInt(value) > limit) {
      throw badRequest(
        `Project ${name} (${value}) exceeds team's ${name} (${limit}). Team: ${team.team_id}`,
        name,
      );
    }
  }
}

export function teamNotFound(teamId: string): ApiError {
  return new ApiError(404, `Team not found, team_id=${teamId}`, 'not_found', 'team_id');
}

export function projectNotFound(projectId: string, param = 'project_id'): ApiError {
  return new ApiError(404, `Project not found, project_id=${projectId}`, 'not_found', param);
}

export function duplicateProject(projectId: string): ApiError {
  return new ApiError(
    400,
    `Project id = ${projectId} already exists. Please use a different project id.`,
    'bad_request',
    'project_id',
  );
}

export function budgetAndBudgetId(): ApiError {
  return badRequest(
    "Set either budget fields (max_budget, soft_budget, tpm_limit, rpm_limit, max_parallel_requests, budget_duration, model_max_budget, budget_reset_at) or 'budget_id', not both.",
    'budget_id',
  );
}
