import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '../../../platform/audit/audit.service';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { badRequest, notFound } from '../../../platform/common/errors/api-error';
import { secretsKey } from '../../../platform/common/secrets';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { findByName } from '../gateway/mcp-admission';
import { clientIpPolicy, inRanges, type McpClientIpPolicy, normaliseIp } from '../gateway/mcp-visibility';
import { McpRegistryService } from '../registry/mcp-registry.service';
import type { McpServer } from '../registry/mcp-server';
import { McpUserCredentialsService, type OauthTokenInput } from '../registry/mcp-user-credentials.service';
import { baseUrlOf, checkRedirectUri } from './mcp-oauth-redirect';
import { decodeFlowState, encodeFlowState } from './mcp-oauth-state';
import { OAuthProtocolError, postRegistration, postTokenRequest } from './mcp-oauth-upstream';

/** Query of `/authorize` (E14, E37). */
export interface AuthorizeParams {
  redirect_uri?: string;
  client_id?: string;
  state?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  response_type?: string;
  scope?: string;
}

/** Form of `/token` (E15, E38). */
export interface TokenParams {
  grant_type?: string;
  code?: string;
  redirect_uri?: string;
  client_id?: string;
  client_secret?: string;
  code_verifier?: string;
  refresh_token?: string;
  scope?: string;
}

/** Query of `/callback` (E40). */
export interface CallbackParams {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
  error_uri?: string;
}

/** `/callback` cannot go back to the client: a plain HTML page with status 400. */
export class CallbackFailure extends Error {}

/**
 * The gateway's OAuth authorization-code flow in front of an upstream MCP server's authorization
 * server (spec §2.7): `/authorize` redirects upstream with the client's PKCE challenge and the
 * gateway's encrypted state, `/callback` returns the code to the client's validated redirect URI,
 * `/token` exchanges it (with the server's stored client credentials) and, when a LiteLLM user
 * is known, stores the token for that user, encrypted, as E20 does.
 */
