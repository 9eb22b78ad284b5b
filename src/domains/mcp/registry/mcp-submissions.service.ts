import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../../platform/audit/audit.service';
import { ChangesService } from '../../../platform/audit/changes.service';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { isAdminViewer, isProxyAdmin } from '../../../platform/auth/roles';
import { ApiError, badRequest, forbidden, notFound } from '../../../platform/common/errors/api-error';
import { secretsKey } from '../../../platform/common/secrets';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { encryptCredentials } from './mcp-credentials';
import { McpRegistryService } from './mcp-registry.service';
import { checkRequiredFieldNames, checkRequiredFields } from './mcp-required-fields';
import { MCP_SERVER_TABLE, serverColumns } from './mcp-server-management.service';
import { normaliseAlias, validateServerFields } from './mcp-server-rules';
import { McpServerView, rowView } from './mcp-server-views';
import type { McpServerNewRequest } from './mcp-servers.dto';

/** Rows `/v1/mcp/server/submissions` returns at most (LiteLLM's cap). */
const SUBMISSIONS_CAP = 500;

/**
 * The submission lifecycle (§1.3 E7–E10): a team member submits a server (pending_review, never
 * served), a proxy admin approves it (active: served on every pod) or rejects it.
 */
@Injectable()
export class McpSubmissionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly changes: ChangesService,
    private readonly audit: AuditService,
    private readonly registry: McpRegistryService,
  ) {
    checkRequiredFieldNames(config.gateway.mcpRequiredFields);
  }

  /** E7. */
  async submit(body: McpServerNewRequest, actor: Actor): Promise<McpServerView> {
    const auth = actor.auth;
    if (isProxyAdmin(auth.role))
      throw forbidden('PROXY_ADMIN users should use POST /v1/mcp/server to create MCP servers directly.');
    if (!auth.teamId)
      throw badRequest(
        'Registration requires an API key associated with a team. Use a team key to submit an MCP server.',
      );
    if ((body.transport ?? 'sse') === 'stdio')
      throw badRequest('stdio MCP servers cannot be submitted for review.', 'transport');
    try {
      validateServerFields(body, this.config.gateway.mcpStdioAllowedCommands);
    } catch (e) {
      throw e instanceof ApiError ? badRequest(e.message, e.param) : e;
    }
    checkRequiredFields(body, this.config.gateway.mcpRequiredFields);
    const by = this.audit.actorId(auth);
    return this.changes.run(actor, async (change) => {
      const row = await change.tx.liteLLM_MCPServerTable.create({
        data: {
          ...(body.server_id ? { server_id: body.server_id } : {}),
          ...serverColumns(body, {}),
          ...(body.credentials
            ? {
                credentials: encryptCredentials(
                  body.credentials,
                  secretsKey(this.config),
                ) as Prisma.InputJsonObject,
              }
            : {}),
          alias: normaliseAlias(body.alias, body.server_name),
          delegate_auth_to_upstream: body.auth_type === 'oauth2' && body.delegate_auth_to_upstream === true,
          approval_status: 'pending_review',
          submitted_by: auth.userId,
          submitted_at: new Date(),
          created_by: by,
          updated_by: by,
        },
      });
      const view = rowView(row);
      await change.audit({
        action: 'created',
        table: MCP_SERVER_TABLE,
        objectId: row.server_id,
        after: view,
      });
      return view;
    });
  }

  /** E8: submitted rows, newest first, with counts over them. */
  async submissions(auth: AuthContext) {
    if (!isAdminViewer(auth.role)) throw forbidden('Only proxy admins can view MCP server submissions.');
    const rows = await this.prisma.liteLLM_MCPServerTable.findMany({
      where: { submitted_at: { not: null } },
      orderBy: { submitted_at: 'desc' },
      take: SUBMISSIONS_CAP,
    });
    const items = rows.map(rowView);
    const count = (status: string) => items.filter((i) => i.approval_status === status).length;
    return {
      total: items.length,
      pending_review: count('pending_review'),
      active: count('active'),
      rejected: count('rejected'),
      items,
    };
  }

  /** E9: rejected → active is allowed; already active → 400. */
  approve(serverId: string, actor: Actor): Promise<McpServerView> {
    return this.review(serverId, actor, 'active', undefined);
  }

  /** E10: active → rejected is allowed (the server stops being served); already rejected → 400. */
  reject(serverId: string, actor: Actor, reviewNotes: string | undefined): Promise<McpServerView> {
    return this.review(serverId, actor, 'rejected', reviewNotes);
  }

  private async review(
    serverId: string,
    actor: Actor,
    status: 'active' | 'rejected',
    reviewNotes: string | undefined,
  ): Promise<McpServerView> {
    if (!isProxyAdmin(actor.auth.role))
      throw forbidden(`Only proxy admins can ${status === 'active' ? 'approve' : 'reject'} MCP servers.`);
    const { view, served } = await this.changes.run(actor, async (change) => {
      const before = await change.tx.liteLLM_MCPServerTable.findUnique({ where: { server_id: serverId } });
      if (!before) throw notFound(`MCP server ${serverId} not found`, 'server_id');
      if (before.approval_status === status)
        throw badRequest(`MCP server is already ${status}.`, 'server_id');
      const row = await change.tx.liteLLM_MCPServerTable.update({
        where: { server_id: serverId },
        data: {
          approval_status: status,
          reviewed_at: new Date(),
          updated_by: this.audit.actorId(actor.auth),
          ...(reviewNotes !== undefined ? { review_notes: reviewNotes } : {}),
        },
      });
      const view = rowView(row);
      await change.audit({
        action: 'updated',
        table: MCP_SERVER_TABLE,
        objectId: serverId,
        before: rowView(before),
        after: view,
      });
      const wasServed = before.approval_status === 'active' || before.approval_status === null;
      return { view, served: wasServed || status === 'active' };
    });
    if (served) await this.registry.serversChanged();
    return view;
  }
}
