import { Module } from '@nestjs/common';
import { DeploymentsService } from './deployments.service';
import { ModelInfoService } from './model-info.service';
import { ModelManagementService } from './model-management.service';
import { ModelsController } from './models.controller';

/** The gateway's model registry (config.yaml + LiteLLM_ProxyModelTable) and the /model routes. */
@Module({
  controllers: [ModelsController],
  providers: [DeploymentsService, ModelManagementService, ModelInfoService],
  exports: [DeploymentsService],
})
export class DeploymentsModule {}
