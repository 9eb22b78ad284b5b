import { query } from './database';

/** The entities a ledger test charged, by kind (team members as `${teamId}:${userId}`). */
export interface LedgerSubjects {
  keys: { raw: string; token: string; userId: string | null; teamId: string | null }[];
  users: string[];
  teams: string[];
  members: { teamId: string; userId: string }[];
  organizations: string[];
  endUsers: string[];
  tags: string[];
}

export type EntityKind = 'key' | 'user' | 'team' | 'team_member' | 'org' | 'end_user' | 'tag';

export interface LedgerAudit {
  /** Entities of each kind with at least one spend log, all of whose sums agreed or not. */
  checked: Record<EntityKind, number>;
  /** One line per entity whose spend, spend-log sum, Daily sum or Daily request count disagree. */
  mismatches: string[];
  /** Call ids the clients saw complete that have no spend-log row. */
  missingRows: string[];
  /** Entities charged by spend logs or Daily rows that the test never created. */
  strangers: string[];
  /** Spend-log rows with status success. */
  successRows: number;
}

interface LogRow {
  request_id: string;
  api_key: string;
  user: string | null;
  team_id: string | null;
  organization_id: string | null;
  end_user: string | null;
  request_tags: unknown;
  spend: number;
  status: string;
}

interface DailyRow {
  id: string;
  api_key: string;
  spend: number;
  api_requests: string;
}

interface Sums {
  spend: number;
  rows: number;
}

const TOLERANCE = 1e-9;

/**
 * Reads the ledger of a finished test and checks, for every entity of `subjects`: its spend column
 * = Σ its spend logs = Σ its Daily rows, and Σ Daily api_requests = its spend-log rows; and that
 * every call id in `complete` has a spend-log row.
 */
export async function auditLedger(
  databaseUrl: string,
  subjects: LedgerSubjects,
  complete: string[],
): Promise<LedgerAudit> {
  const logs = await query<LogRow>(
    databaseUrl,
    `SELECT request_id, api_key, "user", team_id, organization_id, end_user, request_tags, spend, status
     FROM "LiteLLM_SpendLogs"`,
  );
  const logged = new Set(logs.map((l) => l.request_id));
  const audit: LedgerAudit = {
    checked: { key: 0, user: 0, team: 0, team_member: 0, org: 0, end_user: 0, tag: 0 },
    mismatches: [],
    missingRows: complete.filter((id) => !logged.has(id)),
    strangers: [],
    successRows: logs.filter((l) => l.status === 'success').length,
  };
  const userOfKey = new Map(subjects.keys.map((k) => [k.token, k.userId]));
  for (const kind of Object.keys(audit.checked) as EntityKind[]) {
    const spec = KINDS[kind];
    const ids = spec.subjects(subjects);
    const entity = await entitySpend(databaseUrl, spec.table);
    const daily = sumDaily(await dailyRows(databaseUrl, spec.daily), (r) => spec.dailyId(r, userOfKey));
    const fromLogs = sumLogs(logs, spec.logIds);
    for (const id of new Set([...fromLogs.keys(), ...daily.keys()])) {
      if (!ids.includes(id)) audit.strangers.push(`${kind} ${id}`);
    }
    for (const id of ids) {
      const logSums = fromLogs.get(id) ?? { spend: 0, rows: 0 };
      if (logSums.rows > 0) audit.checked[kind] += 1;
      const problem = compare(entity.get(id), logSums, daily.get(id) ?? { spend: 0, rows: 0 });
      if (problem) audit.mismatches.push(`${kind} ${id}: ${problem}`);
    }
  }
  return audit;
}

function compare(spend: number | undefined, logs: Sums, daily: Sums): string | undefined {
  const agree =
    spend !== undefined &&
    Math.abs(spend - logs.spend) <= TOLERANCE &&
    Math.abs(daily.spend - logs.spend) <= TOLERANCE &&
    daily.rows === logs.rows;
  if (agree) return undefined;
  return (
    `spend ${spend ?? 'no row'}, spend logs ${logs.spend} (${logs.rows} rows), ` +
    `daily ${daily.spend} (${daily.rows} api_requests)`
  );
}

interface KindSpec {
  subjects(s: LedgerSubjects): string[];
  /** SELECT id, spend of the entity table. */
  table: string;
  logIds(log: LogRow): string[];
  /** SELECT id, api_key, spend, api_requests of the Daily table. */
  daily: string;
  dailyId(row: DailyRow, userOfKey: Map<string, string | null>): string | undefined;
}

