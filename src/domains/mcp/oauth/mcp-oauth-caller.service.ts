import { Injectable } from '@nestjs/common';
import { AuthService } from '../../../platform/auth/auth.service';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { extractCredential } from '../../../platform/auth/credentials';
import { isProxyAdmin } from '../../../platform/auth/roles';
import { forbidden, notFound, unauthorized } from '../../../platform/common/errors/api-error';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { qualifiesForDelegation } from '../gateway/mcp-admission';
import { allowedServerIds, loadMcpPermissions } from '../gateway/mcp-permissions';
import { McpRegistryService } from '../registry/mcp-registry.service';
import type { McpServer } from '../registry/mcp-server';
import { McpOAuthSessionsService } from './mcp-oauth-sessions.service';

type Headers = Record<string, string | string[] | undefined>;

/** Who called an OAuth management route, and the server it names. */
export interface OAuthRouteCaller {
  /** The key's caller, or null for an anonymous caller on a qualifying delegate server. */
  auth: AuthContext | null;
  server: McpServer;
  /** A temporary server of E13 (never in the database: no per-user token is stored for it). */
  temporary: boolean;
}

/**
 * The auth dependency of E14/E15 (spec §2.6 rules 16–18): a presented credential is always
 * validated (garbage → LiteLLM 401, never an anonymous fallback); with none, an anonymous caller
 * is let through only for a server that qualifies for delegation (the gateway admission's own
 * predicate), and on `/token` only for `grant_type=authorization_code` (a refresh would spend the
 * stored client secret for anyone).
 */
@Injectable()
export class McpOAuthCallerService {
  constructor(
    private readonly auth: AuthService,
    private readonly prisma: PrismaService,
    private readonly registry: McpRegistryService,
    private readonly sessions: McpOAuthSessionsService,
  ) {}

  async admit(headers: Headers, serverId: string, grantType?: string | null): Promise<OAuthRouteCaller> {
    const credential = extractCredential(headers);
    if (credential !== undefined) {
      const auth = await this.auth.authenticate(credential);
      const found = await this.resolve(serverId);
      if (!found) throw notFound(`MCP server ${serverId} not found`, 'server_id');
      await this.checkAllowed(auth, found.server, found.temporary);
      return { auth, ...found };
    }
    const found = await this.resolve(serverId);
    if (!found || found.temporary || !qualifiesForDelegation(found.server))
      throw unauthorized('Authentication Error, No api key passed in.');
    if (grantType !== undefined && grantType !== 'authorization_code')
      throw unauthorized(
        'Authentication Error, only grant_type=authorization_code may be used without a LiteLLM key.',
      );
    return { auth: null, ...found };
  }

  /**
   * The gateway's `/token` (E38): no LiteLLM auth, but a key presented (`x-litellm-api-key`, or a
   * Bearer in `Authorization`) is validated, and names the user the token is stored for.
   */
  async optionalKey(headers: Headers): Promise<AuthContext | null> {
    const litellm = first(headers['x-litellm-api-key'])?.trim();
    const bearer = /^Bearer\s+\S/i.test(first(headers.authorization) ?? '');
    if (!litellm && !bearer) return null;
    return this.auth.authenticate(extractCredential(headers));
  }

  /** A key's caller for the standard-auth route E16: the server must exist and be allowed. */
  async keyCaller(auth: AuthContext, serverId: string): Promise<OAuthRouteCaller> {
    const found = await this.resolve(serverId);
    if (!found) throw notFound(`MCP server ${serverId} not found`, 'server_id');
    await this.checkAllowed(auth, found.server, found.temporary);
    return { auth, ...found };
  }

  /** Temporary servers first, then the registry by id, then by name (LiteLLM's order). */
  private async resolve(serverId: string): Promise<Omit<OAuthRouteCaller, 'auth'> | undefined> {
    const temporary = await this.sessions.find(serverId);
    if (temporary) return { server: temporary, temporary: true };
    const server = this.registry.byId(serverId) ?? this.registry.findByName(serverId);
    return server ? { server, temporary: false } : undefined;
  }

  /** Non-admins: no temporary servers, and only servers their key may use (§2.4). */
  private async checkAllowed(auth: AuthContext, server: McpServer, temporary: boolean) {
    if (auth.isMasterKey || isProxyAdmin(auth.role)) return;
    if (temporary) throw forbidden('Only proxy admins can use temporary MCP servers.');
    const permissions = auth.key
      ? await loadMcpPermissions(this.prisma, auth.key.token)
      : { unrestricted: false, key: emptyGrants(), team: null };
    if (!allowedServerIds(permissions, this.registry).has(server.serverId))
      throw forbidden(`You do not have access to MCP server ${server.serverId}.`);
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function emptyGrants() {
  return { servers: [], accessGroups: [], toolPermissions: null, blockedTools: [], accessGroupServerIds: [] };
}