@Injectable()
export class McpOAuthService {
  private readonly logger = new Logger('mcp-oauth');
  private readonly ipPolicy: McpClientIpPolicy;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: McpRegistryService,
    private readonly credentials: McpUserCredentialsService,
  ) {
    this.ipPolicy = clientIpPolicy(config.gateway);
  }

  /** This proxy's base URL as the client reached it (forwarded headers from a trusted proxy only). */
  baseUrl(req: Request): string {
    const peer = normaliseIp(req.socket?.remoteAddress ?? req.ip);
    const { useXForwardedFor, anyTrustedProxy, trustedProxies } = this.ipPolicy;
    return baseUrlOf(req, useXForwardedFor && anyTrustedProxy && !!peer && inRanges(peer, trustedProxies));
  }

  /**
   * The server a gateway route names (E37–E39): by path name among servers visible from the
   * caller's address, else by `client_id`, else the only oauth2 server. 404 when none.
   */
  gatewayServer(name: string | undefined, clientId: string | undefined, ip: string | null): McpServer {
    const visible = this.registry.all().filter((s) => this.registry.visibleFrom(s, ip));
    let server: McpServer | undefined;
    if (name !== undefined) server = findByName(this.registry, name, ip);
    else if (clientId)
      server = visible.find((s) => s.credentials.clientId === clientId || s.name === clientId);
    if (!server && name === undefined) {
      const oauth = visible.filter((s) => s.authType === 'oauth2');
      if (oauth.length === 1) server = oauth[0];
    }
    if (!server) throw notFound('MCP server not found', 'server');
    return server;
  }

  /** The caller's address as the MCP gateway sees it. */
  clientIp(req: { ip?: string; headers: Record<string, string | string[] | undefined> }): string | null {
    return this.registry.clientIp(req);
  }

  /** A visible server by path name, or undefined (registration answers a placeholder then). */
  findGatewayServer(name: string, ip: string | null): McpServer | undefined {
    return findByName(this.registry, name, ip);
  }

  /** The upstream authorization URL the client is redirected to. */
  authorizeUrl(server: McpServer, q: AuthorizeParams, baseUrl: string): string {
    if (server.authType !== 'oauth2')
      throw badRequest('MCP server is not an OAuth2 server', 'server_not_oauth2');
    const redirectUri = checkRedirectUri(q.redirect_uri, baseUrl, this.config.gateway.mcpTrustedRedirectUris);
    if (!server.authorizationUrl)
      throw badRequest('MCP server has no authorization_url', 'authorization_url');
    // PKCE with S256 only (the discovery documents say so); `plain` would show the verifier upstream.
    if (q.code_challenge_method && q.code_challenge_method !== 'S256')
      throw badRequest('code_challenge_method must be S256', 'code_challenge_method');
    const clientId = server.credentials.clientId ?? q.client_id;
    if (!clientId)
      throw badRequest('missing_client_id: no client_id is stored for the server or given', 'client_id');
    const state = encodeFlowState(
      {
        server_id: server.serverId,
        redirect_uri: redirectUri,
        state: q.state ?? '',
        code_challenge: q.code_challenge,
        code_challenge_method: q.code_challenge_method,
        base_url: baseUrl,
      },
      secretsKey(this.config),
    );
    const url = new URL(server.authorizationUrl);
    const params: Record<string, string | undefined> = {
      client_id: clientId,
      redirect_uri: `${baseUrl}/callback`,
      response_type: q.response_type || 'code',
      state,
      code_challenge: q.code_challenge,
      code_challenge_method: q.code_challenge ? q.code_challenge_method || 'S256' : undefined,
      scope: q.scope ?? server.credentials.scopes?.join(' '),
    };
    for (const [name, value] of Object.entries(params)) if (value) url.searchParams.set(name, value);
    return url.toString();
  }

  /** Where `/callback` sends the browser: the client's redirect URI with the code (or the error) and its state. */
  callbackRedirect(q: CallbackParams): string {
    if (!q.state) throw new CallbackFailure('The authorization server sent no state.');
    const flow = decodeFlowState(q.state, secretsKey(this.config));
    if (!flow) throw new CallbackFailure('The authorization state is invalid or has expired (10 minutes).');
    const target = new URL(flow.redirect_uri);
    const out: Record<string, string | undefined> = q.error
      ? { error: q.error, error_description: q.error_description, error_uri: q.error_uri }
      : { code: q.code };
    if (!q.error && !q.code) throw new CallbackFailure('The authorization server sent no code.');
    for (const [name, value] of Object.entries(out)) if (value) target.searchParams.set(name, value);
    if (flow.state) target.searchParams.set('state', flow.state);
    return target.toString();
  }

  /**
   * The token exchange at the upstream: `authorization_code` (the code, the gateway's callback as
   * redirect_uri, the client's PKCE verifier) or `refresh_token`; the server's stored client
   * credentials win over the form's. With a known LiteLLM user the token is stored for them.
   */
  async exchangeToken(
    server: McpServer,
    form: TokenParams,
    baseUrl: string,
    caller: AuthContext | null,
    storable = true,
  ): Promise<Record<string, unknown>> {
    if (!server.tokenUrl) throw new OAuthProtocolError(400, 'invalid_request', 'MCP server has no token_url');
    const client = {
      client_id: server.credentials.clientId ?? form.client_id,
      client_secret: server.credentials.clientSecret ?? form.client_secret,
    };
    let params: Record<string, string | undefined>;
    if (form.grant_type === 'authorization_code') {
      if (!form.code) throw new OAuthProtocolError(400, 'invalid_request', 'code is required');
      params = {
        grant_type: 'authorization_code',
        code: form.code,
        redirect_uri: `${baseUrl}/callback`,
        code_verifier: form.code_verifier,
        ...client,
      };
    } else if (form.grant_type === 'refresh_token') {
      if (!form.refresh_token)
        throw new OAuthProtocolError(400, 'invalid_request', 'refresh_token is required');
      params = {
        grant_type: 'refresh_token',
        refresh_token: form.refresh_token,
        scope: form.scope,
        ...client,
      };
    } else {
      throw new OAuthProtocolError(
        400,
        'unsupported_grant_type',
        'grant_type must be authorization_code or refresh_token',
      );
    }
    const token = await postTokenRequest(server.tokenUrl, params);
    if (caller?.userId && storable && typeof token.access_token === 'string')
      await this.storeForUser({ auth: caller }, server, token);
    return token;
  }

  /**
   * E16/E39: RFC 7591 registration. A server with a stored client_id, or without a
   * registration_url, gets LiteLLM's placeholder client; otherwise the upstream registers the
   * client with the gateway's callback as its redirect URI. Stored secrets are never returned.
   */
  async registerClient(
    server: McpServer | undefined,
    body: Record<string, unknown>,
    baseUrl: string,
    name?: string,
  ): Promise<Record<string, unknown>> {
    const callback = `${baseUrl}/callback`;
    if (!server || server.credentials.clientId || !server.registrationUrl)
      return {
        client_id: server?.credentials.clientId ?? server?.name ?? name ?? 'dummy_client',
        client_secret: 'dummy',
        redirect_uris: [callback],
      };
    return postRegistration(server.registrationUrl, {
      ...body,
      redirect_uris: [callback],
      grant_types: body.grant_types ?? ['authorization_code', 'refresh_token'],
      response_types: body.response_types ?? ['code'],
      token_endpoint_auth_method: body.token_endpoint_auth_method ?? 'client_secret_post',
    });
  }

  /** Best effort: a failed write is logged (names only) and the client still gets its token. */
  private async storeForUser(actor: Actor, server: McpServer, token: Record<string, unknown>) {
    try {
      await this.credentials.saveOauth(actor, server.serverId, tokenInput(token));
    } catch (e) {
      this.logger.warn({
        msg: 'MCP OAuth token not stored for the user',
        server_id: server.serverId,
        error: (e as Error).message,
      });
    }
  }
}

/** A token endpoint answer as E20's input. */
export function tokenInput(token: Record<string, unknown>): OauthTokenInput {
  const expiresIn = Number(token.expires_in);
  return {
    access_token: String(token.access_token),
    refresh_token: typeof token.refresh_token === 'string' ? token.refresh_token : null,
    expires_in: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : null,
    scopes: typeof token.scope === 'string' && token.scope ? token.scope.split(' ') : null,
  };
}
