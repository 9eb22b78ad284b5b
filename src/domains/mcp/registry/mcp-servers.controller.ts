import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import type { Actor } from '../../../platform/audit/audit.service';
import { CurrentActor } from '../../../platform/audit/current-actor.decorator';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { CurrentAuth } from '../../../platform/auth/decorators';
import { ApiErrors } from '../../../platform/common/errors/api-errors.decorator';
import { McpServerManagementService } from './mcp-server-management.service';
import { McpServerQueryService } from './mcp-server-query.service';
import {
  McpServerListQuery,
  McpServerNewRequest,
  McpServerResponse,
  McpServerUpdateRequest,
} from './mcp-servers.dto';

const SANITISED =
  'Credentials are never returned. Callers without admin view do not see url, headers, OAuth endpoints or the stdio command; restricted keys (allowed_routes) see less still.';
const SERVER_ID = { name: 'server_id', example: 'github-server-id' };

@ApiTags('mcp')
@ApiBearerAuth('bearer')
@Controller('v1/mcp/server')
export class McpServersController {
  constructor(
    private readonly management: McpServerManagementService,
    private readonly query: McpServerQueryService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create an MCP server',
    description:
      'Proxy admins only (403), checked after the request is validated. http and sse need url (or spec_path); stdio is refused (400: stdio servers come from the config file only). server_name and alias may not contain "-" (400); alias defaults to server_name with spaces as "_". Reserved or existing server_id → 400. Credentials are stored encrypted and never returned. Served by every pod within a second.',
  })
  @ApiCreatedResponse({ type: McpServerResponse })
  @ApiErrors(400)
  createMcpServer(@Body() body: McpServerNewRequest, @CurrentActor() actor: Actor) {
    return this.management.createServer(body, actor);
  }

  @Get()
  @ApiOperation({
    summary: 'List MCP servers',
    description: `Any key. Admins see every served server (config.yaml and active rows); others the servers their key and team grant plus allow_all_keys ones. team_id: the team's servers (members and admins only; restricted keys 403). ${SANITISED}`,
  })
  @ApiOkResponse({ type: McpServerResponse, isArray: true })
  listMcpServers(@Query() query: McpServerListQuery, @CurrentAuth() auth: AuthContext) {
    return this.query.listServers(auth, query.team_id);
  }

  @Get(':server_id')
  @ApiOperation({
    summary: 'Get an MCP server',
    description: `Any key. A stored server of any approval status, else a config.yaml server by id or name (one internal-only to the caller's address is unknown); unknown → 404. Others than admins need the server in their key's own mcp_servers (403). A served server is health-checked live (an MCP initialize, 10 s at most): status, last_health_check and health_check_error are the check's. ${SANITISED}`,
  })
  @ApiParam(SERVER_ID)
  @ApiOkResponse({ type: McpServerResponse })
  @ApiErrors(404)
  getMcpServer(@Param('server_id') serverId: string, @CurrentAuth() auth: AuthContext, @Req() req: Request) {
    return this.query.serverInfo(auth, serverId, req);
  }

  @Put()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Update an MCP server',
    description:
      'Proxy admins only. Fields sent replace the stored ones; as in LiteLLM, the defaulted fields (mcp_access_groups, args, env, allow_all_keys, available_on_public_internet, delegate_auth_to_upstream, is_byok, byok_description) are reset to their defaults when omitted. A new auth_type without credentials clears the stored credentials; credentials with the same auth_type are merged into the stored ones. delegate_auth_to_upstream is cleared unless the server is oauth2. Unknown server_id → 404.',
  })
  @ApiAcceptedResponse({ type: McpServerResponse })
  @ApiErrors(400, 404)
  updateMcpServer(@Body() body: McpServerUpdateRequest, @CurrentActor() actor: Actor) {
    return this.management.updateServer(body, actor);
  }

  @Delete(':server_id')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Delete an MCP server',
    description:
      'Proxy admins only. Unknown id → 404. Key and team permission lists naming it are left as they are (as in LiteLLM). Empty answer.',
  })
  @ApiParam(SERVER_ID)
  @ApiAcceptedResponse({
    description: 'Deleted; the body is empty (as in LiteLLM).',
    schema: { type: 'string', maxLength: 0, example: '' },
  })
  @ApiErrors(404)
  async deleteMcpServer(@Param('server_id') serverId: string, @CurrentActor() actor: Actor): Promise<void> {
    await this.management.deleteServer(serverId, actor);
  }
}
