import { Module } from '@nestjs/common';
import { BudgetsModule } from '../budgets/budgets.module';
import { OrganizationManagementService } from './organization-management.service';
import { OrganizationMembersService } from './organization-members.service';
import { OrganizationQueriesService } from './organization-queries.service';
import { OrganizationsController } from './organizations.controller';
import { OrganizationsService } from './organizations.service';

/**
 * `/organization/*`. Exports OrganizationsService only: what keys, users and teams ask of
 * organizations (memberships they ask of tenancy's OrganizationMembershipsService). It imports no other domain that depends on it (keys,
 * teams, users), so those can import this module without a cycle.
 */
@Module({
  imports: [BudgetsModule],
  controllers: [OrganizationsController],
  providers: [
    OrganizationsService,
    OrganizationManagementService,
    OrganizationQueriesService,
    OrganizationMembersService,
  ],
  exports: [OrganizationsService],
})
export class OrganizationsModule {}
