import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import {
  DEFAULT_TEAM_MEMBER_PERMISSIONS,
  parseTeamMembers,
  TeamMember,
  teamAdminPermissions,
  teamRoleOf,
} from './team-members';

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

@Injectable()
export class TeamsService {
  constructor(private readonly prisma: PrismaService) {}

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

  roleOf(team: TeamAccess, userId: string | null | undefined): 'admin' | 'user' | undefined {
    return teamRoleOf(team.members, userId);
  }

  /** Team ids where the user appears in `members_with_roles` (with the role). */
  async teamsOfUser(userId: string): Promise<{ teamId: string; role: 'admin' | 'user' }[]> {
    const rows = await this.prisma.$queryRaw<{ team_id: string; role: string }[]>`
      SELECT t.team_id, m->>'role' AS role
      FROM "LiteLLM_TeamTable" t, jsonb_array_elements(CASE WHEN jsonb_typeof(t.members_with_roles) = 'array' THEN t.members_with_roles ELSE '[]'::jsonb END) m
      WHERE m->>'user_id' = ${userId}`;
    return rows.map((r) => ({ teamId: r.team_id, role: r.role === 'admin' ? 'admin' : 'user' }));
  }
}
