import { Module } from '@nestjs/common';
import { BudgetsModule } from '../budgets/budgets.module';
import { CustomersController } from './customers.controller';
import { CustomersService } from './customers.service';
import { EndUsersController } from './end-users.controller';

/** `/customer/*` and its hidden `/end_user/*` aliases. */
@Module({
  imports: [BudgetsModule],
  controllers: [CustomersController, EndUsersController],
  providers: [CustomersService],
  exports: [CustomersService],
})
export class CustomersModule {}
