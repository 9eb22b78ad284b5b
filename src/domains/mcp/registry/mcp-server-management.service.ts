import { Inject, Injectable, Logger } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../../platform/audit/audit.service';
import { ChangesService } from '../../../platform/audit/changes.service';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { isProxyAdmin } from '../../../platform/auth/roles';
import { badRequest, forbidden, notFound } from '../../../platform/common/errors/api-error';
import { secretsKey } from '../../../platform/common/secrets';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { encryptCredentials, storedCredentialsObject } from './mcp-credentials';
import { McpRegistryService } from './mcp-registry.service';
import { jsonObject } from './mcp-server-builder';
import { normaliseAlias, validateNames, validateServerFields } from './mcp-server-rules';
import { McpServerView, rowView } from './mcp-server-views';
import type { McpServerFieldsRequest, McpServerNewRequest, McpServerUpdateRequest } from './mcp-servers.dto';

export const MCP_SERVER_TABLE = 'LiteLLM_MCPServerTable';
type Data = Prisma.LiteLLM_MCPServerTableUncheckedCreateInput;
type Tx = Prisma.TransactionClient;

/** Columns copied as sent when not null (LiteLLM's `model_dump(exclude_none=True)`). */
const PLAIN_COLUMNS = [
  'server_name',
  'description',
  'transport',
  'auth_type',
  'url',
  'spec_path',
  'allowed_tools',
  'extra_headers',
  'instructions',
  'command',
  'authorization_url',
  'token_url',
  'registration_url',
  'byok_api_key_help_url',
  'source_url',
] as const;
const JSON_COLUMNS = ['tool_name_to_display_name', 'tool_name_to_description', 'static_headers'] as const;

/**
 * Creating, changing and deleting rows of `LiteLLM_MCPServerTable` (§1.3 E12, E24, E17): LiteLLM's
 * validation first, then proxy-admin only; credentials encrypted field by field and never
 * returned or audited; after commit every pod's registry reloads.
 */
@Injectable()
export class McpServerManagementService {
  private readonly logger = new Logger('mcp-servers');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly changes: ChangesService,
    private readonly audit: AuditService,
    private readonly registry: McpRegistryService,
  ) {}

  async createServer(body: McpServerNewRequest, actor: Actor): Promise<McpServerView> {
    validateServerFields(body, this.config.gateway.mcpStdioAllowedCommands);
    requireProxyAdmin(actor.auth, 'create');
    const serverId = body.server_id || undefined;
    const by = this.audit.actorId(actor.auth);
    const data: Data = {
      ...(serverId === undefined ? {} : { server_id: serverId }),
      ...this.columns(body, {}),
      // The flag only means something for oauth2: never store it set on another auth type.
      delegate_auth_to_upstream: body.auth_type === 'oauth2' && body.delegate_auth_to_upstream === true,
      alias: normaliseAlias(body.alias, body.server_name),
      approval_status: 'active',
      submitted_by: null,
      submitted_at: null,
      created_by: by,
      updated_by: by,
    };
    const view = await this.changes
      .run(actor, async (change) => {
        if (serverId !== undefined && (await exists(change.tx, serverId))) throw duplicate(serverId);
        const row = await change.tx.liteLLM_MCPServerTable.create({ data });
        const view = rowView(row);
        await change.audit({
          action: 'created',
          table: MCP_SERVER_TABLE,
          objectId: row.server_id,
          after: view,
        });
        return view;
      })
      .catch((e: unknown) => {
        // A concurrent create of the same id loses on the primary key: the same 400.
        if (serverId !== undefined && e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002')
          throw duplicate(serverId);
        throw e;
      });
    this.warnInternalDelegate(view);
    await this.registry.serversChanged();
    return view;
  }

  async updateServer(body: McpServerUpdateRequest, actor: Actor): Promise<McpServerView> {
    validateNames(body);
    requireProxyAdmin(actor.auth, 'update');
    const view = await this.changes.run(actor, async (change) => {
      const before = await change.tx.liteLLM_MCPServerTable.findUnique({
        where: { server_id: body.server_id },
      });
      if (!before) throw notFound(`MCP Server not found: ${body.server_id}`, 'server_id');
      validateServerFields(body, this.config.gateway.mcpStdioAllowedCommands, before);
      const authType = body.auth_type ?? before.auth_type;
      const data: Prisma.LiteLLM_MCPServerTableUncheckedUpdateInput = {
        ...this.columns(body, jsonObject(before.mcp_info)),
        ...this.credentialsUpdate(body, before),
        // Issue 13: the flag only means something for oauth2; never leave it set in the row otherwise.
        delegate_auth_to_upstream: authType === 'oauth2' && body.delegate_auth_to_upstream === true,
        updated_by: this.audit.actorId(actor.auth),
      };
      const alias = normaliseAlias(body.alias, body.server_name);
      if (alias !== null) data.alias = alias;
      const row = await change.tx.liteLLM_MCPServerTable.update({
        where: { server_id: body.server_id },
        data,
      });
      const after = rowView(row);
      await change.audit({
        action: 'updated',
        table: MCP_SERVER_TABLE,
        objectId: row.server_id,
        before: rowView(before),
        after,
      });
      return after;
    });
    this.warnInternalDelegate(view);
    await this.registry.serversChanged();
    return view;
  }

  async deleteServer(serverId: string, actor: Actor): Promise<void> {
    requireProxyAdmin(actor.auth, 'delete');
    await this.changes.run(actor, async (change) => {
      const before = await change.tx.liteLLM_MCPServerTable.findUnique({ where: { server_id: serverId } });
      if (!before) throw notFound(`MCP Server not found: ${serverId}`, 'server_id');
      await change.tx.liteLLM_MCPServerTable.delete({ where: { server_id: serverId } });
      await change.audit({
        action: 'deleted',
        table: MCP_SERVER_TABLE,
        objectId: serverId,
        before: rowView(before),
      });
    });
    await this.registry.serversChanged();
  }

  /** The columns a request sets, credentials encrypted. */
  private columns(body: McpServerFieldsRequest, storedInfo: Record<string, unknown>): Data {
    const data = serverColumns(body, storedInfo);
    if (body.credentials)
      data.credentials = encryptCredentials(body.credentials, this.saltKey) as Prisma.InputJsonObject;
    return data;
  }

  /**
   * E24: a new auth_type without credentials clears the stored ones; credentials with the same
   * auth_type are merged into the stored ones (new fields win); with a new auth_type they replace.
   */
  private credentialsUpdate(
    body: McpServerUpdateRequest,
    before: { auth_type: string | null; credentials: unknown },
  ): Pick<Data, 'credentials'> {
    const authTypeChanged =
      !!body.auth_type && before.auth_type !== null && body.auth_type !== before.auth_type;
    if (!body.credentials) return authTypeChanged ? { credentials: Prisma.DbNull } : {};
    const fresh = encryptCredentials(body.credentials, this.saltKey);
    if (authTypeChanged) return { credentials: fresh as Prisma.InputJsonObject };
    const stored = storedCredentialsObject(before.credentials, this.saltKey);
    return { credentials: { ...stored, ...fresh } as Prisma.InputJsonObject };
  }

  /** Spec §2.6 rule 20: anonymous internal callers reach an internal-only delegate server. */
  private warnInternalDelegate(view: McpServerView) {
    if (view.delegate_auth_to_upstream && !view.available_on_public_internet)
      this.logger.warn({
        msg: 'an internal-only MCP server delegates auth to its upstream: callers from internal IP ranges reach it without a LiteLLM key',
        server_id: view.server_id,
      });
  }

  private get saltKey(): string {
    return secretsKey(this.config);
  }
}

