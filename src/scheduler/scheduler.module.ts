import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { KeysModule } from '../domains/keys/keys.module';
import { SpendModule } from '../domains/spend/spend.module';
import { CronLeaseService } from './cron-lease.service';
import { JobRunsService } from './job-runs.service';
import { BudgetResetJob } from './jobs/budget-reset.job';
import { DeprecatedKeyCleanupJob } from './jobs/deprecated-key-cleanup.job';
import { KeyRotationJob } from './jobs/key-rotation.job';
import { SpendLogRetentionJob } from './jobs/spend-log-retention.job';
import { SCHEDULED_JOBS } from './scheduled-job';
import { ScheduledJobs } from './scheduled-jobs';
import { SchedulerController } from './scheduler.controller';
import { SchedulerService } from './scheduler.service';

const JOBS = [BudgetResetJob, KeyRotationJob, DeprecatedKeyCleanupJob, SpendLogRetentionJob];

@Module({
  imports: [ScheduleModule.forRoot(), KeysModule, SpendModule],
  controllers: [SchedulerController],
  providers: [
    CronLeaseService,
    JobRunsService,
    SchedulerService,
    ScheduledJobs,
    ...JOBS,
    { provide: SCHEDULED_JOBS, useFactory: (...jobs: unknown[]) => jobs, inject: JOBS },
  ],
  exports: [SchedulerService, ScheduledJobs],
})
export class SchedulerModule {}
