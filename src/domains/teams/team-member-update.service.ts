import { Injectable } from '@nestjs/common';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { AuthCacheService } from '../../platform/auth/auth-cache.service';
import type { BudgetFields } from '../budgets/budget-fields';
import { BudgetsService } from '../budgets/budgets.service';
import { badRequest } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { TeamMemberUpdateRequest } from './dto/team-member.requests';
import { TeamAuthorizationService } from './team-authorization.service';
import { assertMemberBudget, matchesMember, parseTeamMembers, TeamMember } from './team-members';
import { defaultMemberBudgetId, MEMBERSHIP_TABLE, TEAM_TABLE, teamNotFound, Tx } from './team-rows';
import { MEMBER_LIST } from './teams.service';

const MEMBERSHIP_INCLUDE = { litellm_budget_table: true } as const;

/**
 * POST /team/member_update (spec tenancy.md §7.9): a member's role (the legacy admins/members
 * arrays follow) and their own budget row in the team, in one transaction with the team locked.
 */
@Injectable()
export class TeamMemberUpdateService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: TeamAuthorizationService,
    private readonly budgets: BudgetsService,
    private readonly audit: AuditService,
    private readonly cache: AuthCacheService,
  ) {}

  /** POST /team/member_update: the member's role and/or their own budget in the team. */
  async update(actor: Actor, req: TeamMemberUpdateRequest) {
    const userId = req.user_id?.trim() || null;
    const email = req.user_email?.trim() || null;
    if (!userId && !email) throw badRequest('Either user_id or user_email needs to be passed in', 'user_id');
    assertMemberBudget(req.max_budget_in_team);
    const team = await this.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: req.team_id } });
    if (!team) throw teamNotFound(req.team_id);
    await this.authz.assertCanManage(actor.auth, team, '/team/member_update');
    const target = await this.prisma.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ members_with_roles: unknown; metadata: unknown }[]>`
        SELECT members_with_roles, metadata FROM "LiteLLM_TeamTable" WHERE team_id = ${team.team_id} FOR UPDATE`;
      const before = parseTeamMembers(locked.members_with_roles);
      const member = before.find((m) => matchesMember(m, userId, email));
      if (!member?.user_id) {
        throw badRequest(
          `User id doesn't exist in team table. user_id=${userId ?? 'None'}, user_email=${email ?? 'None'}, team_id=${team.team_id}`,
          userId ? 'user_id' : 'user_email',
        );
      }
      if (req.role && req.role !== member.role)
        await this.setRole(tx, actor, team.team_id, member, req.role, before);
      const fields: BudgetFields = {};
      if (req.max_budget_in_team !== undefined) fields.max_budget = req.max_budget_in_team;
      if (req.tpm_limit !== undefined) fields.tpm_limit = req.tpm_limit;
      if (req.rpm_limit !== undefined) fields.rpm_limit = req.rpm_limit;
      if (Object.keys(fields).length > 0)
        await this.setMemberBudget(
          tx,
          actor,
          team.team_id,
          member.user_id,
          defaultMemberBudgetId(locked),
          fields,
        );
      return member;
    });
    await this.cache.invalidateTeam(team.team_id);
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
    tx: Tx,
    actor: Actor,
    teamId: string,
    member: TeamMember,
    role: 'admin' | 'user',
    before: TeamMember[],
  ) {
    const id = member.user_id!;
    await tx.$executeRaw`
      UPDATE "LiteLLM_TeamTable" t SET
        members_with_roles = (SELECT jsonb_agg(CASE WHEN e->>'user_id' = ${id} THEN jsonb_set(e, '{role}', to_jsonb(${role}::text)) ELSE e END)
                              FROM jsonb_array_elements(${MEMBER_LIST}) e),
        admins = CASE WHEN ${role} = 'admin'
                      THEN ARRAY(SELECT a FROM unnest(t.admins) a WHERE a <> ${id}) || ARRAY[${id}]
                      ELSE ARRAY(SELECT a FROM unnest(t.admins) a WHERE a <> ${id}) END,
        members = CASE WHEN ${role} = 'admin'
                       THEN ARRAY(SELECT m FROM unnest(t.members) m WHERE m <> ${id})
                       ELSE ARRAY(SELECT m FROM unnest(t.members) m WHERE m <> ${id}) || ARRAY[${id}] END,
        updated_at = now()
      WHERE t.team_id = ${teamId}`;
    const after = before.map((m) => (m.user_id === id ? { ...m, role } : m));
    await this.audit.record(
      actor,
      {
        action: 'updated',
        table: TEAM_TABLE,
        objectId: teamId,
        before: { members_with_roles: before },
        after: { members_with_roles: after },
      },
      tx,
    );
  }

  /**
   * Changes a member's own budget row. A member on the team's shared default budget (or on none)
   * gets a private copy first, so changing one member never changes another.
   */
  private async setMemberBudget(
    tx: Tx,
    actor: Actor,
    teamId: string,
    userId: string,
    defaultBudgetId: string | null,
    fields: BudgetFields,
  ) {
    const membership = await tx.liteLLM_TeamMembership.findUnique({
      where: { user_id_team_id: { user_id: userId, team_id: teamId } },
      include: MEMBERSHIP_INCLUDE,
    });
    const current = membership?.litellm_budget_table ?? null;
    if (current && current.budget_id !== defaultBudgetId) {
      await this.budgets.updateBudget(current.budget_id, fields, actor, tx);
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
    const created = await this.budgets.createBudget({ ...base, ...fields }, actor, tx);
    await tx.liteLLM_TeamMembership.upsert({
      where: { user_id_team_id: { user_id: userId, team_id: teamId } },
      create: { user_id: userId, team_id: teamId, budget_id: created.budget_id },
      update: { budget_id: created.budget_id },
    });
    await this.audit.record(
      actor,
      {
        action: membership ? 'updated' : 'created',
        table: MEMBERSHIP_TABLE,
        objectId: `${teamId}:${userId}`,
        before: membership ? { budget_id: membership.budget_id } : null,
        after: { budget_id: created.budget_id },
      },
      tx,
    );
  }
}
