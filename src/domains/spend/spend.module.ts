import { Module } from '@nestjs/common';
import { BudgetResetService } from './budget-reset.service';
import { DailyActivityService } from './daily-activity.service';
import { SpendLogsService } from './spend-logs.service';
import { BudgetCountersService } from './ledger/budget-counters.service';
import { SpendAggregatorService } from './ledger/spend-aggregator.service';
import { SpendLedgerService } from './ledger/spend-ledger.service';

const SERVICES = [
  DailyActivityService,
  BudgetResetService,
  SpendLogsService,
  SpendLedgerService,
  SpendAggregatorService,
  BudgetCountersService,
];

/**
 * LiteLLM's spend tables and the spend counters of other rows (README, "Who writes which table"): the
 * Daily*Spend reports other domains read, spend-log retention, the budget-reset statements the
 * scheduler runs, and the spend ledger (ledger/): the gateway's spend-log writer, the aggregator that
 * counts it into the entity and Daily tables, and the live budget counters. No routes yet.
 */
@Module({ providers: SERVICES, exports: SERVICES })
export class SpendModule {}
