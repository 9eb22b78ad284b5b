import { Module } from '@nestjs/common';
import { GatewayModule } from '../../gateway/gateway.module';
import { LimitsModule } from '../../gateway/limits/limits.module';
import { SpendModule } from '../../spend/spend.module';
import { McpOAuthModule } from '../oauth/mcp-oauth.module';
import { McpRegistryModule } from '../registry/mcp-registry.module';
import { McpRegistryService } from '../registry/mcp-registry.service';
import { McpAdmissionService } from './mcp-admission';
import { McpGatewayController } from './mcp-gateway.controller';
import { McpHttpService } from './mcp-http.service';
import { McpGatewayService } from './mcp-gateway.service';
import { MCP_REGISTRY } from './mcp-registry.token';
import { McpScopeService } from './mcp-scope.service';
import { McpSseController } from './mcp-sse.controller';
import { McpSseSessions } from './mcp-sse-sessions';
import { McpUpstreamService } from './mcp-upstream.service';

/**
 * The MCP gateway: `/mcp…` routes, the admission decision (delegate-auth rules), the allowed
 * servers, the upstream connections. Reuses the LLM gateway's subject cache and rate limiter and
 * the spend ledger.
 */
@Module({
  imports: [GatewayModule, LimitsModule, SpendModule, McpRegistryModule, McpOAuthModule],
  // The SSE routes first: `mcp/*path` would take `GET /mcp/sse` otherwise.
  controllers: [McpSseController, McpGatewayController],
  providers: [
    McpAdmissionService,
    McpScopeService,
    McpGatewayService,
    McpHttpService,
    McpUpstreamService,
    McpSseSessions,
    { provide: MCP_REGISTRY, useExisting: McpRegistryService },
  ],
  exports: [McpAdmissionService, McpUpstreamService, McpGatewayService, McpScopeService, MCP_REGISTRY],
})
export class McpGatewayModule {}
