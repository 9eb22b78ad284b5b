import { Module } from '@nestjs/common';
import { DeploymentsModule } from './deployments/deployments.module';
import { LimitsModule } from './limits/limits.module';
import { ProvidersModule } from './providers/providers.module';
import { RouterModule } from './router/router.module';

/** The LLM gateway: the /v1 routes, their checks, and the pieces they are built from. */
@Module({
  imports: [DeploymentsModule, ProvidersModule, LimitsModule, RouterModule],
})
export class GatewayModule {}
