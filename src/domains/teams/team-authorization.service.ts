import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../platform/auth/auth-context';
import { forbidden, unauthorized } from '../../platform/common/errors/api-error';
import { OrganizationMembershipsService } from '../../tenancy/organization-memberships.service';
import { isAdminViewer, isProxyAdmin, TeamRole } from '../../tenancy/roles';
import { parseTeamMembers, teamRoleOf } from '../../tenancy/team-members';

/** The team columns the access rules look at. */
export interface TeamOwnership {
  team_id: string;
  organization_id: string | null;
  members_with_roles: unknown;
}

/**
 * Who may do what to a team (spec tenancy.md §7, §20.2, §20.3), in one place. "Team managers"
 * are proxy admins, the team's admins and the org admins of the team's organization; org admins
 * of another organization, plain members and outsiders are not. Every `assert*` throws the error
 * LiteLLM answers.
 */
@Injectable()
export class TeamAuthorizationService {
  constructor(private readonly orgMemberships: OrganizationMembershipsService) {}

  roleOf(team: TeamOwnership, userId: string | null | undefined): TeamRole | undefined {
    return teamRoleOf(parseTeamMembers(team.members_with_roles), userId);
  }

  isTeamAdmin(caller: AuthContext, team: TeamOwnership): boolean {
    return this.roleOf(team, caller.userId) === 'admin';
  }

  /** An org_admin membership in the team's organization (a team without one has no org admins). */
  async isOrgAdminOfTeam(caller: AuthContext, team: TeamOwnership): Promise<boolean> {
    return !!team.organization_id && this.isOrgAdmin(caller, team.organization_id);
  }

  isOrgAdmin(caller: AuthContext, organizationId: string): Promise<boolean> {
    return this.orgMemberships.isOrgAdmin(caller.userId, organizationId);
  }

  async canManage(caller: AuthContext, team: TeamOwnership): Promise<boolean> {
    return (
      isProxyAdmin(caller.role) ||
      this.isTeamAdmin(caller, team) ||
      (await this.isOrgAdminOfTeam(caller, team))
    );
  }

  /** Member routes, permissions and per-member resets: 403 for everyone but team managers. */
  async assertCanManage(caller: AuthContext, team: TeamOwnership, route: string): Promise<void> {
    if (await this.canManage(caller, team)) return;
    throw forbidden(
      `Call not allowed. User not proxy admin OR team admin. route=${route}, team_id=${team.team_id}`,
      'team_id',
    );
  }

  /**
   * /team/delete, /team/block, /team/unblock: proxy admins and org admins of the team's
   * organization. Everyone else gets the route gate's 401, also when an org admin names their own
   * organization for another organization's team.
   */
  async assertOrgLevel(caller: AuthContext, team: TeamOwnership, route: string): Promise<void> {
    if (isProxyAdmin(caller.role) || (await this.isOrgAdminOfTeam(caller, team))) return;
    throw unauthorized(
      `Authentication Error, Only proxy admins or org admins of the team's organization can call ${route} for team_id=${team.team_id}. Your role=${caller.role ?? 'None'}`,
    );
  }

  /** /team/info: admins and viewers, the team's own keys, its members and its org admins. */
  async canRead(caller: AuthContext, team: TeamOwnership): Promise<boolean> {
    if (isAdminViewer(caller.role)) return true;
    if (caller.teamId === team.team_id && !caller.isMasterKey) return true;
    if (this.roleOf(team, caller.userId)) return true;
    return this.isOrgAdminOfTeam(caller, team);
  }
}
