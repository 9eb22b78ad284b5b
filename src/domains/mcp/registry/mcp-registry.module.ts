import { Module } from '@nestjs/common';

/** The MCP server registry: LiteLLM_MCPServerTable and friends, config.yaml's mcp_servers, the /v1/mcp routes. */
@Module({})
export class McpRegistryModule {}
