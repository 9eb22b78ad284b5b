import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { parseTeamMembers, TeamMember, teamRoleOf } from '../../tenancy/team-members';
import { TeamMembershipsService } from '../../tenancy/team-memberships.service';
import type { TeamRole } from '../../tenancy/roles';
import { DEFAULT_TEAM_MEMBER_PERMISSIONS, teamAdminPermissions } from './team-members';
import { TeamKeyRemover, TeamKeysService } from './team-keys.service';

/** What other domains need to decide what a caller may do with a team's objects. */
export interface TeamAccess {
  teamId: string;
  organizationId: string | null;
  members: TeamMember[];
  /** Key routes plain members may call (defaults applied). */
  memberPermissions: string[];
  adminPermissions: string[];
  models: string[];
  tpmLimit: bigint | null;
  rpmLimit: bigint | null;
  metadata: Record<string, unknown>;
}

/**
 * What the keys domain asks of teams: a team's access settings, and the hook through which
 * /team/delete removes the team's keys. Membership itself (who is in which team, adding and
 * removing members) is the tenancy core's TeamMembershipsService.
 */
@Injectable()
export class TeamsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly teamKeys: TeamKeysService,
    private readonly memberships: TeamMembershipsService,
  ) {}

  /** How /team/delete removes the team's keys: the keys domain (above teams) plugs it in at start-up. */
  useKeyRemover(remover: TeamKeyRemover): void {
    this.teamKeys.use(remover);
  }

  async getTeamAccess(teamId: string): Promise<TeamAccess | undefined> {
    const team = await this.prisma.liteLLM_TeamTable.findUnique({
      where: { team_id: teamId },
      select: {
        team_id: true,
        organization_id: true,
        members_with_roles: true,
        team_member_permissions: true,
        models: true,
        tpm_limit: true,
        rpm_limit: true,
        metadata: true,
      },
    });
    if (!team) return undefined;
    return {
      teamId: team.team_id,
      organizationId: team.organization_id,
      members: parseTeamMembers(team.members_with_roles),
      memberPermissions: team.team_member_permissions.length
        ? team.team_member_permissions
        : DEFAULT_TEAM_MEMBER_PERMISSIONS,
      adminPermissions: teamAdminPermissions(team.metadata),
      models: team.models,
      tpmLimit: team.tpm_limit,
      rpmLimit: team.rpm_limit,
      metadata: (team.metadata ?? {}) as Record<string, unknown>,
    };
  }

  roleOf(team: TeamAccess, userId: string | null | undefined): TeamRole | undefined {
    return teamRoleOf(team.members, userId);
  }

  /** Team ids where the user appears in `members_with_roles` (TeamMembershipsService.teamsOfUser). */
  teamsOfUser(userId: string): Promise<{ teamId: string; role: TeamRole }[]> {
    return this.memberships.teamsOfUser(userId);
  }
}
