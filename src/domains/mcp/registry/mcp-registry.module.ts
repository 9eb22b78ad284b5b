import { Module } from '@nestjs/common';
import { SchedulerModule } from '../../../scheduler/scheduler.module';
import { AccessGroupsModule } from '../../access-groups/access-groups.module';
import { McpDiscoveryController } from './mcp-discovery.controller';
import { McpDiscoveryService } from './mcp-discovery.service';
import { McpHealthController } from './mcp-health.controller';
import { McpHealthJob } from './mcp-health.job';
import { McpHealthService } from './mcp-health.service';
import { McpRegistryJsonController } from './mcp-registry-json.controller';
import { McpRegistryService } from './mcp-registry.service';
import { McpServerManagementService } from './mcp-server-management.service';
import { McpServerQueryService } from './mcp-server-query.service';
import { McpServersController } from './mcp-servers.controller';
import { McpSubmissionsController } from './mcp-submissions.controller';
import { McpSubmissionsService } from './mcp-submissions.service';
import { McpToolsetsController } from './mcp-toolsets.controller';
import { McpToolsetsService } from './mcp-toolsets.service';
import { McpUserCredentialsController } from './mcp-user-credentials.controller';
import { McpUserCredentialsService } from './mcp-user-credentials.service';

/**
 * The MCP server registry: LiteLLM_MCPServerTable and friends, config.yaml's mcp_servers, the
 * /v1/mcp routes. Exports `McpRegistryService` (the `McpRegistry` the MCP gateway reads) and
 * `McpUserCredentialsService` (per-user BYOK and OAuth tokens, for the gateway's OAuth flow) and
 * `McpHealthService` (on-demand checks); `McpHealthJob` registers the scheduled check with the scheduler.
 */
@Module({
  imports: [SchedulerModule, AccessGroupsModule],
  // Health and submissions first: /v1/mcp/server/health and …/submissions must win over /v1/mcp/server/{server_id}.
  controllers: [
    McpHealthController,
    McpSubmissionsController,
    McpUserCredentialsController,
    McpServersController,
    McpToolsetsController,
    McpRegistryJsonController,
    McpDiscoveryController,
  ],
  providers: [
    McpRegistryService,
    McpServerManagementService,
    McpServerQueryService,
    McpUserCredentialsService,
    McpSubmissionsService,
    McpToolsetsService,
    McpHealthService,
    McpDiscoveryService,
    McpHealthJob,
  ],
  exports: [McpRegistryService, McpUserCredentialsService, McpHealthService],
})
export class McpRegistryModule {}
