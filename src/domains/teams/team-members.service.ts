import { Injectable } from '@nestjs/common';
import type { Actor } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { ApiError, badRequest, forbidden, unauthorized } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { MemberUsersService, ResolvedMember } from '../../tenancy/member-users.service';
import { isAdminRole, isProxyAdmin } from '../../tenancy/roles';
import { defaultMemberBudgetId, matchesMember, membershipView, TeamMember } from '../../tenancy/team-members';
import { TeamMembershipsService } from '../../tenancy/team-memberships.service';
import { UserRecordsService } from '../../tenancy/user-records.service';
import { NO_PASSWORD } from '../../tenancy/user-rows';
import { BudgetsService } from '../budgets/budgets.service';
import {
  MAX_MEMBERS,
  TeamBulkMemberAddRequest,
  TeamMemberAddRequest,
  TeamMemberDeleteRequest,
  TeamMemberRequest,
} from './dto/team-member.requests';
import { TeamAuthorizationService } from './team-authorization.service';
import { assertMemberBudget } from './team-members';
import { findTeamOrThrow, TEAM_TABLE, TeamRow, teamNotFound } from './team-rows';

/** How an add treats members who are in the team already, and what else it writes. */
export interface AddOptions {
  /** `strict`: a request whose members are all in the team already is 400 (LiteLLM); `skip`: they are skipped. */
  duplicates: 'strict' | 'skip';
  /** A budget row of their own for each new member (LiteLLM's `max_budget_in_team`). */
  maxBudgetInTeam: number | null;
  /** Also fill the legacy admins/members arrays (/team/new); the member routes leave them alone. */
  legacyArrays?: boolean;
}

/** A bulk add's members before the add: what was asked, each one's user (null: failed) and why. */
interface BulkMembers {
  requested: TeamMemberRequest[];
  resolved: (ResolvedMember | null)[];
  failures: Map<number, string>;
}

type Added = Awaited<ReturnType<TeamMembersService['addResolved']>>;

/**
 * Team membership routes (spec tenancy.md §7.7–§7.9): add (single and bulk) and delete members.
 * The membership writes (members_with_roles, users' `teams`, LiteLLM_TeamMembership) are the
 * tenancy core's; this holds who may add whom, the audit rows and the answers.
 */
