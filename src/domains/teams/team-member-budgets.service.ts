import { Injectable } from '@nestjs/common';
import type { Actor } from '../../platform/audit/audit.service';
import { ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { budgetResetFromDuration } from '../../platform/common/durations-input';
import { badRequest, forbidden, notFound } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { isProxyAdmin } from '../../tenancy/roles';
import { defaultMemberBudgetId, TEAM_MEMBERSHIP_TABLE } from '../../tenancy/team-members';
import { TeamMembershipsService } from '../../tenancy/team-memberships.service';
import type { BudgetFields } from '../budgets/budget-fields';
import { BudgetsService } from '../budgets/budgets.service';
import type { TeamFieldsRequest } from './dto/team.requests';
import { TeamAuthorizationService } from './team-authorization.service';
import { findTeamOrThrow, memberBudgetId, TeamRow, Tx } from './team-rows';

/**
 * Per-member budgets of a team (spec tenancy.md §7.1, §7.10): the team's member-default budget
 * row (`metadata.team_member_budget_id`), and the per-member spend and budget resets.
 */
@Injectable()
export class TeamMemberBudgetsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: TeamAuthorizationService,
    private readonly budgets: BudgetsService,
    private readonly memberships: TeamMembershipsService,
    private readonly changes: ChangesService,
  ) {}

  /**
   * Creates or updates the member-default budget from `team_member_budget*` (inside the team's
   * transaction). Returns the budget id to keep in metadata, or `undefined` when the request
   * sets none of those fields.
   */
  async saveDefaultBudget(
    tx: Tx,
    actor: Actor,
    req: TeamFieldsRequest,
    team: { team_alias: string | null; budget_duration: string | null; metadata: unknown },
  ): Promise<string | undefined> {
    const fields: BudgetFields = {};
    if (req.team_member_budget !== undefined) fields.max_budget = req.team_member_budget;
    if (req.team_member_rpm_limit !== undefined) fields.rpm_limit = req.team_member_rpm_limit;
    if (req.team_member_tpm_limit !== undefined) fields.tpm_limit = req.team_member_tpm_limit;
    if (req.team_member_budget_duration !== undefined) {
      fields.budget_duration = req.team_member_budget_duration;
      fields.budget_reset_at =
        budgetResetFromDuration(req.team_member_budget_duration, new Date(), 'team_member_budget_duration') ??
        null;
    }
    if (Object.keys(fields).length === 0) return undefined;
    const existing = defaultMemberBudgetId(team);
    if (existing && (await this.budgets.budgetExists(existing, tx))) {
      await this.budgets.updateBudget(existing, fields, actor, tx);
      return existing;
    }
    if (fields.budget_duration === undefined && team.budget_duration)
      fields.budget_duration = team.budget_duration;
    const created = await this.budgets.createBudget(fields, actor, tx, {
      budgetId: memberBudgetId(team.team_alias),
    });
    return created.budget_id;
  }

  /** POST /team/{team_id}/member/{user_id}/reset_spend: sets the member's spend down to `reset_to`. */
  async resetSpend(actor: Actor, teamId: string, userId: string, resetTo: number) {
    if (!Number.isFinite(resetTo) || resetTo < 0) throw badRequest('reset_to must be >= 0', 'reset_to');
    await this.requireMemberTeam(actor.auth, teamId, userId, 'reset_spend');
    const result = await this.changes.run(actor, async (change) => {
      const reset = await this.memberships.resetSpend(change, userId, teamId, resetTo);
      if (!reset) {
        const current = await this.memberships.membership(userId, teamId, change.tx);
        const spend = current?.spend ?? 0;
        if (current || resetTo > spend)
          throw badRequest(`reset_to (${resetTo}) must be <= current spend (${spend})`, 'reset_to');
        return { previous_spend: 0, spend: 0, budget_id: null };
      }
      await change.audit({
        action: 'updated',
        table: TEAM_MEMBERSHIP_TABLE,
        objectId: `${teamId}:${userId}`,
        before: { spend: reset.previous_spend },
        after: { spend: resetTo },
      });
      return reset;
    });
    return { team_id: teamId, user_id: userId, ...result };
  }

  /**
   * POST /team/{team_id}/member/{user_id}/reset_budget: the member goes back to the team's
   * member-default budget (or to none). Spend is not touched.
   */
  async resetBudget(actor: Actor, teamId: string, userId: string) {
    const team = await this.requireMemberTeam(actor.auth, teamId, userId, 'reset_budget');
    const defaultId = defaultMemberBudgetId(team);
    const result = await this.changes.run(actor, async (change) => {
      const current = await this.memberships.lockMembership(change.tx, userId, teamId);
      const previous = current?.budget_id ?? null;
      if (current || defaultId) await this.memberships.linkBudget(change, userId, teamId, defaultId);
      if (previous !== defaultId) {
        await change.audit({
          action: 'updated',
          table: TEAM_MEMBERSHIP_TABLE,
          objectId: `${teamId}:${userId}`,
          before: { budget_id: previous },
          after: { budget_id: defaultId },
        });
      }
      const budget = defaultId
        ? await change.tx.liteLLM_BudgetTable.findUnique({ where: { budget_id: defaultId } })
        : null;
      return { previous, budget };
    });
    return {
      team_id: teamId,
      user_id: userId,
      budget_id: defaultId,
      previous_budget_id: result.previous,
      budget_source: defaultId ? 'team_default' : 'none',
      litellm_budget_table: result.budget,
    };
  }

  /**
   * The team of a per-member reset, after the access checks: 404 for a missing team or a user
   * who is not in it; team managers only, and a team admin may not reset their own membership.
   */
  private async requireMemberTeam(
    caller: AuthContext,
    teamId: string,
    userId: string,
    action: 'reset_spend' | 'reset_budget',
  ): Promise<TeamRow> {
    const team = await findTeamOrThrow(this.prisma, teamId);
    const route = `/team/${teamId}/member/${userId}/${action}`;
    await this.authz.assertCanManage(caller, team, route);
    const membership = await this.memberships.membership(userId, teamId);
    if (!membership && !this.authz.roleOf(team, userId)) {
      throw notFound(`Team membership not found for user_id=${userId} in team_id=${teamId}`, 'user_id');
    }
    if (
      userId === caller.userId &&
      !isProxyAdmin(caller.role) &&
      !(await this.authz.isOrgAdminOfTeam(caller, team))
    ) {
      throw forbidden(`Team admins cannot ${action.replace('_', ' ')} of their own membership`, 'user_id');
    }
    return team;
  }
}
