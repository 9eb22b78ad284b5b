import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { OrganizationsService } from '../organizations/organizations.service';

/**
 * The organization memberships the user routes need (org-admin scoping of /user/*, the
 * memberships /user/new writes and /user/delete removes). The membership table belongs to the
 * organizations domain: this only names what the user routes ask of it.
 */
@Injectable()
export class UserOrgsService {
  constructor(private readonly organizations: OrganizationsService) {}

  /** Organizations where the user holds an `org_admin` membership. */
  adminOrgIds(userId: string | null): Promise<string[]> {
    return this.organizations.adminOrgIds(userId);
  }

  /** Every organization the user belongs to, with any role. */
  orgIdsOf(userId: string | null): Promise<string[]> {
    return this.organizations.orgIdsOf(userId);
  }

  /** user id → the organizations they belong to. */
  membershipsOf(userIds: string[]): Promise<Map<string, string[]>> {
    return this.organizations.membershipsOf(userIds);
  }

  /** Adds memberships with `role`; existing memberships are left as they are. */
  addMemberships(tx: Prisma.TransactionClient, userId: string, orgIds: string[], role: string) {
    return this.organizations.addMemberships(tx, userId, orgIds, role);
  }

  removeAllOf(tx: Prisma.TransactionClient, userIds: string[]) {
    return this.organizations.removeMembershipsOfUsers(tx, userIds);
  }
}
