import { Module } from '@nestjs/common';
import { McpGatewayModule } from './gateway/mcp-gateway.module';
import { McpRegistryModule } from './registry/mcp-registry.module';

/** MCP: the server registry and the MCP gateway (`/mcp`). */
@Module({
  imports: [McpRegistryModule, McpGatewayModule],
})
export class McpModule {}
