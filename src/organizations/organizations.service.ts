import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

/** Organization reads other domains need (issue 4 grows this domain). */
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

  async isMember(userId: string, organizationId: string): Promise<boolean> {
    const row = await this.prisma.liteLLM_OrganizationMembership.findUnique({
      where: { user_id_organization_id: { user_id: userId, organization_id: organizationId } },
      select: { user_id: true },
    });
    return row !== null;
  }
}
