import { Module } from '@nestjs/common';
import { DailyActivityService } from './daily-activity.service';

/** LiteLLM's spend tables as other domains read them (the Daily*Spend reports); no routes yet. */
@Module({
  providers: [DailyActivityService],
  exports: [DailyActivityService],
})
export class SpendModule {}
