import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { PrismaService } from '../platform/prisma/prisma.service';
import { ORG_ADMIN } from './roles';

type Tx = Prisma.TransactionClient;
type Db = Pick<Tx, 'liteLLM_OrganizationMembership'>;

export const ORGANIZATION_MEMBERSHIP_TABLE = 'LiteLLM_OrganizationMembership';

/** The audit-log object id of a membership (its primary key is the pair). */
export const organizationMembershipId = (organizationId: string, userId: string) =>
  `${organizationId}:${userId}`;

/**
 * `LiteLLM_OrganizationMembership`: who belongs to which organization with which role, and the
 * org-admin lookups every domain's access rules ask. The organizations domain owns the
 * organization rows; memberships are written only here, in the caller's transaction. No auth
 * cache holds organization roles (the route gate reads them per request), so writes take a plain
 * transaction and name nothing stale.
 */
@Injectable()
export class OrganizationMembershipsService {
  constructor(private readonly prisma: PrismaService) {}

  // ---- Roles ---------------------------------------------------------------------------------

  /** The user's role in the organization; `undefined` when they are not a member. */
  async roleOf(userId: string, organizationId: string): Promise<string | null | undefined> {
    const row = await this.membership(userId, organizationId);
    return row === null ? undefined : row.user_role;
  }

  /** Does the user hold an `org_admin` membership in this organization? */
  async isOrgAdmin(userId: string | null, organizationId: string): Promise<boolean> {
    return !!userId && (await this.roleOf(userId, organizationId)) === ORG_ADMIN;
  }

  /** Organizations where the user holds an `org_admin` membership. */
  async adminOrgIds(userId: string | null): Promise<string[]> {
    if (!userId) return [];
    const rows = await this.prisma.liteLLM_OrganizationMembership.findMany({
      where: { user_id: userId, user_role: ORG_ADMIN },
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
  async membershipsOf(userIds: string[], db: Db = this.prisma): Promise<Map<string, string[]>> {
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

  /** The membership row, or null. */
  membership(userId: string, organizationId: string, db: Db = this.prisma) {
    return db.liteLLM_OrganizationMembership.findUnique({
      where: { user_id_organization_id: { user_id: userId, organization_id: organizationId } },
    });
  }

  /** Locks the membership row (if any) for a change of its role or budget. */
  async lock(tx: Tx, userId: string, organizationId: string): Promise<void> {
    await tx.$queryRaw`
      SELECT 1 FROM "LiteLLM_OrganizationMembership"
      WHERE user_id = ${userId} AND organization_id = ${organizationId} FOR UPDATE`;
  }

  // ---- Writes (in the caller's transaction) --------------------------------------------------

  create(
    tx: Tx,
    membership: { userId: string; organizationId: string; role: string; budgetId: string | null },
  ) {
    return tx.liteLLM_OrganizationMembership.create({
      data: {
        user_id: membership.userId,
        organization_id: membership.organizationId,
        user_role: membership.role,
        budget_id: membership.budgetId,
      },
    });
  }

  update(
    tx: Tx,
    userId: string,
    organizationId: string,
    data: { user_role?: string; budget_id: string | null },
  ) {
    return tx.liteLLM_OrganizationMembership.update({
      where: { user_id_organization_id: { user_id: userId, organization_id: organizationId } },
      data,
      include: { litellm_budget_table: true },
    });
  }

  delete(tx: Tx, userId: string, organizationId: string) {
    return tx.liteLLM_OrganizationMembership.delete({
      where: { user_id_organization_id: { user_id: userId, organization_id: organizationId } },
    });
  }

  /**
   * Makes existing users members of one organization with `role` (e.g. when a team moves into
   * the organization); ids without a user row and existing memberships are left alone. One
   * set-based statement.
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

  /** Adds memberships of one user with `role`; existing memberships stay as they are. */
  async addMemberships(tx: Tx, userId: string, organizationIds: string[], role: string): Promise<void> {
    if (organizationIds.length === 0) return;
    await tx.liteLLM_OrganizationMembership.createMany({
      data: organizationIds.map((organization_id) => ({ user_id: userId, organization_id, user_role: role })),
      skipDuplicates: true,
    });
  }

  /** Removes every membership of these users (user deletion). */
  removeUsers(tx: Tx, userIds: string[]): Promise<Prisma.BatchPayload> {
    return tx.liteLLM_OrganizationMembership.deleteMany({ where: { user_id: { in: userIds } } });
  }

  /** Removes every membership of these organizations (organization deletion). */
  removeOrganizations(tx: Tx, organizationIds: string[]): Promise<Prisma.BatchPayload> {
    return tx.liteLLM_OrganizationMembership.deleteMany({
      where: { organization_id: { in: organizationIds } },
    });
  }
}
