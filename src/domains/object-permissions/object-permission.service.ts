import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { ObjectPermissionRequest } from './object-permission.dto';

type Db = Pick<Prisma.TransactionClient, 'liteLLM_ObjectPermissionTable'>;

const LIST_FIELDS = [
  'mcp_servers',
  'mcp_access_groups',
  'vector_stores',
  'agents',
  'agent_access_groups',
  'models',
  'blocked_tools',
  'mcp_toolsets',
  'search_tools',
] as const;

/** Rows of LiteLLM_ObjectPermissionTable, shared by every object that carries `object_permission`. */
@Injectable()
export class ObjectPermissionService {
  constructor(private readonly prisma: PrismaService) {}

  /** Creates a row, or updates `existingId` with the fields sent. Returns the row id. */
  async save(
    input: ObjectPermissionRequest,
    existingId: string | null = null,
    db: Db = this.prisma,
  ): Promise<string> {
    const data: Prisma.LiteLLM_ObjectPermissionTableUpdateInput = {};
    for (const field of LIST_FIELDS) {
      if (input[field] !== undefined) data[field] = input[field] ?? [];
    }
    if (input.mcp_tool_permissions !== undefined) {
      data.mcp_tool_permissions = (input.mcp_tool_permissions ?? Prisma.DbNull) as Prisma.InputJsonValue;
    }
    if (existingId) {
      const updated = await db.liteLLM_ObjectPermissionTable.upsert({
        where: { object_permission_id: existingId },
        update: data,
        create: {
          object_permission_id: existingId,
          ...(data as Prisma.LiteLLM_ObjectPermissionTableCreateInput),
        },
        select: { object_permission_id: true },
      });
      return updated.object_permission_id;
    }
    const created = await db.liteLLM_ObjectPermissionTable.create({
      data: data as Prisma.LiteLLM_ObjectPermissionTableCreateInput,
      select: { object_permission_id: true },
    });
    return created.object_permission_id;
  }
}
