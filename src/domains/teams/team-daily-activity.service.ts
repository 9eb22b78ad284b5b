import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isAdminViewer } from '../../tenancy/roles';
import { badRequest, notFound } from '../../platform/common/errors/api-error';
import { hashApiKey } from '../../platform/common/hashing';
import { addSums, assertDateRange, DailyMetrics, DailySums, emptyMetrics } from '../spend/daily-activity';
import { DailyActivityService } from '../spend/daily-activity.service';
import { PrismaService } from '../../platform/prisma/prisma.service';
import type { TeamDailyActivityQuery } from './dto/team.queries';
import { TeamMembershipsService } from '../../tenancy/team-memberships.service';
import { splitIds } from '../../platform/common/comma-list';

interface Row extends DailySums {
  date: string;
  team_id: string | null;
  api_key: string;
  model: string | null;
  custom_llm_provider: string | null;
}

type Metrics = DailyMetrics;

const MAX_TEAMS = 100;

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
    private readonly memberships: TeamMembershipsService,
    private readonly spend: DailyActivityService,
  ) {}

  async dailyActivity(auth: AuthContext, q: TeamDailyActivityQuery) {
    assertDateRange(q);
    const requested = splitIds(q.team_ids);
    const excluded = splitIds(q.exclude_team_ids);
    if (requested.length > MAX_TEAMS) throw badRequest(`At most ${MAX_TEAMS} team_ids at once`, 'team_ids');
    const teamIds = (await this.scope(auth, requested))?.filter((id) => !excluded.includes(id));
    const page = q.page ?? 1;

    const conditions = [Prisma.sql`date >= ${q.start_date}`, Prisma.sql`date <= ${q.end_date}`];
    if (teamIds) conditions.push(Prisma.sql`team_id = ANY(${teamIds})`);
    else if (excluded.length)
      conditions.push(Prisma.sql`(team_id IS NULL OR NOT (team_id = ANY(${excluded})))`);
    if (q.model) conditions.push(Prisma.sql`model = ${q.model}`);
    if (q.api_key)
      conditions.push(
        Prisma.sql`api_key = ${q.api_key.startsWith('sk-') ? hashApiKey(q.api_key) : q.api_key}`,
      );

    const report = await this.spend.page<Row>(
      'LiteLLM_DailyTeamSpend',
      Prisma.join(conditions, ' AND '),
      ['team_id', 'api_key', 'model', 'custom_llm_provider'],
      page,
      q.page_size ?? 50,
    );
    const aliases = await this.teamAliases([
      ...new Set(report.rows.map((r) => r.team_id).filter((t) => t !== null)),
    ]);
    return {
      results: report.dates.map((date) => day(date, report.rowsOf(date), aliases)),
      metadata: report.metadata,
    };
  }

  /** The teams a caller may see: `undefined` = all (admins without team_ids). */
  private async scope(auth: AuthContext, requested: string[]): Promise<string[] | undefined> {
    if (isAdminViewer(auth.role)) return requested.length ? requested : undefined;
    const mine = auth.userId ? (await this.memberships.teamsOfUser(auth.userId)).map((t) => t.teamId) : [];
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
