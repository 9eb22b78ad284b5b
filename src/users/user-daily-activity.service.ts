import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { AuthContext } from '../auth/auth-context';
import { isAdminViewer } from '../auth/roles';
import { badRequest, forbidden } from '../common/errors/api-error';
import { pageWindow, totalPages } from '../common/pagination';
import { toTokenHash } from '../keys/keys.service';
import {
  addSums,
  DAILY_SUMS,
  DailyMetrics,
  DailySums,
  emptyMetrics,
  isCalendarDate,
} from '../common/daily-activity';
import { PrismaService } from '../prisma/prisma.service';
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

const SUMS = DAILY_SUMS;

/**
 * GET /user/daily/activity: LiteLLM_DailyUserSpend between start_date and end_date (inclusive),
 * per day with breakdowns by model, model group, provider, key, MCP tool and endpoint, plus
 * totals over the whole range. Pages are whole days (newest first), so a day is never split
 * across pages and the day figures add up to the totals.
 */
@Injectable()
export class UserDailyActivityService {
  constructor(private readonly prisma: PrismaService) {}

  async dailyActivity(auth: AuthContext, q: UserDailyActivityQuery) {
    if (!q.start_date || !q.end_date)
      throw badRequest('Please provide start_date and end_date', q.start_date ? 'end_date' : 'start_date');
    for (const field of ['start_date', 'end_date'] as const) {
      if (!isCalendarDate(q[field]!))
        throw badRequest(`Invalid ${field} '${q[field]}'. Use YYYY-MM-DD.`, field);
    }
    const userId = this.scope(auth, q.user_id);
    const page = q.page ?? 1;
    const size = q.page_size ?? 50;

    const conditions = [Prisma.sql`date >= ${q.start_date}`, Prisma.sql`date <= ${q.end_date}`];
    if (userId !== null) conditions.push(Prisma.sql`user_id = ${userId}`);
    if (q.model) conditions.push(Prisma.sql`model = ${q.model}`);
    if (q.api_key) conditions.push(Prisma.sql`api_key = ${toTokenHash(q.api_key)}`);
    const where = Prisma.join(conditions, ' AND ');

    const [[totals], [{ days }]] = await Promise.all([
      this.prisma.$queryRaw<DailySums[]>`SELECT ${SUMS} FROM "LiteLLM_DailyUserSpend" WHERE ${where}`,
      this.prisma.$queryRaw<{ days: bigint }[]>`
        SELECT COUNT(DISTINCT date)::bigint AS days FROM "LiteLLM_DailyUserSpend" WHERE ${where}`,
    ]);
    const { skip, take } = pageWindow(page, size);
    const dates = await this.prisma.$queryRaw<{ date: string }[]>`
      SELECT DISTINCT date FROM "LiteLLM_DailyUserSpend" WHERE ${where} ORDER BY date DESC LIMIT ${take} OFFSET ${skip}`;
    const rows = dates.length
      ? await this.prisma.$queryRaw<Row[]>`
          SELECT date, api_key, model, model_group, custom_llm_provider, mcp_namespaced_tool_name, endpoint, ${SUMS}
          FROM "LiteLLM_DailyUserSpend"
          WHERE ${where} AND date = ANY(${dates.map((d) => d.date)})
          GROUP BY date, api_key, model, model_group, custom_llm_provider, mcp_namespaced_tool_name, endpoint
          ORDER BY date DESC`
      : [];
    const keyInfo = await this.keyMetadata([...new Set(rows.map((r) => r.api_key))]);
    const pages = totalPages(Number(days), size);
    return {
      results: dates.map(({ date }) =>
        this.day(
          date,
          rows.filter((r) => r.date === date),
          keyInfo,
        ),
      ),
      metadata: {
        total_spend: totals.spend,
        total_prompt_tokens: Number(totals.prompt_tokens),
        total_completion_tokens: Number(totals.completion_tokens),
        total_tokens: Number(totals.prompt_tokens) + Number(totals.completion_tokens),
        total_api_requests: Number(totals.api_requests),
        total_successful_requests: Number(totals.successful_requests),
        total_failed_requests: Number(totals.failed_requests),
        total_cache_read_input_tokens: Number(totals.cache_read_input_tokens),
        total_cache_creation_input_tokens: Number(totals.cache_creation_input_tokens),
        page,
        total_pages: pages,
        has_more: page < pages,
      },
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
