import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { CurrentAuth } from '../../../platform/auth/decorators';
import { McpHealthService } from './mcp-health.service';
import { McpServerHealthQuery, McpServerHealthResponse } from './mcp-servers.dto';

/** E6. Registered before McpServersController so `/v1/mcp/server/health` is not read as a server id. */
@ApiTags('mcp')
@ApiBearerAuth('bearer')
@Controller('v1/mcp/server')
export class McpHealthController {
  constructor(private readonly health: McpHealthService) {}

  @Get('health')
  @ApiOperation({
    summary: 'Check the health of MCP servers',
    description:
      "Any key; admins may check every server, others the servers they may use. Each server is sent an MCP initialize with its stored auth (10 s at most); servers that need a user's OAuth token, or whose auth has no stored value, and stdio servers are 'unknown'. Stored servers keep the result in status, last_health_check and health_check_error.",
  })
  @ApiOkResponse({ type: McpServerHealthResponse, isArray: true })
  checkMcpServerHealth(@Query() query: McpServerHealthQuery, @CurrentAuth() auth: AuthContext) {
    return this.health.serversHealth(auth, query.server_ids ?? []);
  }
}
