import { Injectable } from '@nestjs/common';
import { ApiError, badRequest, forbidden } from '../../platform/common/errors/api-error';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isAdminViewer, isProxyAdmin } from '../../platform/auth/roles';
import { OrganizationMembershipsService } from '../../tenancy/organization-memberships.service';
import { TeamAccess, TeamsService } from '../teams/teams.service';
import type { KeyFieldsRequest } from './dto/key-fields.request';

/** The key columns the access rules look at. */
export interface KeyOwnership {
  token: string;
  user_id: string | null;
  team_id: string | null;
  organization_id: string | null;
}

/**
 * Who may do what to which key: LiteLLM's newest pinned rules (spec tenancy.md §4 and the
 * matrices of §20.1 / §20.3), in one place. Every method throws the error LiteLLM answers.
 */
@Injectable()
export class KeyAccessService {
  constructor(
    private readonly teams: TeamsService,
    private readonly orgMemberships: OrganizationMembershipsService,
  ) {}

  /** The team named by a request, or 400 when it does not exist. */
  async requireTeam(teamId: string): Promise<TeamAccess> {
    const team = await this.teams.getTeamAccess(teamId);
    if (!team) throw badRequest(`Unable to find team object in database. Team ID: ${teamId}`, 'team_id');
    return team;
  }

  /** /key/generate and /key/service-account/generate: may the caller create a key for `userId` in `team`? */
  async checkGenerate(
    caller: AuthContext,
    userId: string | null,
    team: TeamAccess | undefined,
    route: string,
  ) {
    if (isProxyAdmin(caller.role)) return;
    const callerTeamRole = team ? this.teams.roleOf(team, caller.userId) : undefined;
    // Only for themselves: a key acts with its owner's role and org memberships, so minting one for
    // another user (even a fellow team member) would hand over that user's powers.
    if (userId && userId !== caller.userId) {
      throw forbidden(
        `User can only create keys for themselves. Got user_id=${userId}, Your ID=${caller.userId}`,
        'user_id',
      );
    }
    if (!team) return;
    const member = userId ?? caller.userId;
    if (member && !this.teams.roleOf(team, member)) {
      throw badRequest(`User=${member} not assigned to team=${team.teamId}`, 'team_id');
    }
    if (!callerTeamRole)
      throw badRequest(`User=${caller.userId} not assigned to team=${team.teamId}`, 'team_id');
    if (callerTeamRole !== 'admin') this.requireMemberPermission(team, route);
  }

  /** /key/generate and /key/update: `allowed_passthrough_routes` (a column or in metadata) is for proxy admins. */
  checkPassthroughRoutes(caller: AuthContext, req: KeyFieldsRequest): void {
    const inMetadata = req.metadata && 'allowed_passthrough_routes' in req.metadata;
    if ((req.allowed_passthrough_routes != null || inMetadata) && !isProxyAdmin(caller.role)) {
      throw forbidden(
        'Only proxy admins can set `allowed_passthrough_routes` on a key.',
        'allowed_passthrough_routes',
      );
    }
  }

  /** GET /key/info: admins and viewers, the key itself, its owner, and members of its team. */
  async checkRead(caller: AuthContext, key: KeyOwnership): Promise<void> {
    if (isAdminViewer(caller.role) || caller.apiKey === key.token) return;
    if (caller.userId && key.user_id === caller.userId) return;
    if (key.team_id && caller.userId) {
      const team = await this.teams.getTeamAccess(key.team_id);
      if (team && this.teams.roleOf(team, caller.userId)) return;
    }
    throw forbidden(
      'You are not allowed to access this key. Only the key owner, its team members or an admin can view it.',
    );
  }

  /**
   * /key/update ([newest] pinned): only proxy admins, team admins (for the team's service-account
   * keys, or members' keys with the `member_key_budgets` permission) and permitted members.
   */
  async checkUpdate(caller: AuthContext, key: KeyOwnership): Promise<void> {
    if (isProxyAdmin(caller.role)) return;
    const team = key.team_id ? await this.teams.getTeamAccess(key.team_id) : undefined;
    const role = team ? this.teams.roleOf(team, caller.userId) : undefined;
    if (key.user_id !== caller.userId) {
      if (team && key.user_id === null) return this.requireTeamRoute(caller, team, role, '/key/update');
      if (team && role === 'admin' && team.adminPermissions.includes('member_key_budgets')) return;
      throw forbidden(
        `User can only create keys for themselves. Got user_id=${key.user_id}, Your ID=${caller.userId}`,
      );
    }
    if (!team) throw forbidden('Only proxy admins, team admins, or org admins can call /key/update');
    if (role === 'admin') return;
    if (role === 'user') return this.requireMemberPermission(team, '/key/update');
    throw forbidden('Only proxy admins, team admins, or org admins can call /key/update');
  }

  /**
   * /key/delete: the owner (also of their own team key, pinned), an admin of the key's team, or a
   * plain member whose team grants `/key/delete` (else 401, as for update and regenerate).
   */
  async checkDelete(caller: AuthContext, key: KeyOwnership): Promise<void> {
    if (isProxyAdmin(caller.role)) return;
    if (caller.userId && key.user_id === caller.userId) return;
    const team = key.team_id ? await this.teams.getTeamAccess(key.team_id) : undefined;
    const role = team ? this.teams.roleOf(team, caller.userId) : undefined;
    if (team && role) return this.requireTeamRoute(caller, team, role, '/key/delete');
    throw forbidden('You are not authorized to delete this key');
  }

