import { Injectable } from '@nestjs/common';
import type { Actor } from '../../../platform/audit/audit.service';
import { AuditService } from '../../../platform/audit/audit.service';
import { ChangesService } from '../../../platform/audit/changes.service';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { isAdminViewer, isProxyAdmin } from '../../../platform/auth/roles';
import { forbidden, notFound } from '../../../platform/common/errors/api-error';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { MCP_CATALOG, type McpCatalogServer, OPENAPI_CATALOG, type OpenApiCatalogEntry } from './mcp-catalog';
import { LITELLM_SETTINGS, McpRegistryService } from './mcp-registry.service';

const CONFIG_TABLE = 'LiteLLM_Config';

/** The stored `public_mcp_servers` of a `litellm_settings` value (absent or malformed: none). */
function publicList(value: unknown): string[] {
  const ids =
    value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>).public_mcp_servers
      : undefined;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * `POST /v1/mcp/make_public` (E25) and the curated lists an admin picks servers from (E26, E27).
 * The public list is LiteLLM's `litellm_settings.public_mcp_servers` in `LiteLLM_Config`; served
 * as the union with config.yaml's list, reloaded on every pod through the `mcp` bus scope.
 */
@Injectable()
export class McpDiscoveryService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly registry: McpRegistryService,
    private readonly audit: AuditService,
    private readonly changes: ChangesService,
  ) {}

  /** E25: replaces the stored list (every id must be a served server: 404 otherwise). */
  async makePublic(ids: string[], actor: Actor) {
    if (!isProxyAdmin(actor.auth.role)) throw forbidden('Only proxy admins can make MCP servers public.');
    const unique = [...new Set(ids)];
    for (const id of unique)
      if (!this.registry.byId(id)) throw notFound(`MCP Server with id ${id} not found`, 'mcp_server_ids');
    const list = JSON.stringify(unique);
    await this.changes.run(actor, async (change) => {
      const before = await change.tx.liteLLM_Config.findUnique({ where: { param_name: LITELLM_SETTINGS } });
      // One statement: the row is created, or only its public_mcp_servers key replaced (other
      // litellm_settings keys LiteLLM stored there are kept; a non-object value becomes an object).
      await change.tx.$executeRaw`
        INSERT INTO "LiteLLM_Config" (param_name, param_value)
        VALUES (${LITELLM_SETTINGS}, jsonb_build_object('public_mcp_servers', ${list}::jsonb))
        ON CONFLICT (param_name) DO UPDATE SET param_value =
          (CASE WHEN jsonb_typeof("LiteLLM_Config".param_value) = 'object'
                THEN "LiteLLM_Config".param_value ELSE '{}'::jsonb END)
          || jsonb_build_object('public_mcp_servers', ${list}::jsonb)`;
      await change.audit({
        action: 'updated',
        table: CONFIG_TABLE,
        objectId: LITELLM_SETTINGS,
        before: { public_mcp_servers: publicList(before?.param_value) },
        after: { public_mcp_servers: unique },
      });
    });
    await this.registry.serversChanged();
    return {
      message: `Successfully updated public MCP servers: ${unique.length} server(s) public.`,
      public_mcp_servers: unique,
      updated_by: this.audit.actorId(actor.auth),
    };
  }

  /** E26: the curated MCP servers, filtered by a free-text query and a category. */
  discover(auth: AuthContext, query?: string, category?: string) {
    this.adminView(auth);
    const q = query?.trim().toLowerCase();
    const servers = MCP_CATALOG.filter(
      (s: McpCatalogServer) =>
        (!category || s.category.toLowerCase() === category.toLowerCase()) &&
        (!q || [s.name, s.title, s.description].some((t) => t.toLowerCase().includes(q))),
    );
    const categories = [...new Set(MCP_CATALOG.map((s) => s.category))].sort();
    return { servers, categories };
  }

  /** E27: the curated OpenAPI specs (servers built from a spec_path). */
  openapiRegistry(auth: AuthContext): { apis: readonly OpenApiCatalogEntry[] } {
    this.adminView(auth);
    return { apis: OPENAPI_CATALOG };
  }

  private adminView(auth: AuthContext) {
    if (!isAdminViewer(auth.role)) throw forbidden('Only proxy admins can browse the MCP server catalog.');
  }
}
