import { Module } from '@nestjs/common';

/** The gateway's the model registry (config.yaml + LiteLLM_ProxyModelTable) and the /model routes. */
@Module({})
export class DeploymentsModule {}
