import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Actor } from '../../../platform/audit/audit.service';
import { CurrentActor } from '../../../platform/audit/current-actor.decorator';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { CurrentAuth, Public } from '../../../platform/auth/decorators';
import { ApiErrors } from '../../../platform/common/errors/api-errors.decorator';
import { McpServerNewRequest, McpServerResponse } from '../registry/mcp-servers.dto';
import { McpOAuthCallerService } from './mcp-oauth-caller.service';
import { OAuthErrorFilter } from './mcp-oauth-error.filter';
import { AUTHORIZE_FIELDS, stringFields, TOKEN_FIELDS } from './mcp-oauth-params';
import { McpOAuthSessionsService } from './mcp-oauth-sessions.service';
import {
  McpOAuthAuthorizeQuery,
  McpOAuthClientResponse,
  McpOAuthRegisterRequest,
  McpOAuthTokenRequest,
  McpOAuthTokenResponse,
} from './mcp-oauth.dto';
import { McpOAuthService } from './mcp-oauth.service';

const SERVER_ID = { name: 'server_id', example: 'github-server-id' };
const SPECIAL_AUTH =
  'A credential sent (x-litellm-api-key or Authorization) is always validated (401 if it is not a key). With none, only a server that qualifies for delegate_auth_to_upstream (oauth2, the flag true, not machine-to-machine, public) is served anonymously; any other → 401.';

/** The admin UI's OAuth flow for an MCP server (§1.3 E13–E16). */
@ApiTags('mcp')
@ApiBearerAuth('bearer')
@UseFilters(OAuthErrorFilter)
@Controller('v1/mcp/server/oauth')
export class McpOAuthManagementController {
  constructor(
    private readonly oauth: McpOAuthService,
    private readonly callers: McpOAuthCallerService,
    private readonly sessions: McpOAuthSessionsService,
  ) {}

  @Post('session')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a temporary MCP server for an OAuth flow',
    description:
      'Proxy admins only (403). The body of POST /v1/mcp/server; nothing is stored in the database: the server lives 300 s (in this pod and, with Redis, encrypted in Redis) so /authorize and /token can run before it is saved. A server_id of a stored server without credentials inherits its stored credentials. Credentials are never returned.',
  })
  @ApiOkResponse({ type: McpServerResponse })
  @ApiErrors(400)
  createMcpOauthSession(@Body() body: McpServerNewRequest, @CurrentActor() actor: Actor) {
    return this.sessions.createSession(body, actor);
  }

  @Public()
  @Get(':server_id/authorize')
  @ApiOperation({
    summary: "Start an MCP server's OAuth authorization",
    description: `${SPECIAL_AUTH} Redirects (302) to the server's authorization_url with the PKCE challenge and an encrypted state; the upstream returns to this proxy's /callback, which sends the code to redirect_uri. Temporary servers (E13) first, then by id, then by name; 404 when none. Non-admins: only servers their key may use (403).`,
  })
  @ApiParam(SERVER_ID)
  @ApiResponse({ status: 302, description: "Redirect to the upstream's authorization URL." })
  @ApiErrors(400, 401, 404)
  async authorizeMcpOauth(
    @Param('server_id') serverId: string,
    @Query() query: McpOAuthAuthorizeQuery,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const { server } = await this.callers.admit(req.headers, serverId);
    res.redirect(
      302,
      this.oauth.authorizeUrl(server, stringFields(query, AUTHORIZE_FIELDS), this.oauth.baseUrl(req)),
    );
  }

  @Public()
  @Post(':server_id/token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @Header('pragma', 'no-cache')
  @ApiOperation({
    summary: "Exchange an MCP server's OAuth code or refresh token",
    description: `${SPECIAL_AUTH} Without a key only grant_type=authorization_code is accepted (a refresh would spend the stored client secret). Form-encoded. Returns the upstream's token answer, never cached; the upstream's OAuth errors are passed on ({"error":"invalid_grant"} → 400). With a key whose user is known, the token is stored for that user, encrypted (as POST /v1/mcp/server/{server_id}/oauth-user-credential).`,
  })
  @ApiParam(SERVER_ID)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOkResponse({ type: McpOAuthTokenResponse })
  @ApiErrors(400, 401, 404)
  async exchangeMcpOauthToken(
    @Param('server_id') serverId: string,
    @Body() body: McpOAuthTokenRequest,
    @Req() req: Request,
  ) {
    const form = stringFields(body, TOKEN_FIELDS);
    const caller = await this.callers.admit(req.headers, serverId, form.grant_type ?? '');
    return this.oauth.exchangeToken(
      caller.server,
      form,
      this.oauth.baseUrl(req),
      caller.auth,
      !caller.temporary,
    );
  }

  @Post(':server_id/register')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Register an OAuth client for an MCP server',
    description:
      'Any key allowed on the server (403 otherwise; 404 unknown). RFC 7591 registration at the server\'s registration_url, with this proxy\'s /callback as the redirect URI; a server with a stored client_id, or without a registration_url, answers a placeholder client (client_secret "dummy"). Stored secrets are never returned.',
  })
  @ApiParam(SERVER_ID)
  @ApiOkResponse({ type: McpOAuthClientResponse })
  @ApiErrors(404)
  async registerMcpOauthClient(
    @Param('server_id') serverId: string,
    @Body() body: McpOAuthRegisterRequest,
    @CurrentAuth() auth: AuthContext,
    @Req() req: Request,
  ) {
    const { server } = await this.callers.keyCaller(auth, serverId);
    return this.oauth.registerClient(server, { ...body }, this.oauth.baseUrl(req));
  }
}
