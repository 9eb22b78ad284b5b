import { Module } from '@nestjs/common';
import { McpGatewayModule } from '../gateway/mcp-gateway.module';
import { McpRegistryModule } from '../registry/mcp-registry.module';
import { McpRestController, McpToolsController } from './mcp-rest.controller';
import { McpRestService } from './mcp-rest.service';

/**
 * `GET /v1/mcp/tools` and the REST façade of the MCP gateway (`/mcp-rest/tools/list`,
 * `/mcp-rest/tools/call`), over the gateway's scope and tool-call code.
 */
@Module({
  imports: [McpGatewayModule, McpRegistryModule],
  controllers: [McpToolsController, McpRestController],
  providers: [McpRestService],
})
export class McpRestModule {}
