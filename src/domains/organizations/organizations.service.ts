import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { OrganizationMembershipsService } from '../../tenancy/organization-memberships.service';

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
 * Organizations as other domains see them: does an organization exist, what does it allow its
 * teams. Memberships are the tenancy core's (OrganizationMembershipsService); the membership
 * methods below only pass through to it, for callers that still ask organizations (keys).
 */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly memberships: OrganizationMembershipsService,
  ) {}

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

  // ---- Memberships: OrganizationMembershipsService -------------------------------------------

  async isMember(userId: string, organizationId: string): Promise<boolean> {
    return (await this.memberships.roleOf(userId, organizationId)) !== undefined;
  }

  roleOf(userId: string, organizationId: string): Promise<string | null | undefined> {
    return this.memberships.roleOf(userId, organizationId);
  }

  isOrgAdmin(userId: string, organizationId: string): Promise<boolean> {
    return this.memberships.isOrgAdmin(userId, organizationId);
  }

  adminOrgIds(userId: string | null): Promise<string[]> {
    return this.memberships.adminOrgIds(userId);
  }

  orgIdsOf(userId: string | null): Promise<string[]> {
    return this.memberships.orgIdsOf(userId);
  }

  membershipsOf(userIds: string[], db?: Tx): Promise<Map<string, string[]>> {
    return this.memberships.membershipsOf(userIds, db);
  }

  belongsToAny(userId: string, organizationIds: string[]): Promise<boolean> {
    return this.memberships.belongsToAny(userId, organizationIds);
  }

  nonMembers(organizationId: string, userIds: string[]): Promise<string[]> {
    return this.memberships.nonMembers(organizationId, userIds);
  }

  addUsersToOrganization(tx: Tx, organizationId: string, userIds: string[], role?: string): Promise<void> {
    return this.memberships.addUsersToOrganization(tx, organizationId, userIds, role);
  }

  addMemberships(tx: Tx, userId: string, organizationIds: string[], role: string): Promise<void> {
    return this.memberships.addMemberships(tx, userId, organizationIds, role);
  }

  removeMembershipsOfUsers(tx: Tx, userIds: string[]): Promise<Prisma.BatchPayload> {
    return this.memberships.removeUsers(tx, userIds);
  }
}
