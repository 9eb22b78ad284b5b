import { Injectable } from '@nestjs/common';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { AuthCacheService } from '../../platform/auth/auth-cache.service';
import { isProxyAdmin } from '../../platform/auth/roles';
import type { BudgetFields } from '../budgets/budget-fields';
import { BudgetsService } from '../budgets/budgets.service';
import { budgetResetFromDuration } from '../../platform/common/durations-input';
import { badRequest, forbidden, notFound } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { TeamFieldsRequest } from './dto/team.requests';
import { TeamAuthorizationService } from './team-authorization.service';
import {
  defaultMemberBudgetId,
  MEMBERSHIP_TABLE,
  memberBudgetId,
  TeamRow,
  teamNotFound,
  Tx,
} from './team-rows';

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
    private readonly audit: AuditService,
    private readonly cache: AuthCacheService,
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
    const team = await this.requireMemberTeam(actor.auth, teamId, userId, 'reset_spend');
    const result = await this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ previous_spend: number; spend: number; budget_id: string | null }[]>`
        UPDATE "LiteLLM_TeamMembership" m SET spend = ${resetTo}
        FROM (SELECT user_id, team_id, spend AS previous_spend FROM "LiteLLM_TeamMembership"
              WHERE user_id = ${userId} AND team_id = ${teamId} FOR UPDATE) old
        WHERE m.user_id = old.user_id AND m.team_id = old.team_id AND old.previous_spend >= ${resetTo}
        RETURNING old.previous_spend, m.spend, m.budget_id`;
      if (rows.length === 0) {
        const current = await tx.liteLLM_TeamMembership.findUnique({
          where: { user_id_team_id: { user_id: userId, team_id: teamId } },
          select: { spend: true },
        });
        const spend = current?.spend ?? 0;
        if (current || resetTo > spend)
          throw badRequest(`reset_to (${resetTo}) must be <= current spend (${spend})`, 'reset_to');
        return { previous_spend: 0, spend: 0, budget_id: null };
      }
      await this.audit.record(
        actor,
        {
          action: 'updated',
          table: MEMBERSHIP_TABLE,
          objectId: `${teamId}:${userId}`,
          before: { spend: rows[0].previous_spend },
          after: { spend: resetTo },
        },
        tx,
      );
      return rows[0];
    });
    await this.cache.invalidateTeam(team.team_id);
    return { team_id: teamId, user_id: userId, ...result };
  }

  /**
   * POST /team/{team_id}/member/{user_id}/reset_budget: the member goes back to the team's
   * member-default budget (or to none). Spend is not touched.
   */
  async resetBudget(actor: Actor, teamId: string, userId: string) {
    const team = await this.requireMemberTeam(actor.auth, teamId, userId, 'reset_budget');
    const defaultId = defaultMemberBudgetId(team);
    const result = await this.prisma.$transaction(async (tx) => {
      const [current] = await tx.$queryRaw<{ budget_id: string | null }[]>`
        SELECT budget_id FROM "LiteLLM_TeamMembership" WHERE user_id = ${userId} AND team_id = ${teamId} FOR UPDATE`;
      const previous = current?.budget_id ?? null;
      if (current || defaultId) {
        await tx.liteLLM_TeamMembership.upsert({
          where: { user_id_team_id: { user_id: userId, team_id: teamId } },
          create: { user_id: userId, team_id: teamId, budget_id: defaultId },
          update: { budget_id: defaultId },
        });
      }
      if (previous !== defaultId) {
        await this.audit.record(
          actor,
          {
            action: 'updated',
            table: MEMBERSHIP_TABLE,
            objectId: `${teamId}:${userId}`,
            before: { budget_id: previous },
            after: { budget_id: defaultId },
          },
          tx,
        );
      }
      const budget = defaultId
        ? await tx.liteLLM_BudgetTable.findUnique({ where: { budget_id: defaultId } })
        : null;
      return { previous, budget };
    });
    await this.cache.invalidateTeam(team.team_id);
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
    const team = await this.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: teamId } });
    if (!team) throw teamNotFound(teamId);
    const route = `/team/${teamId}/member/${userId}/${action}`;
    await this.authz.assertCanManage(caller, team, route);
    const membership = await this.prisma.liteLLM_TeamMembership.findUnique({
      where: { user_id_team_id: { user_id: userId, team_id: teamId } },
      select: { user_id: true },
    });
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
