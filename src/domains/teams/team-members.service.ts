import { Inject, Injectable } from '@nestjs/common';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { AuthCacheService } from '../../platform/auth/auth-cache.service';
import { isProxyAdmin } from '../../platform/auth/roles';
import { ApiError, badRequest, forbidden, unauthorized } from '../../platform/common/errors/api-error';
import { APP_CONFIG } from '../../platform/config/config.module';
import type { AppConfig } from '../../platform/config/app-config';
import { PrismaService } from '../../platform/prisma/prisma.service';
import {
  MAX_MEMBERS,
  TeamBulkMemberAddRequest,
  TeamMemberAddRequest,
  TeamMemberDeleteRequest,
  TeamMemberRequest,
} from './dto/team-member.requests';
import { TeamAuthorizationService } from './team-authorization.service';
import { ResolvedMember, resolveMember } from './team-member-resolver';
import { assertMemberBudget, matchesMember, parseTeamMembers, TeamMember } from './team-members';
import { defaultMemberBudgetId, membershipView, TEAM_TABLE, TeamRow, teamNotFound, Tx } from './team-rows';
import { USER_TABLE } from '../../tenancy/user-rows';
import { MEMBER_LIST, TeamsService } from './teams.service';

const MEMBERSHIP_INCLUDE = { litellm_budget_table: true } as const;
/** Users only a proxy admin may add to a team. */
const ADMIN_ROLES = ['proxy_admin', 'proxy_admin_viewer'];

/**
 * Team membership routes (spec tenancy.md §7.7–§7.9): add (single and bulk), delete and update
 * members. `members_with_roles` (adds leave the legacy admins/members arrays alone, as LiteLLM
 * does), users' `teams` arrays and the LiteLLM_TeamMembership rows change together in one
 * transaction with the team row locked.
 */
