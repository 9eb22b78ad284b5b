import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { OrganizationMembershipsService } from '../../tenancy/organization-memberships.service';

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
 * teams. Memberships are the tenancy core's (OrganizationMembershipsService), which other domains
 * ask directly; `isMember` stays here for keys' list filter.
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
}
