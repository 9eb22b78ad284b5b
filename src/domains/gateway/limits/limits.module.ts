import { Module } from '@nestjs/common';

/** The gateway's the rate limiter (Redis scripts, or per process without Redis). */
@Module({})
export class LimitsModule {}
