import { Module } from '@nestjs/common';
import { McpRegistryModule } from './registry/mcp-registry.module';

/** MCP: the server registry and the MCP gateway (`/mcp`). */
@Module({
  imports: [McpRegistryModule],
})
export class McpModule {}
