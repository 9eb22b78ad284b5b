import { Module } from '@nestjs/common';
import { McpRegistryService } from './mcp-registry.service';
import { McpServerManagementService } from './mcp-server-management.service';
import { McpServerQueryService } from './mcp-server-query.service';
import { McpServersController } from './mcp-servers.controller';

/**
 * The MCP server registry: LiteLLM_MCPServerTable and friends, config.yaml's mcp_servers, the
 * /v1/mcp routes. Exports `McpRegistryService` (the `McpRegistry` the MCP gateway reads).
 */
@Module({
  controllers: [McpServersController],
  providers: [McpRegistryService, McpServerManagementService, McpServerQueryService],
  exports: [McpRegistryService],
})
export class McpRegistryModule {}
