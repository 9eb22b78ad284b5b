import { Module } from '@nestjs/common';
import { ProvidersService } from './providers.service';

/** The gateway's provider adapters (openai, azure, anthropic) and the upstream HTTP pool. */
@Module({
  providers: [ProvidersService],
  exports: [ProvidersService],
})
export class ProvidersModule {}
