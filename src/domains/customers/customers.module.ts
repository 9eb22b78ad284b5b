import { Module } from '@nestjs/common';
import { BudgetsModule } from '../budgets/budgets.module';
import { CustomersController } from './customers.controller';
import { CustomersService } from './customers.service';

/** `/customer/*` and its hidden `/end_user/*` aliases. */
@Module({
  imports: [BudgetsModule],
  controllers: [CustomersController],
  providers: [CustomersService],
  exports: [CustomersService],
})
export class CustomersModule {}
