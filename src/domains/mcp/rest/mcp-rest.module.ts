import { Module } from '@nestjs/common';
import { McpGatewayModule } from '../gateway/mcp-gateway.module';
import { McpRestController, McpToolsController } from './mcp-rest.controller';
import { McpRestService } from './mcp-rest.service';

/**
 * `GET /v1/mcp/tools` and the REST façade of the MCP gateway (`/mcp-rest/tools/list`,
 * `/mcp-rest/tools/call`), over the gateway's scope and tool-call code.
 */
@Module({
  imports: [McpGatewayModule],
  controllers: [McpToolsController, McpRestController],
  providers: [McpRestService],
})
export class McpRestModule {}
