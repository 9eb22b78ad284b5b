import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isAdminViewer } from '../../tenancy/roles';
import { forbidden } from '../../platform/common/errors/api-error';
import { toTokenHash } from '../keys/key-data';
import { addSums, assertDateRange, DailyMetrics, DailySums, emptyMetrics } from '../spend/daily-activity';
import { DailyActivityService } from '../spend/daily-activity.service';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { UserDailyActivityQuery } from './dto/user.requests';

interface Row extends DailySums {
  date: string;
  api_key: string;
  model: string | null;
  model_group: string | null;
  custom_llm_provider: string | null;
  mcp_namespaced_tool_name: string | null;
  endpoint: string | null;
}

type Metrics = DailyMetrics;
interface Bucket {
  metrics: Metrics;
  metadata: Record<string, unknown>;
  api_key_breakdown?: Record<string, { metrics: Metrics; metadata: Record<string, unknown> }>;
}

/**
 * GET /user/daily/activity: LiteLLM_DailyUserSpend between start_date and end_date (inclusive),
 * per day with breakdowns by model, model group, provider, key, MCP tool and endpoint, plus
 * totals over the whole range. Pages are whole days (newest first), so a day is never split
 * across pages and the day figures add up to the totals.
 */
@Injectable()
export class UserDailyActivityService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly spend: DailyActivityService,
  ) {}

  async dailyActivity(auth: AuthContext, q: UserDailyActivityQuery) {
    assertDateRange(q);
    const userId = this.scope(auth, q.user_id);
    const conditions = [Prisma.sql`date >= ${q.start_date}`, Prisma.sql`date <= ${q.end_date}`];
    if (userId !== null) conditions.push(Prisma.sql`user_id = ${userId}`);
    if (q.model) conditions.push(Prisma.sql`model = ${q.model}`);
    if (q.api_key) conditions.push(Prisma.sql`api_key = ${toTokenHash(q.api_key)}`);

    const report = await this.spend.page<Row>(
      'LiteLLM_DailyUserSpend',
      Prisma.join(conditions, ' AND '),
      ['api_key', 'model', 'model_group', 'custom_llm_provider', 'mcp_namespaced_tool_name', 'endpoint'],
      q.page ?? 1,
      q.page_size ?? 50,
    );
    const keyInfo = await this.keyMetadata([...new Set(report.rows.map((r) => r.api_key))]);
    return {
      results: report.dates.map((date) => this.day(date, report.rowsOf(date), keyInfo)),
      metadata: report.metadata,
    };
  }

  /** Admins and viewers: any user, or everyone when none is named. Others: themselves only. */
  private scope(auth: AuthContext, requested: string | undefined): string | null {
    if (isAdminViewer(auth.role)) return requested ?? null;
    if (auth.key?.metadata?.service_account_id !== undefined) {
      throw forbidden('Service-account keys cannot query user analytics. Use a key that belongs to a user.');
    }
    const userId = requested ?? auth.userId;
    if (!userId || userId !== auth.userId)
      throw forbidden('Non-admin users can only view their own spend data.', 'user_id');
    return userId;
  }

  private day(date: string, rows: Row[], keyInfo: Map<string, Record<string, unknown>>) {
    const total = emptyMetrics();
    const breakdown: Record<string, Record<string, Bucket>> = {
      models: {},
      model_groups: {},
      providers: {},
      api_keys: {},
      mcp_servers: {},
      endpoints: {},
      entities: {},
    };
    const keyMeta = (apiKey: string) =>
      keyInfo.get(apiKey) ?? { key_alias: null, team_id: null, key_exists: false };
    for (const row of rows) {
      addSums(total, row);
      const into = (group: string, name: string | null, perKey: boolean) => {
        if (!name) return;
        const bucket = (breakdown[group][name] ??= {
          metrics: emptyMetrics(),
          metadata: {},
          ...(perKey ? { api_key_breakdown: {} } : {}),
        });
        addSums(bucket.metrics, row);
        if (bucket.api_key_breakdown) {
          const byKey = (bucket.api_key_breakdown[row.api_key] ??= {
            metrics: emptyMetrics(),
            metadata: keyMeta(row.api_key),
          });
          addSums(byKey.metrics, row);
        }
      };
      into('models', row.model, true);
      into('model_groups', row.model_group ?? row.model, true);
      into('providers', row.custom_llm_provider ?? 'unknown', false);
      into('mcp_servers', row.mcp_namespaced_tool_name, true);
      into('endpoints', row.endpoint, false);
      const key = (breakdown.api_keys[row.api_key] ??= {
        metrics: emptyMetrics(),
        metadata: keyMeta(row.api_key),
      });
      addSums(key.metrics, row);
    }
    return { date, metrics: total, breakdown };
  }

  private async keyMetadata(hashes: string[]): Promise<Map<string, Record<string, unknown>>> {
    if (hashes.length === 0) return new Map();
    const keys = await this.prisma.liteLLM_VerificationToken.findMany({
      where: { token: { in: hashes } },
      select: { token: true, key_alias: true, team_id: true, user_id: true },
    });
    return new Map(
      keys.map((k) => [
        k.token,
        { key_alias: k.key_alias, team_id: k.team_id, user_id: k.user_id, key_exists: true },
      ]),
    );
  }
}
