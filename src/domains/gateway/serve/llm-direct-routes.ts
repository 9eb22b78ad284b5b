import { Injectable, OnModuleInit } from '@nestjs/common';
import { DirectRoutes } from '../../../platform/http/direct-routes';
import { type CallKind, GatewayService } from './gateway.service';
import { LLM_PATHS } from './llm-paths';

/**
 * Serves the LLM POST routes in front of express (platform/http/direct-routes.ts): the same
 * GatewayService.serve the controller calls, without express's router, body parser and Nest's
 * per-request pipeline, which cost more CPU than the gateway's own work (README, Performance).
 */
@Injectable()
export class LlmDirectRoutes implements OnModuleInit {
  constructor(
    private readonly routes: DirectRoutes,
    private readonly gateway: GatewayService,
  ) {}

  onModuleInit() {
    for (const kind of Object.keys(LLM_PATHS) as CallKind[]) {
      this.routes.register(
        'POST',
        LLM_PATHS[kind].map((path) => `/${path}`),
        ({ auth, body, req, res, ip }) => this.gateway.serve(kind, auth, body, req, res, ip),
      );
    }
  }
}
