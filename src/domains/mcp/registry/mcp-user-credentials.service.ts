import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../../../platform/audit/audit.service';
import { ChangesService } from '../../../platform/audit/changes.service';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { badRequest, notFound } from '../../../platform/common/errors/api-error';
import { encryptSecret, secretsKey } from '../../../platform/common/secrets';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { decodeUserCredential } from './mcp-credentials';
import { McpRegistryService } from './mcp-registry.service';
import type { McpServer } from './mcp-server';

export const MCP_USER_CREDENTIALS_TABLE = 'LiteLLM_MCPUserCredentials';

/** A token refresh holds its row this long at most (the token request included). */
const REFRESH_TRANSACTION_MS = 45_000;

/** A per-user OAuth token as LiteLLM stores it in `credential_b64` (JSON, encrypted). */
export interface McpOauthCredential {
  type: 'oauth2';
  access_token: string;
  connected_at: string;
  refresh_token?: string;
  expires_at?: string;
  scopes?: string[];
}

export interface OauthTokenInput {
  access_token: string;
  refresh_token?: string | null;
  expires_in?: number | null;
  scopes?: string[] | null;
}

/**
 * `LiteLLM_MCPUserCredentials`: a user's own credential for a server (BYOK, §1.3 E18–E19) or an
 * OAuth token payload (E20–E23), one row per (user, server), encrypted. Values are never returned
 * and never audited (the audit row names the server only).
 */
