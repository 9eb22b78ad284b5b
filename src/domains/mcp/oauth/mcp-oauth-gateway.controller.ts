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
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../../platform/auth/decorators';
import { McpOAuthCallerService } from './mcp-oauth-caller.service';
import { OAuthErrorFilter } from './mcp-oauth-error.filter';
import { AUTHORIZE_FIELDS, CALLBACK_FIELDS, stringFields, TOKEN_FIELDS } from './mcp-oauth-params';
import { CallbackFailure, McpOAuthService } from './mcp-oauth.service';

/**
 * The gateway's OAuth endpoints for MCP clients (spec §2.7 E37–E40): `/authorize`, `/token`,
 * `/register` (per server and unnamed) and `/callback`. No LiteLLM key is needed (a browser and an
 * OAuth client call them); a key presented on `/token` is validated and the token stored for its
 * user. Left out of Swagger: they speak OAuth (forms, redirects, RFC 6749 errors), not the admin API.
 */
@ApiExcludeController()
@Public()
@UseFilters(OAuthErrorFilter)
@Controller()
export class McpOAuthGatewayController {
  constructor(
    private readonly oauth: McpOAuthService,
    private readonly callers: McpOAuthCallerService,
  ) {}

  @Get('authorize')
  authorizeAnyServer(@Query() query: unknown, @Req() req: Request, @Res() res: Response) {
    this.authorize(undefined, query, req, res);
  }

  @Get(':server/authorize')
  authorizeServer(
    @Param('server') name: string,
    @Query() query: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    this.authorize(name, query, req, res);
  }

  @Post('token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @Header('pragma', 'no-cache')
  tokenAnyServer(@Body() body: unknown, @Req() req: Request) {
    return this.token(undefined, body, req);
  }

  @Post(':server/token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @Header('pragma', 'no-cache')
  tokenServer(@Param('server') name: string, @Body() body: unknown, @Req() req: Request) {
    return this.token(name, body, req);
  }

  @Post('register')
  registerAnyClient(@Body() body: Record<string, unknown>, @Req() req: Request) {
    return this.register(undefined, body, req);
  }

  @Post(':server/register')
  registerClient(@Param('server') name: string, @Body() body: Record<string, unknown>, @Req() req: Request) {
    return this.register(name, body, req);
  }

  @Get('callback')
  callback(@Query() query: unknown, @Res() res: Response) {
    try {
      res.redirect(302, this.oauth.callbackRedirect(stringFields(query, CALLBACK_FIELDS)));
    } catch (e) {
      if (!(e instanceof CallbackFailure)) throw e;
      res.status(400).type('html').send(failurePage(e.message));
    }
  }

  private authorize(name: string | undefined, query: unknown, req: Request, res: Response) {
    const params = stringFields(query, AUTHORIZE_FIELDS);
    const server = this.oauth.gatewayServer(name, params.client_id, this.clientIp(req));
    res.redirect(302, this.oauth.authorizeUrl(server, params, this.oauth.baseUrl(req)));
  }

  private async token(name: string | undefined, body: unknown, req: Request) {
    const form = stringFields(body, TOKEN_FIELDS);
    const caller = await this.callers.optionalKey(req.headers);
    const server = this.oauth.gatewayServer(name, form.client_id, this.clientIp(req));
    return this.oauth.exchangeToken(server, form, this.oauth.baseUrl(req), caller);
  }

  /** The caller's address as the MCP gateway sees it (X-Forwarded-For only from a trusted proxy). */
  private clientIp(req: Request): string | null {
    return this.oauth.clientIp(req);
  }

  private register(name: string | undefined, body: Record<string, unknown>, req: Request) {
    const server = name === undefined ? undefined : this.oauth.findGatewayServer(name, this.clientIp(req));
    return this.oauth.registerClient(server, body ?? {}, this.oauth.baseUrl(req), name);
  }
}

function failurePage(message: string): string {
  const text = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><title>Authorization failed</title></head><body><h1>Authorization failed</h1><p>${text}</p></body></html>`;
}