@Injectable()
export class TeamMembersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: TeamAuthorizationService,
    private readonly memberships: TeamMembershipsService,
    private readonly memberUsers: MemberUsersService,
    private readonly users: UserRecordsService,
    private readonly budgets: BudgetsService,
    private readonly changes: ChangesService,
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
    const result = await this.changes.run(actor, (change) =>
      this.addInChange(change, actor, team.team_id, list, {
        duplicates: 'strict',
        maxBudgetInTeam: req.max_budget_in_team ?? null,
      }),
    );
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
    const team = await findTeamOrThrow(this.prisma, req.team_id);
    assertMemberBudget(req.max_budget_in_team);
    const members = req.all_users ? await this.everyUser() : await this.resolveEach(actor, req.members ?? []);
    const added = await this.changes.run(actor, (change) =>
      this.addResolved(
        change,
        actor,
        team.team_id,
        members.resolved.filter((r): r is ResolvedMember => r !== null),
        { duplicates: 'skip', maxBudgetInTeam: req.max_budget_in_team ?? null },
      ),
    );
    return bulkAddAnswer(team.team_id, members, added);
  }

  /** Resolves members (creating users LiteLLM would create) and adds them, in `change`. */
  async addInChange(
    change: Change,
    actor: Actor,
    teamId: string,
    requested: TeamMemberRequest[],
    opts: AddOptions,
  ) {
    const resolved: ResolvedMember[] = [];
    for (const member of requested) resolved.push(await this.memberUsers.resolveTeamMember(change, member));
    return this.addResolved(change, actor, teamId, resolved, opts);
  }

  /** POST /team/member_delete: the member leaves the team (their keys stay, as in LiteLLM). */
  async remove(actor: Actor, req: TeamMemberDeleteRequest): Promise<TeamRow> {
    const userId = req.user_id?.trim() || null;
    const email = req.user_email?.trim() || null;
    if (!userId && !email) throw badRequest('Either user_id or user_email needs to be passed in', 'user_id');
    const team = await findTeamOrThrow(this.prisma, req.team_id);
    await this.authz.assertCanManage(actor.auth, team, '/team/member_delete');
    return this.changes.run(actor, async (change) => {
      const locked = await this.memberships.lockMembers(change.tx, team.team_id);
      if (!locked) throw teamNotFound(team.team_id);
      const matches = locked.members.filter((m) => matchesMember(m, userId, email));
      if (matches.length === 0) throw badRequest('User not found in team', userId ? 'user_id' : 'user_email');
      const ids = matches.map((m) => m.user_id).filter((id): id is string => id !== null);
      await this.memberships.removeMembers(change, team.team_id, ids, userId ? null : email!.toLowerCase());
      return this.auditedMembers(change, team.team_id, locked.members);
    });
  }

  /** Every user of the proxy as a plain member (`all_users`), oldest first. */
  private async everyUser(): Promise<BulkMembers> {
    const users = await this.prisma.liteLLM_UserTable.findMany({
      omit: NO_PASSWORD,
      orderBy: [{ created_at: 'asc' }, { user_id: 'asc' }],
    });
    return {
      requested: users.map((u) => ({ user_id: u.user_id, user_email: u.user_email, role: 'user' })),
      resolved: users.map((u) => ({
        user_id: u.user_id,
        user_email: u.user_email,
        role: 'user' as const,
        user: u,
        created: false,
      })),
      failures: new Map(),
    };
  }

  /** Resolves each member in a change of its own: one that fails is reported, not fatal. */
  private async resolveEach(actor: Actor, requested: TeamMemberRequest[]): Promise<BulkMembers> {
    if (requested.length === 0) throw badRequest('At least one member is required', 'members');
    if (requested.length > MAX_MEMBERS)
      throw badRequest(`Maximum ${MAX_MEMBERS} members can be added at once`, 'members');
    const members: BulkMembers = { requested, resolved: [], failures: new Map() };
    for (const [i, member] of requested.entries()) {
      try {
        members.resolved.push(
          await this.changes.run(actor, (change) => this.memberUsers.resolveTeamMember(change, member)),
        );
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        members.failures.set(i, e.message);
        members.resolved.push(null);
      }
    }
    return members;
  }

  /**
   * Adds resolved members with the team row locked. With `strict`, a request whose members are
   * all in the team already is 400 (LiteLLM); members already in the team are skipped otherwise.
   */
  private async addResolved(
    change: Change,
    actor: Actor,
    teamId: string,
    requested: ResolvedMember[],
    opts: AddOptions,
  ) {
    const locked = await this.memberships.lockMembers(change.tx, teamId);
    if (!locked) throw teamNotFound(teamId);
    const before = locked.members;
    const seen = new Set<string>();
    const resolved = requested.filter((r) => !seen.has(r.user_id) && seen.add(r.user_id));
    assertMayAdd(actor.auth, resolved);
    const present = new Set(before.map((m) => m.user_id));
    const fresh = resolved.filter((r) => !present.has(r.user_id));
    if (fresh.length === 0 && opts.duplicates === 'strict') throw alreadyInTeam(resolved, before);
    await this.memberships.addMembers(
      change,
      teamId,
      fresh.map((r) => ({
        user_id: r.user_id,
        user_email: r.user_email,
        role: r.role,
        max_budget_in_team: opts.maxBudgetInTeam,
      })),
      {
        membershipRows: 'budgeted',
        legacyArrays: opts.legacyArrays ?? false,
        createBudget: async (max) =>
          (await this.budgets.createBudget({ max_budget: max }, actor, change.tx)).budget_id,
      },
    );
    const team =
      fresh.length > 0
        ? await this.auditedMembers(change, teamId, before)
        : await change.tx.liteLLM_TeamTable.findUniqueOrThrow({ where: { team_id: teamId } });
    return this.addedMembers(
      change,
      team,
      fresh.map((r) => r.user_id),
    );
  }

  /** The team row after a membership change, with the change's audit row (members before and after). */
  private async auditedMembers(change: Change, teamId: string, before: TeamMember[]): Promise<TeamRow> {
    const team = await change.tx.liteLLM_TeamTable.findUniqueOrThrow({ where: { team_id: teamId } });
    await change.audit({
      action: 'updated',
      table: TEAM_TABLE,
      objectId: teamId,
      before: { members_with_roles: before },
      after: { members_with_roles: team.members_with_roles },
    });
    return team;
  }

  /** The team, and the users and memberships that were added (in the order they were asked for). */
  private async addedMembers(change: Change, team: TeamRow, ids: string[]) {
    const users = await this.users.findMany(ids, change.tx);
    const memberships = await this.memberships.memberships(change.tx, team.team_id, ids);
    const defaultId = defaultMemberBudgetId(team);
    return {
      team,
      users: ids.map((id) => users.find((u) => u.user_id === id)!),
      memberships: memberships.map((m) => membershipView(m, defaultId)),
    };
  }
}

/** A team admin can mint keys for the team's members, so adding an admin would hand out admin keys. */
function assertMayAdd(caller: AuthContext, members: ResolvedMember[]): void {
  if (isProxyAdmin(caller.role)) return;
  const admin = members.find((r) => isAdminRole(r.user.user_role));
  if (admin) {
    throw forbidden(
      `Only proxy admins can add a user with role ${admin.user.user_role} to a team. user_id=${admin.user_id}`,
      'member',
    );
  }
}

/** /team/bulk_member_add's answer: one result per requested member, in request order. */
function bulkAddAnswer(teamId: string, members: BulkMembers, added: Added) {
  const addedIds = new Set(added.users.map((u) => u.user_id));
  const results = members.requested.map((member, i) => {
    const r = members.resolved[i];
    const error =
      members.failures.get(i) ??
      (r && !addedIds.has(r.user_id) ? `User already in team. Member: user_id=${r.user_id}` : undefined);
    return {
      user_id: r?.user_id ?? member.user_id ?? null,
      user_email: r?.user_email ?? member.user_email ?? null,
      success: error === undefined,
      ...(error === undefined ? {} : { error }),
      updated_user: error === undefined ? (added.users.find((u) => u.user_id === r!.user_id) ?? null) : null,
      updated_team_membership:
        error === undefined ? (added.memberships.find((m) => m.user_id === r!.user_id) ?? null) : null,
    };
  });
  const successful = results.filter((r) => r.success).length;
  return {
    team_id: teamId,
    results,
    total_requested: members.requested.length,
    successful_additions: successful,
    failed_additions: results.length - successful,
    updated_team: added.team,
  };
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