@Injectable()
export class McpUserCredentialsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly changes: ChangesService,
    private readonly registry: McpRegistryService,
  ) {}

  /** E18: store (or, with save=false, only check) the caller's BYOK credential. */
  async saveByok(actor: Actor, serverId: string, credential: string, save: boolean) {
    const server = this.servedServer(serverId);
    if (!server.isByok) throw badRequest('This MCP server does not support BYOK credentials', 'server_id');
    const userId = requireUser(actor.auth);
    if (!save) return { server_id: serverId, has_credential: false };
    await this.write(actor, userId, serverId, credential);
    return { server_id: serverId, has_credential: true };
  }

  /** E19: the caller's row goes (a missing row is fine). */
  async deleteByok(actor: Actor, serverId: string) {
    const userId = requireUser(actor.auth);
    await this.remove(actor, userId, serverId, () => true);
    return { server_id: serverId, has_credential: false };
  }

  /** E20: an OAuth token for the caller; never overwrites a BYOK credential. */
  async saveOauth(actor: Actor, serverId: string, token: OauthTokenInput) {
    this.servedServer(serverId);
    const userId = requireUser(actor.auth);
    const existing = await this.row(userId, serverId);
    if (existing && !this.oauthPayload(existing.credential_b64))
      throw badRequest(
        `Existing credential for user ${userId} and server ${serverId} could not be verified as an OAuth2 token. Refusing to overwrite.`,
        'server_id',
      );
    const payload = await this.storeOauthCredential(userId, serverId, token, actor);
    return {
      server_id: serverId,
      has_credential: true,
      expires_at: payload.expires_at ?? null,
      is_expired: false,
    };
  }

  /** E21: only an OAuth row is deleted (a BYOK credential stays). */
  async deleteOauth(actor: Actor, serverId: string) {
    const userId = requireUser(actor.auth);
    await this.remove(actor, userId, serverId, (stored) => this.oauthPayload(stored) !== undefined);
    return { server_id: serverId, has_credential: false, is_expired: false };
  }

  /** E22. */
  async oauthStatus(auth: AuthContext, serverId: string) {
    const userId = requireUser(auth);
    const row = await this.row(userId, serverId);
    const payload = row ? this.oauthPayload(row.credential_b64) : undefined;
    if (!payload) return { server_id: serverId, has_credential: false, is_expired: false };
    return {
      server_id: serverId,
      has_credential: true,
      expires_at: payload.expires_at ?? null,
      is_expired: isExpired(payload),
      connected_at: payload.connected_at ?? null,
    };
  }

  /** E23: the caller's OAuth credentials, with the server's name where it is served. */
  async listOauth(auth: AuthContext) {
    const userId = requireUser(auth);
    const rows = await this.prisma.liteLLM_MCPUserCredentials.findMany({
      where: { user_id: userId },
      orderBy: { server_id: 'asc' },
    });
    return rows.flatMap((row) => {
      const payload = this.oauthPayload(row.credential_b64);
      if (!payload) return [];
      const server = this.registry.byId(row.server_id);
      return [
        {
          server_id: row.server_id,
          server_name: server?.serverName ?? null,
          alias: server?.alias ?? null,
          credential_type: 'oauth2',
          has_credential: true,
          expires_at: payload.expires_at ?? null,
          connected_at: payload.connected_at ?? null,
        },
      ];
    });
  }

  // ---- For the MCP gateway's OAuth flow --------------------------------------------------------

  /** The caller's stored OAuth payload for a server, decrypted; undefined when none. */
  async oauthCredential(userId: string, serverId: string): Promise<McpOauthCredential | undefined> {
    const row = await this.row(userId, serverId);
    return row ? this.oauthPayload(row.credential_b64) : undefined;
  }

  /** Stores (replaces) a user's OAuth token for a server, encrypted, as LiteLLM's payload. */
  async storeOauthCredential(
    userId: string,
    serverId: string,
    token: OauthTokenInput,
    actor?: Actor,
  ): Promise<McpOauthCredential> {
    const payload = oauthPayloadOf(token);
    if (actor) await this.write(actor, userId, serverId, JSON.stringify(payload));
    else await this.upsert(this.prisma, userId, serverId, JSON.stringify(payload));
    return payload;
  }

  /**
   * A refresh of the user's stored OAuth token, one pod at a time: the row is locked (`FOR UPDATE`)
   * while `refresh` runs, so a pod that comes second sees the first one's token when it gets the
   * lock. `refresh` gets the token stored now and answers the token to store, or undefined to keep
   * it; what is stored then is returned. A `refresh` that throws leaves the row as it was.
   */
  async refreshOauthCredential(
    userId: string,
    serverId: string,
    refresh: (current: McpOauthCredential | undefined) => Promise<OauthTokenInput | undefined>,
  ): Promise<McpOauthCredential | undefined> {
    return this.prisma.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<{ credential_b64: string }[]>`
          SELECT credential_b64 FROM "LiteLLM_MCPUserCredentials"
          WHERE user_id = ${userId} AND server_id = ${serverId} FOR UPDATE`;
        const current = row ? this.oauthPayload(row.credential_b64) : undefined;
        const token = await refresh(current);
        if (!token) return current;
        const payload = oauthPayloadOf(token);
        await this.upsert(tx, userId, serverId, JSON.stringify(payload));
        return payload;
      },
      // The token endpoint is called inside: its own deadline, plus the wait for another pod's turn.
      { maxWait: 10_000, timeout: REFRESH_TRANSACTION_MS },
    );
  }

  // ---- Rows ------------------------------------------------------------------------------------

  private async write(actor: Actor, userId: string, serverId: string, plain: string) {
    await this.changes.run(actor, async (change) => {
      const row = await this.upsert(change.tx, userId, serverId, plain);
      await change.audit({
        action: 'updated',
        table: MCP_USER_CREDENTIALS_TABLE,
        objectId: row.id,
        after: { user_id: userId, server_id: serverId, credential_b64: '[stored encrypted]' },
      });
    });
  }

  private upsert(
    db: Pick<PrismaService, 'liteLLM_MCPUserCredentials'>,
    userId: string,
    serverId: string,
    plain: string,
  ) {
    const credential_b64 = encryptSecret(plain, secretsKey(this.config));
    return db.liteLLM_MCPUserCredentials.upsert({
      where: { user_id_server_id: { user_id: userId, server_id: serverId } },
      create: { user_id: userId, server_id: serverId, credential_b64 },
      update: { credential_b64 },
      select: { id: true },
    });
  }

  private async remove(actor: Actor, userId: string, serverId: string, applies: (stored: string) => boolean) {
    await this.changes.run(actor, async (change) => {
      const row = await change.tx.liteLLM_MCPUserCredentials.findUnique({
        where: { user_id_server_id: { user_id: userId, server_id: serverId } },
      });
      if (!row || !applies(row.credential_b64)) return;
      await change.tx.liteLLM_MCPUserCredentials.delete({ where: { id: row.id } });
      await change.audit({
        action: 'deleted',
        table: MCP_USER_CREDENTIALS_TABLE,
        objectId: row.id,
        before: { user_id: userId, server_id: serverId, credential_b64: '[stored encrypted]' },
      });
    });
  }

  private row(userId: string, serverId: string) {
    return this.prisma.liteLLM_MCPUserCredentials.findUnique({
      where: { user_id_server_id: { user_id: userId, server_id: serverId } },
    });
  }

  private oauthPayload(stored: string): McpOauthCredential | undefined {
    const text = decodeUserCredential(stored, this.config.saltKey || this.config.masterKey || undefined);
    if (text === undefined) return undefined;
    try {
      const parsed = JSON.parse(text) as unknown;
      const ok =
        parsed !== null && typeof parsed === 'object' && (parsed as { type?: unknown }).type === 'oauth2';
      return ok ? (parsed as McpOauthCredential) : undefined;
    } catch {
      return undefined;
    }
  }

  private servedServer(serverId: string): McpServer {
    const server = this.registry.byId(serverId);
    if (!server) throw notFound(`MCP server ${serverId} not found`, 'server_id');
    return server;
  }
}

function requireUser(auth: AuthContext): string {
  if (!auth.userId) throw badRequest('User ID not found in token', 'user_id');
  return auth.userId;
}

function isExpired(payload: McpOauthCredential): boolean {
  if (!payload.expires_at) return false;
  const at = Date.parse(payload.expires_at);
  return Number.isFinite(at) && Date.now() > at;
}

/** LiteLLM's stored payload of a token answer, `expires_at` counted from now. */
function oauthPayloadOf(token: OauthTokenInput, now = new Date()): McpOauthCredential {
  const payload: McpOauthCredential = {
    type: 'oauth2',
    access_token: token.access_token,
    connected_at: now.toISOString(),
  };
  if (token.refresh_token) payload.refresh_token = token.refresh_token;
  if (token.expires_in !== undefined && token.expires_in !== null)
    payload.expires_at = new Date(now.getTime() + token.expires_in * 1000).toISOString();
  if (token.scopes?.length) payload.scopes = token.scopes;
  return payload;
}
