import { Module } from '@nestjs/common';

/** The gateway's the provider adapters (openai, azure, anthropic) and the upstream HTTP pool. */
@Module({})
export class ProvidersModule {}
