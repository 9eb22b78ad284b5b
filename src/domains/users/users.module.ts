import { Module } from '@nestjs/common';
import { BudgetsModule } from '../budgets/budgets.module';
import { InvitationsModule } from '../invitations/invitations.module';
import { KeysModule } from '../keys/keys.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { SpendModule } from '../spend/spend.module';
import { UserDailyActivityService } from './user-daily-activity.service';
import { UserQueriesService } from './user-queries.service';
import { UserUpdateService } from './user-update.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [KeysModule, OrganizationsModule, InvitationsModule, BudgetsModule, SpendModule],
  controllers: [UsersController],
  providers: [UsersService, UserUpdateService, UserQueriesService, UserDailyActivityService],
  exports: [UsersService],
})
export class UsersModule {}
