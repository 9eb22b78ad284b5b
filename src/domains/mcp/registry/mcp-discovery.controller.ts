import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../../platform/audit/audit.service';
import { CurrentActor } from '../../../platform/audit/current-actor.decorator';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { CurrentAuth } from '../../../platform/auth/decorators';
import { ApiErrors } from '../../../platform/common/errors/api-errors.decorator';
import {
  McpDiscoverQuery,
  McpDiscoverResponse,
  McpMakePublicRequest,
  McpMakePublicResponse,
  McpOpenApiRegistryResponse,
} from './mcp-discovery.dto';
import { McpDiscoveryService } from './mcp-discovery.service';

/** E25–E27: which servers every address sees, and the curated lists admins add servers from. */
@ApiTags('mcp')
@ApiBearerAuth('bearer')
@Controller('v1/mcp')
export class McpDiscoveryController {
  constructor(private readonly discovery: McpDiscoveryService) {}

  @Post('make_public')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Make MCP servers visible from every address',
    description:
      "Proxy admins only. Replaces the stored litellm_settings.public_mcp_servers (LiteLLM_Config) with these ids; each must be a served server (404). A listed server is visible from any address even if available_on_public_internet is false; config.yaml's list still counts too. Every pod sees the change within a second.",
  })
  @ApiAcceptedResponse({ type: McpMakePublicResponse })
  @ApiErrors(404)
  makeMcpServersPublic(@Body() body: McpMakePublicRequest, @CurrentActor() actor: Actor) {
    return this.discovery.makePublic(body.mcp_server_ids, actor);
  }

  @Get('discover')
  @ApiOperation({
    summary: 'Browse well-known MCP servers',
    description:
      'Admin view only (proxy admins and viewers). A small curated list of public MCP servers to add, filtered by query (name, title, description) and category; the categories of the whole list.',
  })
  @ApiOkResponse({ type: McpDiscoverResponse })
  discoverMcpServers(@Query() query: McpDiscoverQuery, @CurrentAuth() auth: AuthContext) {
    return this.discovery.discover(auth, query.query, query.category);
  }

  @Get('openapi-registry')
  @ApiOperation({
    summary: 'Browse well-known OpenAPI specs',
    description:
      'Admin view only (proxy admins and viewers). A small curated list of OpenAPI specs an MCP server can be built from (spec_path).',
  })
  @ApiOkResponse({ type: McpOpenApiRegistryResponse })
  listMcpOpenApiRegistry(@CurrentAuth() auth: AuthContext) {
    return this.discovery.openapiRegistry(auth);
  }
}
