import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import type { JobContext, ScheduledJob } from '../../../scheduler/scheduled-job';
import { ScheduledJobs } from '../../../scheduler/scheduled-jobs';
import { type HealthResult, McpHealthService } from './mcp-health.service';
import { McpRegistryService } from './mcp-registry.service';

/** Checks at once: each may wait up to its 10 s timeout, and a proxy may serve many servers. */
const CONCURRENCY = 8;

/**
 * Every served MCP server health-checked once per window (MCP_HEALTH_CHECK_INTERVAL_SECONDS; LiteLLM
 * has no such job, its MCP health is checked on request only), on the scheduler's leader. The stored
 * servers' `status`, `last_health_check` and `health_check_error` are written by one statement per
 * window, fenced by the lease; config.yaml servers have no row and are only logged in the counts.
 */
@Injectable()
export class McpHealthJob implements ScheduledJob, OnModuleInit {
  readonly name = 'mcp_health_check';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: ScheduledJobs,
    private readonly health: McpHealthService,
    private readonly registry: McpRegistryService,
  ) {}

  onModuleInit() {
    this.jobs.register(this);
  }

  enabled() {
    return this.config.scheduler.mcpHealthCheckEnabled;
  }

  windowSeconds() {
    return this.config.scheduler.mcpHealthCheckWindowSeconds;
  }

  async run(ctx: JobContext) {
    const servers = [...this.registry.all()];
    const results: HealthResult[] = [];
    for (let i = 0; i < servers.length && !ctx.stopping(); i += CONCURRENCY)
      results.push(
        ...(await Promise.all(servers.slice(i, i + CONCURRENCY).map((s) => this.health.check(s)))),
      );
    const stored = new Set(servers.filter((s) => s.source === 'db').map((s) => s.serverId));
    const rows = results
      .filter((r) => stored.has(r.server_id))
      .map((r) => ({
        server_id: r.server_id,
        status: r.status,
        checked_at: r.last_health_check.toISOString(),
        error: r.health_check_error,
      }));
    const written = rows.length
      ? await ctx.fenced(
          (tx) => tx.$executeRaw`
            UPDATE "LiteLLM_MCPServerTable" AS t
            SET status = v.status, last_health_check = v.checked_at, health_check_error = v.error
            FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
              AS v(server_id text, status text, checked_at timestamp, error text)
            WHERE t.server_id = v.server_id`,
        )
      : 0;
    const count = (status: string) => results.filter((r) => r.status === status).length;
    return {
      rows: written,
      details: {
        checked: results.length,
        healthy: count('healthy'),
        unhealthy: count('unhealthy'),
        unknown: count('unknown'),
      },
    };
  }
}
