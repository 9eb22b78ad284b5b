import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { PrismaService } from '../../platform/prisma/prisma.service';

type Tx = Prisma.TransactionClient;

/** What an organization allows its teams (its budget row carries the limits). */
export interface OrganizationLimits {
  organizationId: string;
  models: string[];
  maxBudget: number | null;
  tpmLimit: bigint | null;
  rpmLimit: bigint | null;
}

/**
 * Organizations and `LiteLLM_OrganizationMembership` as other domains see them: does an
 * organization exist, who belongs to it with which role. Every read and write of the membership
 * table outside this folder goes through here (users, invitations, keys).
 */
@Injectable()
export class OrganizationsService {
  constructor(private readonly prisma: PrismaService) {}

  async exists(organizationId: string): Promise<boolean> {
    const row = await this.prisma.liteLLM_OrganizationTable.findUnique({
      where: { organization_id: organizationId },
      select: { organization_id: true },
    });
    return row !== null;
  }

  /** The organization's models and budget limits; `undefined` when it does not exist. */
  async limits(organizationId: string): Promise<OrganizationLimits | undefined> {
    const org = await this.prisma.liteLLM_OrganizationTable.findUnique({
      where: { organization_id: organizationId },
      select: {
        organization_id: true,
        models: true,
        litellm_budget_table: { select: { max_budget: true, tpm_limit: true, rpm_limit: true } },
      },
    });
    if (!org) return undefined;
    return {
      organizationId: org.organization_id,
      models: org.models,
      maxBudget: org.litellm_budget_table?.max_budget ?? null,
      tpmLimit: org.litellm_budget_table?.tpm_limit ?? null,
      rpmLimit: org.litellm_budget_table?.rpm_limit ?? null,
    };
  }

  async isMember(userId: string, organizationId: string): Promise<boolean> {
    return (await this.roleOf(userId, organizationId)) !== undefined;
  }

  /** The user's role in the organization; `undefined` when they are not a member. */
  async roleOf(userId: string, organizationId: string): Promise<string | null | undefined> {
    const row = await this.prisma.liteLLM_OrganizationMembership.findUnique({
      where: { user_id_organization_id: { user_id: userId, organization_id: organizationId } },
      select: { user_role: true },
    });
    return row === null ? undefined : row.user_role;
  }

  /** Does the user hold an `org_admin` membership in this organization? */
  async isOrgAdmin(userId: string, organizationId: string): Promise<boolean> {
    return (await this.roleOf(userId, organizationId)) === 'org_admin';
  }

  /** Organizations where the user holds an `org_admin` membership. */
  async adminOrgIds(userId: string | null): Promise<string[]> {
    if (!userId) return [];
    const rows = await this.prisma.liteLLM_OrganizationMembership.findMany({
      where: { user_id: userId, user_role: 'org_admin' },
      select: { organization_id: true },
      orderBy: { organization_id: 'asc' },
    });
    return rows.map((r) => r.organization_id);
  }

  /** Every organization the user belongs to, with any role. */
  async orgIdsOf(userId: string | null): Promise<string[]> {
    if (!userId) return [];
    const rows = await this.prisma.liteLLM_OrganizationMembership.findMany({
      where: { user_id: userId },
      select: { organization_id: true },
      orderBy: { organization_id: 'asc' },
    });
    return rows.map((r) => r.organization_id);
  }

  /** user id → the organizations they belong to (every id given has an entry). */
  async membershipsOf(userIds: string[], db: Tx = this.prisma): Promise<Map<string, string[]>> {
    const rows = await db.liteLLM_OrganizationMembership.findMany({
      where: { user_id: { in: userIds } },
      select: { user_id: true, organization_id: true },
    });
    const byUser = new Map<string, string[]>(userIds.map((id) => [id, []]));
    for (const row of rows) byUser.get(row.user_id)?.push(row.organization_id);
    return byUser;
  }

  /** Does the user belong to at least one of these organizations? */
  async belongsToAny(userId: string, organizationIds: string[]): Promise<boolean> {
    if (organizationIds.length === 0) return false;
    const row = await this.prisma.liteLLM_OrganizationMembership.findFirst({
      where: { user_id: userId, organization_id: { in: organizationIds } },
      select: { user_id: true },
    });
    return row !== null;
  }

  /** The users of `userIds` without a membership in the organization. */
  async nonMembers(organizationId: string, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.prisma.liteLLM_OrganizationMembership.findMany({
      where: { organization_id: organizationId, user_id: { in: userIds } },
      select: { user_id: true },
    });
    const members = new Set(rows.map((r) => r.user_id));
    return userIds.filter((id) => !members.has(id));
  }

  /**
   * Makes existing users members of one organization with `role`, in the caller's transaction
   * (e.g. when a team moves into the organization); ids without a user row and existing
   * memberships are left alone. One set-based statement.
   */
  async addUsersToOrganization(
    tx: Tx,
    organizationId: string,
    userIds: string[],
    role = 'internal_user',
  ): Promise<void> {
    if (userIds.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO "LiteLLM_OrganizationMembership" (user_id, organization_id, user_role, created_at, updated_at)
      SELECT u.user_id, ${organizationId}, ${role}, now(), now()
      FROM "LiteLLM_UserTable" u WHERE u.user_id = ANY(${userIds})
      ON CONFLICT (user_id, organization_id) DO NOTHING`;
  }

  /** Adds memberships with `role` in the caller's transaction; existing memberships stay as they are. */
  async addMemberships(tx: Tx, userId: string, organizationIds: string[], role: string): Promise<void> {
    if (organizationIds.length === 0) return;
    await tx.liteLLM_OrganizationMembership.createMany({
      data: organizationIds.map((organization_id) => ({ user_id: userId, organization_id, user_role: role })),
      skipDuplicates: true,
    });
  }

  /** Removes every membership of these users (user deletion), in the caller's transaction. */
  removeMembershipsOfUsers(tx: Tx, userIds: string[]): Promise<Prisma.BatchPayload> {
    return tx.liteLLM_OrganizationMembership.deleteMany({ where: { user_id: { in: userIds } } });
  }
}