const present = (...values: (string | null)[]) => values.every((v) => v !== null && v !== '');
const dailySelect = (table: string, column: string) =>
  `SELECT ${column} AS id, api_key, spend, api_requests::text FROM "${table}"`;

const KINDS: Record<EntityKind, KindSpec> = {
  key: {
    subjects: (s) => s.keys.map((k) => k.token),
    table: `SELECT token AS id, spend FROM "LiteLLM_VerificationToken"`,
    logIds: (l) => [l.api_key],
    // Every request has a Daily user row (user '' when the key has none): the key's rows are all there.
    daily: dailySelect('LiteLLM_DailyUserSpend', 'user_id'),
    dailyId: (r) => r.api_key,
  },
  user: {
    subjects: (s) => s.users,
    table: `SELECT user_id AS id, spend FROM "LiteLLM_UserTable"`,
    logIds: (l) => (present(l.user) ? [l.user!] : []),
    daily: dailySelect('LiteLLM_DailyUserSpend', 'user_id'),
    dailyId: (r) => (r.id === '' ? undefined : r.id),
  },
  team: {
    subjects: (s) => s.teams,
    table: `SELECT team_id AS id, spend FROM "LiteLLM_TeamTable"`,
    logIds: (l) => (present(l.team_id) ? [l.team_id!] : []),
    daily: dailySelect('LiteLLM_DailyTeamSpend', 'team_id'),
    dailyId: (r) => r.id,
  },
  team_member: {
    subjects: (s) => s.members.map((m) => `${m.teamId}:${m.userId}`),
    table: `SELECT team_id || ':' || user_id AS id, spend FROM "LiteLLM_TeamMembership"`,
    logIds: (l) => (present(l.team_id, l.user) ? [`${l.team_id}:${l.user}`] : []),
    // A member's Daily rows are their team's rows of the keys they own.
    daily: dailySelect('LiteLLM_DailyTeamSpend', 'team_id'),
    dailyId: (r, userOfKey) => {
      const user = userOfKey.get(r.api_key);
      return user ? `${r.id}:${user}` : undefined;
    },
  },
  org: {
    subjects: (s) => s.organizations,
    table: `SELECT organization_id AS id, spend FROM "LiteLLM_OrganizationTable"`,
    logIds: (l) => (present(l.organization_id) ? [l.organization_id!] : []),
    daily: dailySelect('LiteLLM_DailyOrganizationSpend', 'organization_id'),
    dailyId: (r) => r.id,
  },
  end_user: {
    subjects: (s) => s.endUsers,
    table: `SELECT user_id AS id, spend FROM "LiteLLM_EndUserTable"`,
    logIds: (l) => (present(l.end_user) ? [l.end_user!] : []),
    daily: dailySelect('LiteLLM_DailyEndUserSpend', 'end_user_id'),
    dailyId: (r) => r.id,
  },
  tag: {
    subjects: (s) => s.tags,
    table: `SELECT tag_name AS id, spend FROM "LiteLLM_TagTable"`,
    logIds: (l) => (Array.isArray(l.request_tags) ? [...new Set(l.request_tags.map(String))] : []),
    daily: dailySelect('LiteLLM_DailyTagSpend', 'tag'),
    dailyId: (r) => r.id,
  },
};

async function entitySpend(databaseUrl: string, sql: string): Promise<Map<string, number>> {
  const rows = await query<{ id: string; spend: number }>(databaseUrl, sql);
  return new Map(rows.map((r) => [r.id, r.spend]));
}

function dailyRows(databaseUrl: string, sql: string): Promise<DailyRow[]> {
  return query<DailyRow>(databaseUrl, sql);
}

function sumLogs(logs: LogRow[], idsOf: (log: LogRow) => string[]): Map<string, Sums> {
  const sums = new Map<string, Sums>();
  for (const log of logs) {
    for (const id of idsOf(log)) {
      const s = sums.get(id) ?? { spend: 0, rows: 0 };
      s.spend += log.spend;
      s.rows += 1;
      sums.set(id, s);
    }
  }
  return sums;
}

function sumDaily(rows: DailyRow[], idOf: (row: DailyRow) => string | undefined): Map<string, Sums> {
  const sums = new Map<string, Sums>();
  for (const row of rows) {
    const id = idOf(row);
    if (id === undefined) continue;
    const s = sums.get(id) ?? { spend: 0, rows: 0 };
    s.spend += row.spend;
    s.rows += Number(row.api_requests);
    sums.set(id, s);
  }
  return sums;
}
