import { Controller, Get, Param, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../../../platform/auth/decorators';
import { McpRegistryService } from '../registry/mcp-registry.service';
import {
  type AuthorizationServerMetadata,
  authorizationServer,
  discoverableServer,
  onlyOauthServer,
  type ProtectedResourceMetadata,
  protectedResource,
} from './mcp-oauth-discovery';
import { McpOAuthService } from './mcp-oauth.service';

const PRM = '.well-known/oauth-protected-resource';
const ASM = '.well-known/oauth-authorization-server';

/**
 * OAuth discovery for MCP clients (spec §2.7 E33–E36), public by path prefix: protected-resource
 * metadata per server (standard `/mcp/{server}` and legacy `/{server}/mcp`), authorization-server
 * metadata pointing at the gateway's own `/authorize`, `/token`, `/register`, and the OpenID
 * documents. A named server that is unknown, not oauth2 or invisible from the caller's address is
 * a 404. Left out of Swagger: discovery documents for OAuth clients, not admin routes.
 */
@ApiExcludeController()
@Public()
@Controller()
export class McpOAuthDiscoveryController {
  constructor(
    private readonly registry: McpRegistryService,
    private readonly oauth: McpOAuthService,
  ) {}

  @Get(PRM)
  protectedResourceRoot(@Req() req: Request): ProtectedResourceMetadata {
    return protectedResource(this.oauth.baseUrl(req), onlyOauthServer(this.registry, this.clientIp(req)));
  }

  @Get(`${PRM}/mcp`)
  protectedResourceAggregate(@Req() req: Request): ProtectedResourceMetadata {
    return protectedResource(this.oauth.baseUrl(req), undefined);
  }

  @Get(`${PRM}/mcp/:server`)
  protectedResourceServer(@Param('server') name: string, @Req() req: Request): ProtectedResourceMetadata {
    return protectedResource(
      this.oauth.baseUrl(req),
      discoverableServer(this.registry, name, this.clientIp(req)),
    );
  }

  @Get(`${PRM}/:server/mcp`)
  protectedResourceLegacy(@Param('server') name: string, @Req() req: Request): ProtectedResourceMetadata {
    return protectedResource(
      this.oauth.baseUrl(req),
      discoverableServer(this.registry, name, this.clientIp(req)),
      true,
    );
  }

  @Get([ASM, `${ASM}/mcp`, '.well-known/openid-configuration'])
  authorizationServerRoot(@Req() req: Request): AuthorizationServerMetadata {
    return authorizationServer(this.oauth.baseUrl(req), undefined);
  }

  @Get([`${ASM}/mcp/:server`, `${ASM}/:server/mcp`, `${ASM}/:server`])
  authorizationServerNamed(@Param('server') name: string, @Req() req: Request): AuthorizationServerMetadata {
    return authorizationServer(
      this.oauth.baseUrl(req),
      discoverableServer(this.registry, name, this.clientIp(req)),
    );
  }

  @Get('.well-known/jwks.json')
  jwks() {
    return { keys: [] };
  }

  /** The caller's address as the MCP gateway sees it (X-Forwarded-For only from a trusted proxy). */
  private clientIp(req: Request): string | null {
    return this.registry.clientIp(req);
  }
}
