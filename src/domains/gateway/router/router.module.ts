import { Module } from '@nestjs/common';

/** The gateway's deployment choice, retries, cooldowns and fallbacks. */
@Module({})
export class RouterModule {}