  /** /key/regenerate: own personal key, or a team key as that team's admin; team keys otherwise 401. */
  async checkRegenerate(caller: AuthContext, key: KeyOwnership): Promise<void> {
    if (isProxyAdmin(caller.role)) return;
    const team = key.team_id ? await this.teams.getTeamAccess(key.team_id) : undefined;
    if (!team) {
      if (caller.userId && key.user_id === caller.userId) return;
      throw forbidden('You are not authorized to regenerate this key');
    }
    const role = this.teams.roleOf(team, caller.userId);
    this.requireTeamRoute(caller, team, role, '/key/regenerate');
    if (role !== 'admin' && key.user_id !== caller.userId)
      throw forbidden('You are not authorized to regenerate this key');
  }

  /** /key/{key}/reset_spend: proxy admin or an admin of the key's team. */
  async checkResetSpend(caller: AuthContext, key: KeyOwnership): Promise<void> {
    if (isProxyAdmin(caller.role) || (await this.isTeamAdminOf(caller, key.team_id))) return;
    throw forbidden('You must be a proxy admin or team admin to reset key spend');
  }

  /** /key/block and /key/unblock: proxy admin, the owner, the key's team admin, or an org admin of its org. */
  async checkBlock(caller: AuthContext, key: KeyOwnership): Promise<void> {
    if (isProxyAdmin(caller.role)) return;
    if (caller.userId && key.user_id === caller.userId) return;
    if (await this.isTeamAdminOf(caller, key.team_id)) return;
    const org =
      key.organization_id ??
      (key.team_id ? (await this.teams.getTeamAccess(key.team_id))?.organizationId : null);
    if (org && (await this.orgMemberships.isOrgAdmin(caller.userId, org))) return;
    throw forbidden('You are not authorized to block or unblock this key');
  }

  /** Moving a key to another team (`validate_key_team_change`). */
  async checkTeamChange(
    caller: AuthContext,
    key: KeyOwnership & { models: string[]; tpm_limit: bigint | null; rpm_limit: bigint | null },
    teamId: string,
  ) {
    const team = await this.requireTeam(teamId);
    if (team.models.length > 0 && !team.models.includes('all-proxy-models')) {
      const outside = key.models.filter((m) => !team.models.includes(m));
      if (outside.length)
        throw badRequest(
          `Key models ${JSON.stringify(outside)} are not allowed by team=${teamId}`,
          'team_id',
        );
    }
    if (team.tpmLimit !== null && key.tpm_limit !== null && key.tpm_limit > team.tpmLimit) {
      throw forbidden(
        `Key tpm_limit=${key.tpm_limit} is greater than team tpm_limit=${team.tpmLimit}`,
        'team_id',
      );
    }
    if (team.rpmLimit !== null && key.rpm_limit !== null && key.rpm_limit > team.rpmLimit) {
      throw forbidden(
        `Key rpm_limit=${key.rpm_limit} is greater than team rpm_limit=${team.rpmLimit}`,
        'team_id',
      );
    }
    if (key.user_id && !this.teams.roleOf(team, key.user_id)) {
      throw forbidden(`User=${key.user_id} is not a member of team=${teamId}`, 'team_id');
    }
    if (isProxyAdmin(caller.role)) return;
    const role = this.teams.roleOf(team, caller.userId);
    if (role === 'admin') return;
    if (role === 'user') return this.requireMemberPermission(team, '/key/update');
    throw forbidden(`You are not an admin of team=${teamId}`, 'team_id');
  }

  private async isTeamAdminOf(caller: AuthContext, teamId: string | null): Promise<boolean> {
    if (!teamId || !caller.userId) return false;
    const team = await this.teams.getTeamAccess(teamId);
    return !!team && this.teams.roleOf(team, caller.userId) === 'admin';
  }

  /**
   * A key route on a team's key by a caller who is not a proxy admin: team admins pass, plain
   * members need the route in the team's member permissions, and anyone else is refused as not
   * being in the team (LiteLLM's "User=… not assigned to team=…"); both refusals are 401.
   */
  private requireTeamRoute(
    caller: AuthContext,
    team: TeamAccess,
    role: 'admin' | 'user' | undefined,
    route: string,
  ): void {
    if (role === 'admin') return;
    if (role === 'user') return this.requireMemberPermission(team, route);
    throw new ApiError(
      401,
      `User=${caller.userId ?? 'None'} not assigned to team=${team.teamId}, so it cannot call ${route} on the team's keys.`,
      'team_member_permission_error',
      route,
    );
  }

  /** §3.5: a plain member may call only the key routes the team grants (default /key/info, /key/health). */
  private requireMemberPermission(team: TeamAccess, route: string): void {
    if (team.memberPermissions.includes(route)) return;
    throw new ApiError(
      401,
      `Team member does not have permissions for endpoint: ${route}. You only have access to the following endpoints: ${JSON.stringify(team.memberPermissions)} for team ${team.teamId}. To create keys for this team, please ask your proxy admin to make you a team admin or to add the endpoint to team_member_permissions.`,
      'team_member_permission_error',
      route,
    );
  }
}
