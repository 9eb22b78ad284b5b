import { Module } from '@nestjs/common';
import { McpRegistryModule } from '../registry/mcp-registry.module';
import { McpOAuthCallerService } from './mcp-oauth-caller.service';
import { McpOAuthDiscoveryController } from './mcp-oauth-discovery.controller';
import { McpOAuthGatewayController } from './mcp-oauth-gateway.controller';
import { McpOAuthManagementController } from './mcp-oauth-management.controller';
import { McpOAuthSessionsService } from './mcp-oauth-sessions.service';
import { McpOAuthService } from './mcp-oauth.service';
import { McpTokenRefreshService } from './mcp-token-refresh.service';

/**
 * MCP OAuth: the discovery documents (`/.well-known/…`), the gateway's `/authorize`, `/token`,
 * `/register` and `/callback`, and the management routes under `/v1/mcp/server/oauth/…`.
 * Exports `McpTokenRefreshService`, which the MCP gateway calls before it uses a stored per-user token.
 */
@Module({
  imports: [McpRegistryModule],
  controllers: [McpOAuthDiscoveryController, McpOAuthManagementController, McpOAuthGatewayController],
  providers: [McpOAuthService, McpOAuthCallerService, McpOAuthSessionsService, McpTokenRefreshService],
  exports: [McpTokenRefreshService],
})
export class McpOAuthModule {}
