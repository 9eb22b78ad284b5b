import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { PrismaService } from '../prisma/prisma.service';

/**
 * A user's LiteLLM_OrganizationMembership rows, as the user routes need them: which organizations
 * a caller administers (org-admin scoping of /user/*), and the memberships /user/new writes and
 * /user/delete removes.
 */
@Injectable()
export class UserOrgsService {
  constructor(private readonly prisma: PrismaService) {}

  /** Organizations where the user holds an `org_admin` membership. */
  async adminOrgIds(userId: string | null): Promise<string[]> {
    if (!userId) return [];
    const rows = await this.prisma.liteLLM_OrganizationMembership.findMany({
      where: { user_id: userId, user_role: 'org_admin' },
      select: { organization_id: true },
    });
    return rows.map((r) => r.organization_id);
  }

  /** Every organization the user belongs to, with any role. */
  async orgIdsOf(userId: string | null): Promise<string[]> {
    if (!userId) return [];
    const rows = await this.prisma.liteLLM_OrganizationMembership.findMany({
      where: { user_id: userId },
      select: { organization_id: true },
    });
    return rows.map((r) => r.organization_id);
  }

  /** user id → the organizations they belong to. */
  async membershipsOf(userIds: string[]): Promise<Map<string, string[]>> {
    const rows = await this.prisma.liteLLM_OrganizationMembership.findMany({
      where: { user_id: { in: userIds } },
      select: { user_id: true, organization_id: true },
    });
    const byUser = new Map<string, string[]>(userIds.map((id) => [id, []]));
    for (const row of rows) byUser.get(row.user_id)?.push(row.organization_id);
    return byUser;
  }

  /** Adds memberships with `role`; existing memberships are left as they are. */
  async addMemberships(tx: Prisma.TransactionClient, userId: string, orgIds: string[], role: string) {
    if (orgIds.length === 0) return;
    await tx.liteLLM_OrganizationMembership.createMany({
      data: orgIds.map((organization_id) => ({ user_id: userId, organization_id, user_role: role })),
      skipDuplicates: true,
    });
  }

  removeAllOf(tx: Prisma.TransactionClient, userIds: string[]) {
    return tx.liteLLM_OrganizationMembership.deleteMany({ where: { user_id: { in: userIds } } });
  }
}
