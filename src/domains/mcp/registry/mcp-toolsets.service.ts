import { Injectable } from '@nestjs/common';
import { LiteLLM_MCPToolsetTable, Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../../platform/audit/audit.service';
import { ChangesService } from '../../../platform/audit/changes.service';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { isAdminViewer, isProxyAdmin } from '../../../platform/auth/roles';
import { conflict, forbidden, notFound } from '../../../platform/common/errors/api-error';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { McpRegistryService } from './mcp-registry.service';
import type { McpToolsetNewRequest, McpToolsetUpdateRequest } from './mcp-toolsets.dto';

export const MCP_TOOLSET_TABLE = 'LiteLLM_MCPToolsetTable';

/**
 * `LiteLLM_MCPToolsetTable` (§1.3 E28–E32): named sets of {server_id, tool_name} that keys and
 * teams are granted through `object_permission.mcp_toolsets`. Writes are proxy-admin only; a
 * non-admin reads only the toolsets its key is granted.
 */
@Injectable()
export class McpToolsetsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly changes: ChangesService,
    private readonly audit: AuditService,
    private readonly registry: McpRegistryService,
  ) {}

  async createToolset(body: McpToolsetNewRequest, actor: Actor): Promise<LiteLLM_MCPToolsetTable> {
    requireProxyAdmin(actor.auth, 'create');
    const by = this.audit.actorId(actor.auth);
    const row = await this.uniqueName(body.toolset_name, () =>
      this.changes.run(actor, async (change) => {
        await this.assertNameFree(change.tx, body.toolset_name);
        const row = await change.tx.liteLLM_MCPToolsetTable.create({
          data: {
            toolset_name: body.toolset_name,
            description: body.description ?? null,
            tools: toolsJson(body.tools),
            created_by: by,
            updated_by: by,
          },
        });
        await change.audit({
          action: 'created',
          table: MCP_TOOLSET_TABLE,
          objectId: row.toolset_id,
          after: row,
        });
        return row;
      }),
    );
    await this.registry.serversChanged();
    return row;
  }

  async listToolsets(auth: AuthContext): Promise<LiteLLM_MCPToolsetTable[]> {
    if (isAdminViewer(auth.role))
      return this.prisma.liteLLM_MCPToolsetTable.findMany({ orderBy: { created_at: 'asc' } });
    const granted = await this.grantedToolsets(auth);
    if (granted.length === 0) return [];
    return this.prisma.liteLLM_MCPToolsetTable.findMany({
      where: { toolset_id: { in: granted } },
      orderBy: { created_at: 'asc' },
    });
  }

  async toolsetInfo(auth: AuthContext, toolsetId: string): Promise<LiteLLM_MCPToolsetTable> {
    if (!isAdminViewer(auth.role) && !(await this.grantedToolsets(auth)).includes(toolsetId))
      throw forbidden(`You do not have access to toolset ${toolsetId}`);
    const row = await this.prisma.liteLLM_MCPToolsetTable.findUnique({ where: { toolset_id: toolsetId } });
    if (!row) throw notFound(`Toolset ${toolsetId} not found`, 'toolset_id');
    return row;
  }

  async updateToolset(body: McpToolsetUpdateRequest, actor: Actor): Promise<LiteLLM_MCPToolsetTable> {
    requireProxyAdmin(actor.auth, 'update');
    const name = body.toolset_name ?? undefined;
    const row = await this.uniqueName(name, () =>
      this.changes.run(actor, async (change) => {
        const before = await change.tx.liteLLM_MCPToolsetTable.findUnique({
          where: { toolset_id: body.toolset_id },
        });
        if (!before) throw notFound(`Toolset ${body.toolset_id} not found`, 'toolset_id');
        if (name !== undefined && name !== before.toolset_name) await this.assertNameFree(change.tx, name);
        const row = await change.tx.liteLLM_MCPToolsetTable.update({
          where: { toolset_id: body.toolset_id },
          data: {
            ...(name !== undefined ? { toolset_name: name } : {}),
            ...(body.description !== undefined && body.description !== null
              ? { description: body.description }
              : {}),
            ...(body.tools ? { tools: toolsJson(body.tools) } : {}),
            updated_by: this.audit.actorId(actor.auth),
          },
        });
        await change.audit({
          action: 'updated',
          table: MCP_TOOLSET_TABLE,
          objectId: row.toolset_id,
          before,
          after: row,
        });
        return row;
      }),
    );
    await this.registry.serversChanged();
    return row;
  }

  async deleteToolset(toolsetId: string, actor: Actor): Promise<void> {
    requireProxyAdmin(actor.auth, 'delete');
    await this.changes.run(actor, async (change) => {
      const before = await change.tx.liteLLM_MCPToolsetTable.findUnique({ where: { toolset_id: toolsetId } });
      if (!before) throw notFound(`Toolset ${toolsetId} not found`, 'toolset_id');
      await change.tx.liteLLM_MCPToolsetTable.delete({ where: { toolset_id: toolsetId } });
      await change.audit({ action: 'deleted', table: MCP_TOOLSET_TABLE, objectId: toolsetId, before });
    });
    await this.registry.serversChanged();
  }

  private async grantedToolsets(auth: AuthContext): Promise<string[]> {
    if (!auth.key) return [];
    const row = await this.prisma.liteLLM_VerificationToken.findUnique({
      where: { token: auth.key.token },
      select: { object_permission: { select: { mcp_toolsets: true } } },
    });
    return row?.object_permission?.mcp_toolsets ?? [];
  }

  private async assertNameFree(tx: Prisma.TransactionClient, name: string) {
    const clash = await tx.liteLLM_MCPToolsetTable.findUnique({
      where: { toolset_name: name },
      select: { toolset_id: true },
    });
    if (clash) throw duplicateName(name);
  }

  /** A concurrent write of the same name loses on the unique index: the same 409. */
  private async uniqueName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if (name !== undefined && e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002')
        throw duplicateName(name);
      throw e;
    }
  }
}

function toolsJson(tools: { server_id: string; tool_name: string }[]): Prisma.InputJsonArray {
  return tools.map((t) => ({ server_id: t.server_id, tool_name: t.tool_name }));
}

function duplicateName(name: string) {
  return conflict(`A toolset named '${name}' already exists`, 'toolset_name');
}

function requireProxyAdmin(auth: AuthContext, verb: string) {
  if (!isProxyAdmin(auth.role)) throw forbidden(`Only proxy admins can ${verb} MCP toolsets.`);
}
