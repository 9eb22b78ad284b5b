import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { AuthContext } from '../auth/auth-context';
import { isAdminViewer } from '../auth/roles';
import { badRequest, notFound } from '../common/errors/api-error';
import { pageWindow, totalPages } from '../common/pagination';
import { hashApiKey } from '../common/hashing';
import {
  addSums,
  DAILY_SUMS,
  DailyMetrics,
  DailySums,
  emptyMetrics,
  isCalendarDate,
} from '../common/daily-activity';
import { PrismaService } from '../prisma/prisma.service';
import type { TeamDailyActivityQuery } from './dto/team.queries';
import { TeamsService } from './teams.service';

interface Row extends DailySums {
  date: string;
  team_id: string | null;
  api_key: string;
  model: string | null;
  custom_llm_provider: string | null;
}

type Metrics = DailyMetrics;

const MAX_TEAMS = 100;
const SUMS = DAILY_SUMS;

/**
 * GET /team/daily/activity: LiteLLM_DailyTeamSpend between start_date and end_date (inclusive),
 * per day with breakdowns by model, provider, key and team, plus totals over the range. Pages
 * are whole days, newest first. Admins and viewers see any team (all without team_ids); others
 * only teams they are members of, and a team that is not theirs is "not found" (404, pinned).
 */
@Injectable()
export class TeamDailyActivityService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly teams: TeamsService,
  ) {}

  async dailyActivity(auth: AuthContext, q: TeamDailyActivityQuery) {
    if (!q.start_date || !q.end_date)
      throw badRequest('Please provide start_date and end_date', q.start_date ? 'end_date' : 'start_date');
    for (const field of ['start_date', 'end_date'] as const) {
      if (!isCalendarDate(q[field]!))
        throw badRequest(`Invalid ${field} '${q[field]}'. Use YYYY-MM-DD.`, field);
    }
    const requested = splitIds(q.team_ids);
    const excluded = splitIds(q.exclude_team_ids);
    if (requested.length > MAX_TEAMS) throw badRequest(`At most ${MAX_TEAMS} team_ids at once`, 'team_ids');
    const teamIds = (await this.scope(auth, requested))?.filter((id) => !excluded.includes(id));
    const page = q.page ?? 1;
    const size = q.page_size ?? 50;

    const conditions = [Prisma.sql`date >= ${q.start_date}`, Prisma.sql`date <= ${q.end_date}`];
    if (teamIds) conditions.push(Prisma.sql`team_id = ANY(${teamIds})`);
    else if (excluded.length)
      conditions.push(Prisma.sql`(team_id IS NULL OR NOT (team_id = ANY(${excluded})))`);
    if (q.model) conditions.push(Prisma.sql`model = ${q.model}`);
    if (q.api_key)
      conditions.push(
        Prisma.sql`api_key = ${q.api_key.startsWith('sk-') ? hashApiKey(q.api_key) : q.api_key}`,
      );
    const where = Prisma.join(conditions, ' AND ');

    const [[totals], [{ days }]] = await Promise.all([
      this.prisma.$queryRaw<DailySums[]>`SELECT ${SUMS} FROM "LiteLLM_DailyTeamSpend" WHERE ${where}`,
      this.prisma.$queryRaw<{ days: bigint }[]>`
        SELECT COUNT(DISTINCT date)::bigint AS days FROM "LiteLLM_DailyTeamSpend" WHERE ${where}`,
    ]);
    const { skip, take } = pageWindow(page, size);
    const dates = await this.prisma.$queryRaw<{ date: string }[]>`
      SELECT DISTINCT date FROM "LiteLLM_DailyTeamSpend" WHERE ${where} ORDER BY date DESC LIMIT ${take} OFFSET ${skip}`;
    const rows = dates.length
      ? await this.prisma.$queryRaw<Row[]>`
          SELECT date, team_id, api_key, model, custom_llm_provider, ${SUMS}
          FROM "LiteLLM_DailyTeamSpend"
          WHERE ${where} AND date = ANY(${dates.map((d) => d.date)})
          GROUP BY date, team_id, api_key, model, custom_llm_provider
          ORDER BY date DESC`
      : [];
    const aliases = await this.teamAliases([
      ...new Set(rows.map((r) => r.team_id).filter((t) => t !== null)),
    ]);
    const pages = totalPages(Number(days), size);
    return {
      results: dates.map(({ date }) =>
        day(
          date,
          rows.filter((r) => r.date === date),
          aliases,
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

  /** The teams a caller may see: `undefined` = all (admins without team_ids). */
  private async scope(auth: AuthContext, requested: string[]): Promise<string[] | undefined> {
    if (isAdminViewer(auth.role)) return requested.length ? requested : undefined;
    const mine = auth.userId ? (await this.teams.teamsOfUser(auth.userId)).map((t) => t.teamId) : [];
    if (requested.length === 0) return mine;
    const notMine = requested.filter((id) => !mine.includes(id));
    if (notMine.length) throw notFound(`Team not found, passed team_id=${notMine[0]}`, 'team_ids');
    return requested;
  }

  private async teamAliases(teamIds: string[]): Promise<Map<string, string | null>> {
    if (teamIds.length === 0) return new Map();
    const rows = await this.prisma.liteLLM_TeamTable.findMany({
      where: { team_id: { in: teamIds } },
      select: { team_id: true, team_alias: true },
    });
    return new Map(rows.map((r) => [r.team_id, r.team_alias]));
  }
}

function day(date: string, rows: Row[], aliases: Map<string, string | null>) {
  const total = emptyMetrics();
  const breakdown: Record<string, Record<string, { metrics: Metrics; metadata: Record<string, unknown> }>> = {
    models: {},
    providers: {},
    api_keys: {},
    entities: {},
  };
  const into = (group: string, name: string, metadata: Record<string, unknown>, row: Row) => {
    const bucket = (breakdown[group][name] ??= { metrics: emptyMetrics(), metadata });
    addSums(bucket.metrics, row);
  };
  for (const row of rows) {
    addSums(total, row);
    if (row.model) into('models', row.model, {}, row);
    into('providers', row.custom_llm_provider ?? 'unknown', {}, row);
    into('api_keys', row.api_key, { team_id: row.team_id }, row);
    if (row.team_id) {
      into(
        'entities',
        row.team_id,
        { team_alias: aliases.get(row.team_id) ?? null, team_exists: aliases.has(row.team_id) },
        row,
      );
    }
  }
  return { date, metrics: total, breakdown };
}

function splitIds(value: string | undefined): string[] {
  return [
    ...new Set(
      (value ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}
