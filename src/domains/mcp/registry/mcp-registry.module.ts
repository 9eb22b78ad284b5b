import { Module } from '@nestjs/common';
import { McpRegistryService } from './mcp-registry.service';

/**
 * The MCP server registry: LiteLLM_MCPServerTable and friends, config.yaml's mcp_servers, the
 * /v1/mcp routes. Exports `McpRegistryService` (the `McpRegistry` the MCP gateway reads).
 */
@Module({
  providers: [McpRegistryService],
  exports: [McpRegistryService],
})
export class McpRegistryModule {}
