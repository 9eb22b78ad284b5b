import { Module } from '@nestjs/common';
import { AccessGroupsModule } from '../access-groups/access-groups.module';
import { BudgetsModule } from '../budgets/budgets.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { SpendModule } from '../spend/spend.module';
import { TeamAccessGroupsService } from './team-access-groups.service';
import { TeamAuthorizationService } from './team-authorization.service';
import { TeamDailyActivityService } from './team-daily-activity.service';
import { TeamKeysService } from './team-keys.service';
import { TeamLifecycleService } from './team-lifecycle.service';
import { TeamMemberBudgetsService } from './team-member-budgets.service';
import { TeamMemberUpdateService } from './team-member-update.service';
import { TeamMembersController } from './team-members.controller';
import { TeamMembersService } from './team-members.service';
import { TeamQueriesService } from './team-queries.service';
import { TeamSettingsService } from './team-settings.service';
import { TeamUpdateService } from './team-update.service';
import { TeamsController } from './teams.controller';
import { TeamsService } from './teams.service';

/**
 * `/team/*`. Exports TeamsService (a team's access settings, for keys). Membership reads and
 * writes are the tenancy core's (TenancyModule, global). KeysModule depends on this module, never
 * the reverse: KeysService plugs the removal of a deleted team's keys into TeamKeysService at
 * start-up.
 */
@Module({
  imports: [BudgetsModule, OrganizationsModule, SpendModule, AccessGroupsModule],
  controllers: [TeamsController, TeamMembersController],
  providers: [
    TeamsService,
    TeamAuthorizationService,
    TeamKeysService,
    TeamMembersService,
    TeamMemberUpdateService,
    TeamMemberBudgetsService,
    TeamLifecycleService,
    TeamUpdateService,
    TeamSettingsService,
    TeamQueriesService,
    TeamDailyActivityService,
    TeamAccessGroupsService,
  ],
  exports: [TeamsService],
})
export class TeamsModule {}
