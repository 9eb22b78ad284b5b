import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { AuthContext } from '../../platform/auth/auth-context';
import { ApiError, badRequest, notFound } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { assertOrgAdmin, FULL_INFO, WITH_BUDGET, WITH_MEMBERS } from './organization-rows';
import type { OrganizationListQuery } from './organizations.dto';
import { OrganizationMembershipsService } from '../../tenancy/organization-memberships.service';
import { isAdminViewer } from '../../tenancy/roles';

const BY_AGE: Prisma.LiteLLM_OrganizationTableOrderByWithRelationInput[] = [
  { created_at: 'asc' },
  { organization_id: 'asc' },
];

/** /organization/list and /organization/info (spec tenancy.md §8.4, §8.5). */
@Injectable()
export class OrganizationQueriesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly memberships: OrganizationMembershipsService,
  ) {}

  /**
   * Proxy admins (and, for read parity, proxy admin viewers) see every organization; everyone
   * else the organizations they belong to, in any role. `org_alias` matches a part of the alias,
   * case-insensitively. Each row carries its budget, memberships and teams.
   */
  async list(auth: AuthContext, query: OrganizationListQuery) {
    const where: Prisma.LiteLLM_OrganizationTableWhereInput = {};
    if (query.org_alias) where.organization_alias = { contains: query.org_alias, mode: 'insensitive' };
    if (isAdminViewer(auth.role)) {
      if (query.org_id) where.organization_id = query.org_id;
    } else {
      const mine = await this.memberships.orgIdsOf(auth.userId);
      const visible = query.org_id ? mine.filter((id) => id === query.org_id) : mine;
      if (visible.length === 0) return [];
      where.organization_id = { in: visible };
    }
    return this.prisma.liteLLM_OrganizationTable.findMany({
      where,
      include: WITH_MEMBERS,
      orderBy: BY_AGE,
    });
  }

  /**
   * One organization with its budget, memberships (and their users), teams and object
   * permission. Proxy admins and viewers read any; org admins their own (the route gate's org
   * RBAC, repeated here on the id actually read). Unknown id → 404.
   */
  async info(auth: AuthContext, organizationId: string) {
    if (!isAdminViewer(auth.role)) await assertOrgAdmin(this.memberships, auth, organizationId);
    const row = await this.prisma.liteLLM_OrganizationTable.findUnique({
      where: { organization_id: organizationId },
      include: FULL_INFO,
    });
    if (!row) throw notFound('Organization not found', 'organization_id');
    return row;
  }

  /**
   * The deprecated POST /organization/info: several organizations with their budgets. Org admins
   * may only name organizations they administer; an unknown id → 404 (LiteLLM leaves it out).
   */
  async infoMany(auth: AuthContext, organizationIds: string[]) {
    const ids = [...new Set(organizationIds)];
    if (ids.length === 0) {
      throw badRequest("Specify list of organization id's to query. Passed in=[]", 'organizations');
    }
    if (!isAdminViewer(auth.role)) {
      for (const id of ids) await assertOrgAdmin(this.memberships, auth, id);
    }
    const rows = await this.prisma.liteLLM_OrganizationTable.findMany({
      where: { organization_id: { in: ids } },
      include: WITH_BUDGET,
    });
    const byId = new Map(rows.map((r) => [r.organization_id, r]));
    const missing = ids.find((id) => !byId.has(id));
    if (missing !== undefined) {
      throw new ApiError(
        404,
        `Organization not found for organization_id=${missing}`,
        'not_found_error',
        'organizations',
      );
    }
    return ids.map((id) => byId.get(id)!);
  }
}
