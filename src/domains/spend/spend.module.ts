import { Module } from '@nestjs/common';
import { BudgetResetService } from './budget-reset.service';
import { DailyActivityService } from './daily-activity.service';
import { SpendLogsService } from './spend-logs.service';

/**
 * LiteLLM's spend tables and the spend counters of other rows (README, "Who writes which table"): the
 * Daily*Spend reports other domains read, spend-log retention and the budget-reset statements the
 * scheduler runs; no routes yet.
 */
@Module({
  providers: [DailyActivityService, BudgetResetService, SpendLogsService],
  exports: [DailyActivityService, BudgetResetService, SpendLogsService],
})
export class SpendModule {}
