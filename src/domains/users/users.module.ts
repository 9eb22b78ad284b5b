import { Module } from '@nestjs/common';
import { InvitationsModule } from '../invitations/invitations.module';
import { KeysModule } from '../keys/keys.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { TeamsModule } from '../teams/teams.module';
import { SpendModule } from '../spend/spend.module';
import { UserDailyActivityService } from './user-daily-activity.service';
import { UserOrgsService } from './user-orgs.service';
import { UserQueriesService } from './user-queries.service';
import { UserUpdateService } from './user-update.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [KeysModule, TeamsModule, OrganizationsModule, InvitationsModule, SpendModule],
  controllers: [UsersController],
  providers: [UsersService, UserUpdateService, UserQueriesService, UserDailyActivityService, UserOrgsService],
  exports: [UsersService],
})
export class UsersModule {}
