import { Injectable } from '@nestjs/common';
import type { Actor } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import { badRequest } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { TeamRole } from '../../tenancy/roles';
import {
  defaultMemberBudgetId,
  matchesMember,
  TEAM_MEMBERSHIP_TABLE,
  TeamMember,
} from '../../tenancy/team-members';
import { TeamMembershipsService } from '../../tenancy/team-memberships.service';
import type { BudgetFields } from '../budgets/budget-fields';
import { BudgetsService } from '../budgets/budgets.service';
import type { TeamMemberUpdateRequest } from './dto/team-member.requests';
import { TeamAuthorizationService } from './team-authorization.service';
import { assertMemberBudget } from './team-members';
import { findTeamOrThrow, TEAM_TABLE, teamNotFound } from './team-rows';

/**
 * POST /team/member_update (spec tenancy.md §7.9): a member's role (the legacy admins/members
 * arrays follow) and their own budget row in the team, in one change with the team locked.
 */
@Injectable()
export class TeamMemberUpdateService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: TeamAuthorizationService,
    private readonly memberships: TeamMembershipsService,
    private readonly budgets: BudgetsService,
    private readonly changes: ChangesService,
  ) {}

  /** POST /team/member_update: the member's role and/or their own budget in the team. */
  async update(actor: Actor, req: TeamMemberUpdateRequest) {
    const userId = req.user_id?.trim() || null;
    const email = req.user_email?.trim() || null;
    if (!userId && !email) throw badRequest('Either user_id or user_email needs to be passed in', 'user_id');
    assertMemberBudget(req.max_budget_in_team);
    const team = await findTeamOrThrow(this.prisma, req.team_id);
    await this.authz.assertCanManage(actor.auth, team, '/team/member_update');
    const target = await this.changes.run(actor, async (change) => {
      const locked = await this.memberships.lockMembers(change.tx, team.team_id);
      if (!locked) throw teamNotFound(team.team_id);
      const member = locked.members.find((m) => matchesMember(m, userId, email));
      if (!member?.user_id) {
        throw badRequest(
          `User id doesn't exist in team table. user_id=${userId ?? 'None'}, user_email=${email ?? 'None'}, team_id=${team.team_id}`,
          userId ? 'user_id' : 'user_email',
        );
      }
      if (req.role && req.role !== member.role)
        await this.setRole(change, team.team_id, member, req.role, locked.members);
      const fields = memberBudgetFields(req);
      if (Object.keys(fields).length > 0) {
        const defaultId = defaultMemberBudgetId(locked);
        await this.setMemberBudget(change, actor, team.team_id, member.user_id, defaultId, fields);
      }
      return member;
    });
    return {
      team_id: team.team_id,
      user_id: target.user_id,
      user_email: email ?? target.user_email ?? null,
      max_budget_in_team: req.max_budget_in_team ?? null,
      tpm_limit: req.tpm_limit ?? null,
      rpm_limit: req.rpm_limit ?? null,
    };
  }

  private async setRole(
    change: Change,
    teamId: string,
    member: TeamMember,
    role: TeamRole,
    before: TeamMember[],
  ) {
    const id = member.user_id!;
    await this.memberships.setRole(change, teamId, id, role);
    await change.audit({
      action: 'updated',
      table: TEAM_TABLE,
      objectId: teamId,
      before: { members_with_roles: before },
      after: { members_with_roles: before.map((m) => (m.user_id === id ? { ...m, role } : m)) },
    });
  }

  /**
   * Changes a member's own budget row. A member on the team's shared default budget (or on none)
   * gets a private copy first, so changing one member never changes another.
   */
  private async setMemberBudget(
    change: Change,
    actor: Actor,
    teamId: string,
    userId: string,
    defaultBudgetId: string | null,
    fields: BudgetFields,
  ) {
    const membership = await this.memberships.membership(userId, teamId, change.tx);
    const current = membership?.litellm_budget_table ?? null;
    if (current && current.budget_id !== defaultBudgetId) {
      await this.budgets.updateBudget(current.budget_id, fields, actor, change.tx);
      return;
    }
    const base: BudgetFields = current
      ? {
          max_budget: current.max_budget,
          soft_budget: current.soft_budget,
          tpm_limit: current.tpm_limit === null ? null : Number(current.tpm_limit),
          rpm_limit: current.rpm_limit === null ? null : Number(current.rpm_limit),
          budget_duration: current.budget_duration,
          budget_reset_at: current.budget_reset_at,
          allowed_models: current.allowed_models,
        }
      : {};
    const created = await this.budgets.createBudget({ ...base, ...fields }, actor, change.tx);
    await this.memberships.linkBudget(change, userId, teamId, created.budget_id);
    await change.audit({
      action: membership ? 'updated' : 'created',
      table: TEAM_MEMBERSHIP_TABLE,
      objectId: `${teamId}:${userId}`,
      before: membership ? { budget_id: membership.budget_id } : null,
      after: { budget_id: created.budget_id },
    });
  }
}

/** The member's own budget fields the request sets. */
function memberBudgetFields(req: TeamMemberUpdateRequest): BudgetFields {
  const fields: BudgetFields = {};
  if (req.max_budget_in_team !== undefined) fields.max_budget = req.max_budget_in_team;
  if (req.tpm_limit !== undefined) fields.tpm_limit = req.tpm_limit;
  if (req.rpm_limit !== undefined) fields.rpm_limit = req.rpm_limit;
  return fields;
}
