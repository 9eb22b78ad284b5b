import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { CurrentAuth } from '../../../platform/auth/decorators';
import {
  McpRestToolCallRequest,
  McpRestToolCallResponse,
  McpRestToolsListQuery,
  McpRestToolsListResponse,
  McpToolsResponse,
} from './mcp-rest.dto';
import { McpRestService } from './mcp-rest.service';

const SERVERS =
  "The key's MCP servers are the MCP gateway's: its and its team's mcp_servers and access groups, allow_all_keys servers, those visible from the caller's address.";

/** E1 `GET /v1/mcp/tools`. */
@ApiTags('mcp')
@ApiBearerAuth('bearer')
@Controller('v1/mcp')
export class McpToolsController {
  constructor(private readonly rest: McpRestService) {}

  @Get('tools')
  @ApiOperation({
    summary: 'List the MCP tools your key may use',
    description: `Any key. Every permitted tool of every MCP server the key may use, named {server}-{tool} as the MCP gateway lists them; an unreachable server is left out. ${SERVERS}`,
  })
  @ApiOkResponse({ type: McpToolsResponse })
  listMcpTools(@CurrentAuth() auth: AuthContext, @Req() req: Request) {
    return this.rest.tools(auth, facts(req));
  }
}

/** The REST façade of the MCP gateway: list and call tools without an MCP client. */
@ApiTags('mcp')
@ApiBearerAuth('bearer')
@Controller('mcp-rest')
export class McpRestController {
  constructor(private readonly rest: McpRestService) {}

  @Get('tools/list')
  @ApiOperation({
    summary: 'List MCP tools (REST)',
    description: `Any key. The tools of the key's MCP servers (or of server_id's), by their upstream names, each with its server in mcp_info. A server_id the key may not use answers error "server_not_found", a failing server "server_error"; with every server failing, "partial_failure" (as LiteLLM). ${SERVERS}`,
  })
  @ApiOkResponse({ type: McpRestToolsListResponse })
  listMcpRestTools(
    @Query() query: McpRestToolsListQuery,
    @CurrentAuth() auth: AuthContext,
    @Req() req: Request,
  ) {
    return this.rest.listTools(auth, facts(req), query.server_id);
  }

  @Post('tools/call')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Call an MCP tool (REST)',
    description: `Any key. As a tools/call through the MCP gateway: the key's tool permissions, its rate limits, and a call_mcp_tool spend row. name is {server}-{tool}, or with server_id the upstream name alone. A tool the key may not call → 403 before anything is sent upstream. The answer is the upstream's CallToolResult. ${SERVERS}`,
  })
  @ApiOkResponse({ type: McpRestToolCallResponse })
  callMcpRestTool(
    @Body() body: McpRestToolCallRequest,
    @CurrentAuth() auth: AuthContext,
    @Req() req: Request,
  ) {
    return this.rest.callTool(auth, facts(req), body);
  }
}

function facts(req: Request) {
  return { headers: req.headers, ip: req.ip };
}
