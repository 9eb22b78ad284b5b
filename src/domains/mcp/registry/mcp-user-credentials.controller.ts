import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../../platform/audit/audit.service';
import { CurrentActor } from '../../../platform/audit/current-actor.decorator';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { CurrentAuth } from '../../../platform/auth/decorators';
import { ApiErrors } from '../../../platform/common/errors/api-errors.decorator';
import { McpServerQueryService } from './mcp-server-query.service';
import {
  McpAccessGroupsResponse,
  McpClientIpResponse,
  McpOauthCredentialListItem,
  McpOauthCredentialStatusResponse,
  McpOauthUserCredentialRequest,
  McpUserCredentialRequest,
  McpUserCredentialStatusResponse,
} from './mcp-user-credentials.dto';
import { McpUserCredentialsService } from './mcp-user-credentials.service';

const SERVER_ID = { name: 'server_id', example: 'github-server-id' };
const NEEDS_USER = 'Any key with a user (400 "User ID not found in token" otherwise).';

/** The caller's own credentials for MCP servers (§1.3 E18–E23), the access-group list (E2) and the caller's address (E3). */
@ApiTags('mcp')
@ApiBearerAuth('bearer')
@Controller('v1/mcp')
export class McpUserCredentialsController {
  constructor(
    private readonly credentials: McpUserCredentialsService,
    private readonly query: McpServerQueryService,
  ) {}

  @Get('access_groups')
  @ApiOperation({
    summary: 'List MCP access groups',
    description: 'Any key. The mcp_access_groups of config.yaml servers and of every stored server, sorted.',
  })
  @ApiOkResponse({ type: McpAccessGroupsResponse })
  listMcpAccessGroups() {
    return this.query.accessGroups();
  }

  @Get('network/client-ip')
  @ApiOperation({
    summary: 'Your address as the MCP gateway sees it',
    description:
      'Any key. The address internal-only servers are checked against (mcp_internal_ip_ranges): X-Forwarded-For only with use_x_forwarded_for and a peer inside mcp_trusted_proxy_ranges.',
  })
  @ApiOkResponse({ type: McpClientIpResponse })
  getMcpClientIp(@Req() req: Request) {
    return this.query.clientIp(req);
  }

  @Post('server/:server_id/user-credential')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Store your credential for a BYOK MCP server',
    description: `${NEEDS_USER} Unknown server → 404; a server that is not BYOK → 400. Stored encrypted and used for your calls through the MCP gateway; never shown again. save=false stores nothing.`,
  })
  @ApiParam(SERVER_ID)
  @ApiOkResponse({ type: McpUserCredentialStatusResponse })
  @ApiErrors(400, 404)
  saveMcpUserCredential(
    @Param('server_id') serverId: string,
    @Body() body: McpUserCredentialRequest,
    @CurrentActor() actor: Actor,
  ) {
    return this.credentials.saveByok(actor, serverId, body.credential, body.save !== false);
  }

  @Delete('server/:server_id/user-credential')
  @ApiOperation({
    summary: 'Delete your BYOK credential for an MCP server',
    description: `${NEEDS_USER} None stored is fine.`,
  })
  @ApiParam(SERVER_ID)
  @ApiOkResponse({ type: McpUserCredentialStatusResponse })
  @ApiErrors(400)
  deleteMcpUserCredential(@Param('server_id') serverId: string, @CurrentActor() actor: Actor) {
    return this.credentials.deleteByok(actor, serverId);
  }

  @Post('server/:server_id/oauth-user-credential')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Store your OAuth token for an MCP server',
    description: `${NEEDS_USER} Unknown server → 404. Stored encrypted with its expiry; a BYOK credential already stored for the server is not overwritten (400).`,
  })
  @ApiParam(SERVER_ID)
  @ApiOkResponse({ type: McpOauthCredentialStatusResponse })
  @ApiErrors(400, 404)
  saveMcpOauthUserCredential(
    @Param('server_id') serverId: string,
    @Body() body: McpOauthUserCredentialRequest,
    @CurrentActor() actor: Actor,
  ) {
    return this.credentials.saveOauth(actor, serverId, body);
  }

  @Delete('server/:server_id/oauth-user-credential')
  @ApiOperation({
    summary: 'Delete your OAuth token for an MCP server',
    description: `${NEEDS_USER} A BYOK credential is left alone.`,
  })
  @ApiParam(SERVER_ID)
  @ApiOkResponse({ type: McpOauthCredentialStatusResponse })
  @ApiErrors(400)
  deleteMcpOauthUserCredential(@Param('server_id') serverId: string, @CurrentActor() actor: Actor) {
    return this.credentials.deleteOauth(actor, serverId);
  }

  @Get('server/:server_id/oauth-user-credential/status')
  @ApiOperation({ summary: 'Whether you hold an OAuth token for an MCP server', description: NEEDS_USER })
  @ApiParam(SERVER_ID)
  @ApiOkResponse({ type: McpOauthCredentialStatusResponse })
  @ApiErrors(400)
  getMcpOauthUserCredentialStatus(@Param('server_id') serverId: string, @CurrentAuth() auth: AuthContext) {
    return this.credentials.oauthStatus(auth, serverId);
  }

  @Get('user-credentials')
  @ApiOperation({
    summary: 'List your OAuth tokens for MCP servers',
    description: `${NEEDS_USER} Tokens are never shown.`,
  })
  @ApiOkResponse({ type: McpOauthCredentialListItem, isArray: true })
  @ApiErrors(400)
  listMcpUserCredentials(@CurrentAuth() auth: AuthContext) {
    return this.credentials.listOauth(auth);
  }
}
