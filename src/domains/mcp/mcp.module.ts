import { Module } from '@nestjs/common';
import { McpGatewayModule } from './gateway/mcp-gateway.module';
import { McpOAuthModule } from './oauth/mcp-oauth.module';
import { McpRegistryModule } from './registry/mcp-registry.module';
import { McpRestModule } from './rest/mcp-rest.module';

/** MCP: the server registry, the MCP gateway (`/mcp`), its OAuth routes and its REST façade. */
@Module({
  imports: [McpRegistryModule, McpOAuthModule, McpRestModule, McpGatewayModule],
})
export class McpModule {}