/**
 * The columns a request sets, credentials aside; `oauth2_flow` is stamped into `mcp_info` (the
 * baseline table has no column for it).
 */
export function serverColumns(body: McpServerFieldsRequest, storedInfo: Record<string, unknown>): Data {
  const data: Record<string, unknown> = {};
  for (const name of PLAIN_COLUMNS)
    if (body[name] !== undefined && body[name] !== null) data[name] = body[name];
  for (const name of JSON_COLUMNS)
    if (body[name] !== undefined && body[name] !== null) data[name] = body[name] as Prisma.InputJsonObject;
  const info = body.mcp_info ?? (body.oauth2_flow ? storedInfo : undefined);
  if (info) data.mcp_info = { ...info, ...(body.oauth2_flow ? { oauth2_flow: body.oauth2_flow } : {}) };
  return { ...(data as Data), ...defaultedColumns(body) };
}

/** Fields with defaults LiteLLM always writes (PUT replaces them when omitted, spec §9 rule 9). */
function defaultedColumns(body: McpServerFieldsRequest): Data {
  return {
    mcp_access_groups: body.mcp_access_groups ?? [],
    args: body.args ?? [],
    env: (body.env ?? {}) as Prisma.InputJsonObject,
    allow_all_keys: body.allow_all_keys ?? false,
    available_on_public_internet: body.available_on_public_internet ?? true,
    delegate_auth_to_upstream: body.delegate_auth_to_upstream ?? false,
    is_byok: body.is_byok ?? false,
    byok_description: body.byok_description ?? [],
  } as Data;
}

function requireProxyAdmin(auth: AuthContext, verb: 'create' | 'update' | 'delete') {
  if (!isProxyAdmin(auth.role))
    throw forbidden(
      `User does not have permission to ${verb} mcp servers. You can only ${verb} mcp servers if you are a PROXY_ADMIN.`,
    );
}

async function exists(tx: Tx, serverId: string): Promise<boolean> {
  const row = await tx.liteLLM_MCPServerTable.findUnique({
    where: { server_id: serverId },
    select: { server_id: true },
  });
  return row !== null;
}

function duplicate(serverId: string) {
  return badRequest(`MCP Server with id ${serverId} already exists. Cannot create another.`, 'server_id');
}
