import { Injectable, Logger } from '@nestjs/common';
import type { McpServer } from '../registry/mcp-server';
import { type McpOauthCredential, McpUserCredentialsService } from '../registry/mcp-user-credentials.service';
import { tokenInput } from './mcp-oauth.service';
import { postTokenRequest } from './mcp-oauth-upstream';

/** A stored token is refreshed when it expires within this long. */
export const REFRESH_MARGIN_MS = 60_000;

/**
 * Keeps a user's stored OAuth token for an upstream MCP server fresh (issue 13: "refreshed before
 * expiry"). The gateway hands over the credential it read; when it is an OAuth payload that has
 * expired or expires within 60 s and holds a refresh_token, it is refreshed at the server's
 * token_url with the server's stored client credentials, stored (one upsert of that user's row),
 * and the new one used. One refresh per (user, server) at a time in this pod, and across pods: the
 * refresh holds the user's row (McpUserCredentialsService.refreshOauthCredential), so a pod that
 * comes second uses the token the first stored. A refresh that fails uses what another pod stored
 * meanwhile, else the old token (the upstream's 401 is relayed).
 */
@Injectable()
export class McpTokenRefreshService {
  private readonly logger = new Logger('mcp-oauth');
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(private readonly credentials: McpUserCredentialsService) {}

  /** The credential text to use: `stored` as is, or the refreshed payload as JSON. */
  async fresh(userId: string, server: McpServer, stored: string, now = Date.now()): Promise<string> {
    const payload = oauthPayload(stored);
    if (!payload?.refresh_token || !server.tokenUrl || !dueAt(payload, now)) return stored;
    const id = `${userId}\0${server.serverId}`;
    let running = this.inFlight.get(id);
    if (!running) {
      running = this.refresh(userId, server, payload, stored).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, running);
    }
    return running;
  }

  private async refresh(
    userId: string,
    server: McpServer,
    payload: McpOauthCredential,
    stored: string,
  ): Promise<string> {
    try {
      const next = await this.credentials.refreshOauthCredential(userId, server.serverId, async (current) => {
        // Another pod refreshed it while this one waited for the row: theirs is used, not refreshed again.
        if (current && current.access_token !== payload.access_token) return undefined;
        const token = await postTokenRequest(server.tokenUrl!, {
          grant_type: 'refresh_token',
          refresh_token: payload.refresh_token,
          client_id: server.credentials.clientId,
          client_secret: server.credentials.clientSecret,
        });
        if (typeof token.access_token !== 'string')
          throw new Error('the token endpoint answered no access_token');
        const input = tokenInput(token);
        // A server that does not rotate refresh tokens answers none: the old one stays valid.
        input.refresh_token ??= payload.refresh_token;
        input.scopes ??= payload.scopes ?? null;
        return input;
      });
      return next ? JSON.stringify(next) : stored;
    } catch (e) {
      this.logger.warn({
        msg: 'MCP OAuth token refresh failed',
        server_id: server.serverId,
        error: (e as Error).message,
      });
      const current = await this.credentials.oauthCredential(userId, server.serverId).catch(() => undefined);
      return current && current.access_token !== payload.access_token ? JSON.stringify(current) : stored;
    }
  }
}

function oauthPayload(text: string): McpOauthCredential | undefined {
  try {
    const parsed = JSON.parse(text) as McpOauthCredential;
    return parsed?.type === 'oauth2' && typeof parsed.access_token === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function dueAt(payload: McpOauthCredential, now: number): boolean {
  if (!payload.expires_at) return false;
  const at = Date.parse(payload.expires_at);
  return Number.isFinite(at) && at - now <= REFRESH_MARGIN_MS;
}
