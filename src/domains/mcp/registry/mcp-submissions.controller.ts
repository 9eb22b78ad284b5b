import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../../../platform/audit/audit.service';
import { CurrentActor } from '../../../platform/audit/current-actor.decorator';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { CurrentAuth } from '../../../platform/auth/decorators';
import { ApiErrors } from '../../../platform/common/errors/api-errors.decorator';
import {
  McpServerNewRequest,
  McpServerRejectRequest,
  McpServerResponse,
  McpSubmissionsResponse,
} from './mcp-servers.dto';
import { McpSubmissionsService } from './mcp-submissions.service';

const SERVER_ID = { name: 'server_id', example: 'github-server-id' };

/**
 * Submissions of MCP servers for review (§1.3 E7–E10). Registered before McpServersController so
 * `GET /v1/mcp/server/submissions` is not read as a server id.
 */
@ApiTags('mcp')
@ApiBearerAuth('bearer')
@Controller('v1/mcp/server')
export class McpSubmissionsController {
  constructor(private readonly submissions: McpSubmissionsService) {}

  @Post('register')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Submit an MCP server for review',
    description:
      'Team keys of non-admins (proxy admins: 403, use POST /v1/mcp/server; a key without a team: 400). Same fields and checks as creating (400 here); stdio cannot be submitted. The server is pending_review and not served until a proxy admin approves it.',
  })
  @ApiCreatedResponse({ type: McpServerResponse })
  @ApiErrors(400)
  submitMcpServer(@Body() body: McpServerNewRequest, @CurrentActor() actor: Actor) {
    return this.submissions.submit(body, actor);
  }

  @Get('submissions')
  @ApiOperation({
    summary: 'List MCP server submissions',
    description:
      'Proxy admins and proxy admin viewers (403). Submitted servers, newest first (at most 500), with counts by status. Credentials are never returned.',
  })
  @ApiOkResponse({ type: McpSubmissionsResponse })
  listMcpSubmissions(@CurrentAuth() auth: AuthContext) {
    return this.submissions.submissions(auth);
  }

  @Put(':server_id/approve')
  @ApiOperation({
    summary: 'Approve an MCP server',
    description:
      'Proxy admins only (403). Unknown → 404; already active → 400 (a rejected server can be approved). The server is served on every pod within a second.',
  })
  @ApiParam(SERVER_ID)
  @ApiOkResponse({ type: McpServerResponse })
  @ApiErrors(400, 404)
  approveMcpServer(@Param('server_id') serverId: string, @CurrentActor() actor: Actor) {
    return this.submissions.approve(serverId, actor);
  }

  @Put(':server_id/reject')
  @ApiOperation({
    summary: 'Reject an MCP server',
    description:
      'Proxy admins only (403). Unknown → 404; already rejected → 400. An active server can be rejected: it stops being served.',
  })
  @ApiParam(SERVER_ID)
  @ApiOkResponse({ type: McpServerResponse })
  @ApiErrors(400, 404)
  rejectMcpServer(
    @Param('server_id') serverId: string,
    @Body() body: McpServerRejectRequest,
    @CurrentActor() actor: Actor,
  ) {
    return this.submissions.reject(serverId, actor, body.review_notes ?? undefined);
  }
}
