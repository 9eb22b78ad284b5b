import { Module } from '@nestjs/common';
import { SpendModule } from '../spend/spend.module';
import { DeploymentsModule } from './deployments/deployments.module';
import { LimitsModule } from './limits/limits.module';
import { ProvidersModule } from './providers/providers.module';
import { RouterModule } from './router/router.module';
import { AdmissionService } from './serve/admission.service';
import { GatewayService } from './serve/gateway.service';
import { LlmController } from './serve/llm.controller';
import { LlmDirectRoutes } from './serve/llm-direct-routes';
import { ModelListService } from './serve/model-list.service';

/**
 * The LLM gateway: the /v1 routes (serve/), the checks before a call (checks/, limits/), the model
 * registry (deployments/), the upstream adapters (providers/) and the router. Spend goes to the
 * spend domain's ledger.
 */
@Module({
  imports: [DeploymentsModule, ProvidersModule, LimitsModule, RouterModule, SpendModule],
  controllers: [LlmController],
  providers: [AdmissionService, GatewayService, ModelListService, LlmDirectRoutes],
  exports: [AdmissionService],
})
export class GatewayModule {}
