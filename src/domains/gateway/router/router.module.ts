import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { RouterService, type RouterSettings } from './router.service';

/**
 * The gateway's deployment choice, retries, cooldowns and fallbacks. Settings come from the
 * gateway part of the configuration (config.yaml's litellm_settings and router_settings); the
 * deployments registry plugs itself in with `useDeployments`.
 */
@Module({
  providers: [
    {
      provide: RouterService,
      inject: [APP_CONFIG],
      useFactory: (config: { gateway?: Partial<RouterSettings> }) => new RouterService(config.gateway ?? {}),
    },
  ],
  exports: [RouterService],
})
export class RouterModule {}