@Injectable()
export class TeamMembersService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly teams: TeamsService,
    private readonly authz: TeamAuthorizationService,
    private readonly audit: AuditService,
    private readonly cache: AuthCacheService,
  ) {}

  /** POST /team/member_add. */
  async add(actor: Actor, req: TeamMemberAddRequest) {
    const team = await this.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: req.team_id } });
    if (!team) {
      throw new ApiError(
        404,
        `Team doesn't exist in db. Team=${req.team_id}. Create team via \`/team/new\` call.`,
        'not_found_error',
        'team_id',
      );
    }
    const list = Array.isArray(req.member) ? req.member : [req.member];
    if (list.length === 0) throw badRequest('No member/members passed in', 'member');
    assertMemberBudget(req.max_budget_in_team);
    await this.authz.assertCanManage(actor.auth, team, '/team/member_add');
    const result = await this.prisma.$transaction((tx) =>
      this.addInTx(tx, actor, team.team_id, list, req.max_budget_in_team ?? null, 'strict'),
    );
    await this.cache.invalidateTeam(team.team_id);
    return {
      ...result.team,
      updated_users: result.users,
      updated_team_memberships: result.memberships,
    };
  }

  /**
   * POST /team/bulk_member_add (proxy admins). Each member is resolved on its own (a bad one is
   * reported and skipped), then every resolved member is added in one set-based transaction, so
   * `all_users` on a large proxy stays a handful of statements.
   */
  async bulkAdd(actor: Actor, req: TeamBulkMemberAddRequest) {
    if (!isProxyAdmin(actor.auth.role)) {
      throw unauthorized(
        `Authentication Error, Only proxy admin can call /team/bulk_member_add. Your role=${actor.auth.role ?? 'None'}`,
      );
    }
    const team = await this.prisma.liteLLM_TeamTable.findUnique({
      where: { team_id: req.team_id },
      select: { team_id: true },
    });
    if (!team) throw teamNotFound(req.team_id);
    assertMemberBudget(req.max_budget_in_team);
    const failures = new Map<number, string>();
    const resolved: (ResolvedMember | null)[] = [];
    let requested: TeamMemberRequest[];
    if (req.all_users) {
      const users = await this.prisma.liteLLM_UserTable.findMany({
        omit: { password: true },
        orderBy: [{ created_at: 'asc' }, { user_id: 'asc' }],
      });
      requested = users.map((u) => ({ user_id: u.user_id, user_email: u.user_email, role: 'user' }));
      resolved.push(
        ...users.map((u) => ({
          user_id: u.user_id,
          user_email: u.user_email,
          role: 'user' as const,
          user: u,
          created: false,
        })),
      );
    } else {
      requested = req.members ?? [];
      if (requested.length === 0) throw badRequest('At least one member is required', 'members');
      if (requested.length > MAX_MEMBERS)
        throw badRequest(`Maximum ${MAX_MEMBERS} members can be added at once`, 'members');
      for (const [i, member] of requested.entries()) {
        try {
          resolved.push(
            await this.prisma.$transaction(async (tx) => {
              const r = await resolveMember(tx, member, this.config.proxyAdminId);
              if (r.created) await this.auditCreatedUser(tx, actor, r);
              return r;
            }),
          );
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          failures.set(i, e.message);
          resolved.push(null);
        }
      }
    }
    const added = await this.prisma.$transaction((tx) =>
      this.addResolved(
        tx,
        actor,
        team.team_id,
        resolved.filter((r): r is ResolvedMember => r !== null),
        req.max_budget_in_team ?? null,
        'skip',
      ),
    );
    await this.cache.invalidateTeam(team.team_id);
    const addedIds = new Set(added.users.map((u) => u.user_id));
    const results = requested.map((member, i) => {
      const r = resolved[i];
      const error =
        failures.get(i) ??
        (r && !addedIds.has(r.user_id) ? `User already in team. Member: user_id=${r.user_id}` : undefined);
      return {
        user_id: r?.user_id ?? member.user_id ?? null,
        user_email: r?.user_email ?? member.user_email ?? null,
        success: error === undefined,
        ...(error === undefined ? {} : { error }),
        updated_user:
          error === undefined ? (added.users.find((u) => u.user_id === r!.user_id) ?? null) : null,
        updated_team_membership:
          error === undefined ? (added.memberships.find((m) => m.user_id === r!.user_id) ?? null) : null,
      };
    });
    const successful = results.filter((r) => r.success).length;
    return {
      team_id: team.team_id,
      results,
      total_requested: requested.length,
      successful_additions: successful,
      failed_additions: results.length - successful,
      updated_team: added.team,
    };
  }

  /**
   * Resolves members (creating users LiteLLM would create) and adds them, inside `tx`. The member
   * routes leave the legacy admins/members arrays alone; /team/new passes `legacyArrays` to fill them.
   */
  async addInTx(
    tx: Tx,
    actor: Actor,
    teamId: string,
    requested: TeamMemberRequest[],
    maxBudgetInTeam: number | null,
    duplicates: 'strict' | 'skip',
    legacyArrays = false,
  ) {
    const resolved: ResolvedMember[] = [];
    for (const member of requested) {
      const r = await resolveMember(tx, member, this.config.proxyAdminId);
      if (r.created) await this.auditCreatedUser(tx, actor, r);
      resolved.push(r);
    }
    return this.addResolved(tx, actor, teamId, resolved, maxBudgetInTeam, duplicates, legacyArrays);
  }

  /**
   * Adds resolved members with the team row locked. With `strict`, a request whose members are
   * all in the team already is 400 (LiteLLM); members already in the team are skipped otherwise.
   */
  private async addResolved(
    tx: Tx,
    actor: Actor,
    teamId: string,
    requested: ResolvedMember[],
    maxBudgetInTeam: number | null,
    duplicates: 'strict' | 'skip',
    legacyArrays = false,
  ) {
    const [locked] = await tx.$queryRaw<{ members_with_roles: unknown }[]>`
      SELECT members_with_roles FROM "LiteLLM_TeamTable" WHERE team_id = ${teamId} FOR UPDATE`;
    if (!locked) throw teamNotFound(teamId);
    const before = parseTeamMembers(locked.members_with_roles);
    const seen = new Set<string>();
    const resolved = requested.filter((r) => !seen.has(r.user_id) && seen.add(r.user_id));
    if (!isProxyAdmin(actor.auth.role)) {
      // A team admin can mint keys for the team's members, so adding an admin would hand out admin keys.
      const admin = resolved.find((r) => ADMIN_ROLES.includes(r.user.user_role ?? ''));
      if (admin) {
        throw forbidden(
          `Only proxy admins can add a user with role ${admin.user.user_role} to a team. user_id=${admin.user_id}`,
          'member',
        );
      }
    }
    const present = new Set(before.map((m) => m.user_id));
    const fresh = resolved.filter((r) => !present.has(r.user_id));
    if (fresh.length === 0 && duplicates === 'strict') throw alreadyInTeam(resolved, before);
    await this.teams.addMembers(
      tx,
      teamId,
      fresh.map((r) => ({
        user_id: r.user_id,
        user_email: r.user_email,
        role: r.role,
        max_budget_in_team: maxBudgetInTeam,
      })),
      this.actorId(actor),
      { membershipRows: 'budgeted', actor, legacyArrays },
    );
    const team = await tx.liteLLM_TeamTable.findUniqueOrThrow({ where: { team_id: teamId } });
    if (fresh.length > 0) {
      await this.audit.record(
        actor,
        {
          action: 'updated',
          table: TEAM_TABLE,
          objectId: teamId,
          before: { members_with_roles: before },
          after: { members_with_roles: team.members_with_roles },
        },
        tx,
      );
    }
    const ids = fresh.map((r) => r.user_id);
    const users = await tx.liteLLM_UserTable.findMany({
      where: { user_id: { in: ids } },
      omit: { password: true },
    });
    const memberships = await tx.liteLLM_TeamMembership.findMany({
      where: { team_id: teamId, user_id: { in: ids } },
      include: MEMBERSHIP_INCLUDE,
    });
    const defaultId = defaultMemberBudgetId(team);
    return {
      team,
      users: ids.map((id) => users.find((u) => u.user_id === id)!),
      memberships: memberships.map((m) => membershipView(m, defaultId)),
    };
  }

  /** POST /team/member_delete: the member leaves the team (their keys stay, as in LiteLLM). */
  async remove(actor: Actor, req: TeamMemberDeleteRequest): Promise<TeamRow> {
    const userId = req.user_id?.trim() || null;
    const email = req.user_email?.trim() || null;
    if (!userId && !email) throw badRequest('Either user_id or user_email needs to be passed in', 'user_id');
    const team = await this.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: req.team_id } });
    if (!team) throw teamNotFound(req.team_id);
    await this.authz.assertCanManage(actor.auth, team, '/team/member_delete');
    const updated = await this.prisma.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ members_with_roles: unknown }[]>`
        SELECT members_with_roles FROM "LiteLLM_TeamTable" WHERE team_id = ${team.team_id} FOR UPDATE`;
      const before = parseTeamMembers(locked.members_with_roles);
      const matches = before.filter((m) => matchesMember(m, userId, email));
      if (matches.length === 0) throw badRequest('User not found in team', userId ? 'user_id' : 'user_email');
      const ids = matches.map((m) => m.user_id).filter((id): id is string => id !== null);
      const byEmail = userId ? null : email!.toLowerCase();
      await tx.$executeRaw`
        UPDATE "LiteLLM_TeamTable" t SET
          members_with_roles = COALESCE(
            (SELECT jsonb_agg(e) FROM jsonb_array_elements(${MEMBER_LIST}) e
             WHERE NOT (COALESCE(e->>'user_id' = ANY(${ids}), false)
                        OR COALESCE(lower(e->>'user_email') = ${byEmail}, false))),
            '[]'::jsonb),
          admins = ARRAY(SELECT a FROM unnest(t.admins) a WHERE NOT (a = ANY(${ids}))),
          members = ARRAY(SELECT m FROM unnest(t.members) m WHERE NOT (m = ANY(${ids}))),
          updated_at = now()
        WHERE t.team_id = ${team.team_id}`;
      await tx.$executeRaw`
        UPDATE "LiteLLM_UserTable" SET teams = array_remove(teams, ${team.team_id}), updated_at = now()
        WHERE user_id = ANY(${ids}) AND ${team.team_id} = ANY(teams)`;
      await tx.liteLLM_TeamMembership.deleteMany({ where: { team_id: team.team_id, user_id: { in: ids } } });
      const row = await tx.liteLLM_TeamTable.findUniqueOrThrow({ where: { team_id: team.team_id } });
      await this.audit.record(
        actor,
        {
          action: 'updated',
          table: TEAM_TABLE,
          objectId: team.team_id,
          before: { members_with_roles: before },
          after: { members_with_roles: row.members_with_roles },
        },
        tx,
      );
      return row;
    });
    await this.cache.invalidateTeam(team.team_id);
    return updated;
  }

  private auditCreatedUser(tx: Tx, actor: Actor, member: ResolvedMember) {
    return this.audit.record(
      actor,
      { action: 'created', table: USER_TABLE, objectId: member.user_id, after: member.user },
      tx,
    );
  }

  private actorId(actor: Actor): string {
    return this.audit.actorId(actor.auth);
  }
}

function alreadyInTeam(resolved: ResolvedMember[], existing: TeamMember[]): ApiError {
  const listed = JSON.stringify(
    existing.map((m) => ({ user_id: m.user_id, user_email: m.user_email, role: m.role })),
  );
  if (resolved.length === 1) {
    const m = resolved[0];
    return new ApiError(
      400,
      `User already in team. Member: user_id=${m.user_id}, user_email=${m.user_email ?? 'None'}. Existing members=${listed}`,
      'team_member_already_in_team',
      'member',
    );
  }
  return new ApiError(
    400,
    `All users are already in team. Existing members=${listed}`,
    'team_member_already_in_team',
    'member',
  );
}
