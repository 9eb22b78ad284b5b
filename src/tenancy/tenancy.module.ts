import { Global, Module } from '@nestjs/common';
import { MemberUsersService } from './member-users.service';
import { OrganizationMembershipsService } from './organization-memberships.service';
import { TeamMembershipsService } from './team-memberships.service';
import { UserRecordsService } from './user-records.service';

/**
 * The tenancy core, under the domains (global, as audit is): user rows, team and organization
 * memberships, the org-admin lookups and the users created while adding members. Domains write
 * these tables only through it, inside the change (ChangesService) they record.
 */
@Global()
@Module({
  providers: [UserRecordsService, TeamMembershipsService, OrganizationMembershipsService, MemberUsersService],
  exports: [UserRecordsService, TeamMembershipsService, OrganizationMembershipsService, MemberUsersService],
})
export class TenancyModule {}
