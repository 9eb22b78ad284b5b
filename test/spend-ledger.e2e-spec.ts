import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { loadConfig } from '../src/platform/config/app-config';
import { runMigrations } from '../src/platform/prisma/migrations';
import { PrismaService } from '../src/platform/prisma/prisma.service';
import { RedisService } from '../src/platform/redis/redis.module';
import { BudgetResetService, OWN_BUDGET_TABLES } from '../src/domains/spend/budget-reset.service';
import { BudgetCountersService } from '../src/domains/spend/ledger/budget-counters.service';
import { SpendAggregatorService } from '../src/domains/spend/ledger/spend-aggregator.service';
import { entitiesOf, type SpendEvent } from '../src/domains/spend/ledger/spend-event';
import { SpendLedgerService } from '../src/domains/spend/ledger/spend-ledger.service';
import { createEmptyDatabase } from './database';
import { useE2e } from './harness';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The spend ledger on its own migrated database: every row counted is this file's. */
describe('spend ledger', () => {
  let url: string;
  let drop: () => Promise<void>;
  let sql: Pool;
  const closers: (() => Promise<void>)[] = [];

  const prismaOn = () => {
    const prisma = new PrismaService(loadConfig({ ...process.env, DATABASE_URL: url }));
    closers.push(() => prisma.onApplicationShutdown());
    return prisma;
  };
  const redisService = (withRedis: boolean) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      DATABASE_URL: url,
      REDIS_URL: withRedis ? REDIS_URL : undefined,
      REDIS_HOST: withRedis ? process.env.REDIS_HOST : undefined,
    };
    const redis = new RedisService(loadConfig(env));
    closers.push(() => redis.onModuleDestroy());
    return redis;
  };
  const rows = async <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    (await sql.query(text, params)).rows as T[];
  const pendingCount = async () =>
    Number((await rows<{ n: string }>('SELECT count(*) AS n FROM "ControlPlane_SpendLogPending"'))[0].n);

  beforeAll(async () => {
    const db = await createEmptyDatabase('spend_ledger');
    url = db.url;
    drop = db.drop;
    await runMigrations(url);
    sql = new Pool({ connectionString: url, max: 4 });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await sql.end();
    await drop();
  });

  describe('ledger writer and aggregator', () => {
    let prisma: PrismaService;
    let ledger: SpendLedgerService;
    let aggregator: SpendAggregatorService;
    beforeAll(() => {
      prisma = prismaOn();
      ledger = new SpendLedgerService(prisma);
      aggregator = new SpendAggregatorService(prisma);
    });

    it('should write one row for a request id recorded twice and count it once over two drains', async () => {
      const world = await createWorld(sql, 1);
      const e = event(world, 0, 0.125);
      await Promise.all([ledger.record(e), ledger.record(e)]);
      await ledger.record(e);
      await aggregator.drain();
      await aggregator.drain();
      await ledger.record(e);
      await aggregator.drain();
      expect(
        await rows('SELECT 1 FROM "LiteLLM_SpendLogs" WHERE request_id = $1', [e.requestId]),
      ).toHaveLength(1);
      const [key] = await rows<{ spend: number; model_spend: Record<string, number> }>(
        'SELECT spend, model_spend FROM "LiteLLM_VerificationToken" WHERE token = $1',
        [e.apiKey],
      );
      expect(key.spend).toBeCloseTo(0.125, 12);
      expect(key.model_spend).toEqual({ [e.modelGroup]: 0.125 });
      const [daily] = await rows<{ api_requests: string; spend: number }>(
        'SELECT api_requests, spend FROM "LiteLLM_DailyTeamSpend" WHERE team_id = $1',
        [e.teamId],
      );
      expect(daily).toEqual({ api_requests: '1', spend: 0.125 });
      expect(await pendingCount()).toBe(0);
    });

    it("should write LiteLLM's row fields, and an error log for a failure", async () => {
      const world = await createWorld(sql, 1);
      const ok = { ...event(world, 0, 0.5), unpriced: true, metadata: { attempted_retries: 1 } };
      const failed: SpendEvent = {
        ...event(world, 0, 0),
        status: 'failure',
        error: { type: 'RateLimitError', message: 'slow down', statusCode: 429 },
      };
      await Promise.all([ledger.record(ok), ledger.record(failed)]);
      const [row] = await rows<Record<string, any>>(
        'SELECT * FROM "LiteLLM_SpendLogs" WHERE request_id = $1',
        [ok.requestId],
      );
      expect(row).toMatchObject({
        call_type: 'acompletion',
        api_key: ok.apiKey,
        user: ok.userId,
        cache_hit: 'False',
        cache_key: 'Cache OFF',
        request_tags: ok.requestTags,
        status: 'success',
        messages: {},
        response: {},
        proxy_server_request: {},
        request_duration_ms: 1500,
      });
      expect(row.metadata).toMatchObject({
        user_api_key: ok.apiKey,
        user_api_key_team_id: ok.teamId,
        user_api_key_org_id: ok.organizationId,
        user_api_key_user_id: ok.userId,
        user_api_key_project_id: ok.projectId,
        status: 'success',
        attempted_retries: 1,
        usage_object: { prompt_tokens: 10, completion_tokens: 5, cache_read_input_tokens: 2 },
        unpriced: expect.stringContaining('no price'),
      });
      const [error] = await rows<Record<string, any>>(
        'SELECT * FROM "LiteLLM_ErrorLogs" WHERE request_id = $1',
        [failed.requestId],
      );
      expect(error).toMatchObject({
        exception_type: 'RateLimitError',
        exception_string: 'slow down',
        status_code: '429',
      });
      expect(
        await rows('SELECT 1 FROM "LiteLLM_ErrorLogs" WHERE request_id = $1', [ok.requestId]),
      ).toHaveLength(0);
      await aggregator.drain();
      const [daily] = await rows<Record<string, string>>(
        'SELECT api_requests, successful_requests, failed_requests, cache_read_input_tokens FROM "LiteLLM_DailyUserSpend" WHERE user_id = $1',
        [ok.userId],
      );
      expect(daily).toEqual({
        api_requests: '2',
        successful_requests: '1',
        failed_requests: '1',
        cache_read_input_tokens: '4',
      });
    });

    it('should resolve 200 concurrent records after their commit, in far fewer statements', async () => {
      const world = await createWorld(sql, 3);
      const statements = jest.spyOn(prisma, 'queryRows');
      try {
        const events = Array.from({ length: 200 }, (_, i) => event(world, i, 0.001 * (i + 1)));
        const visibleOnResolve = await Promise.all(
          events.map(async (e) => {
            await ledger.record(e);
            // Read on another connection: committed, not merely sent.
            return (await rows('SELECT 1 FROM "LiteLLM_SpendLogs" WHERE request_id = $1', [e.requestId]))
              .length;
          }),
        );
        expect(visibleOnResolve.every((n) => n === 1)).toBe(true);
        expect(statements.mock.calls.length).toBeLessThanOrEqual(10);
        expect(statements.mock.calls.length).toBeGreaterThan(0);
      } finally {
        statements.mockRestore();
      }
      await aggregator.drain();
    });

    it('should count 500 events exactly with two aggregators on two pools draining while they are written', async () => {
      const world = await createWorld(sql, 7);
      const second = new SpendAggregatorService(prismaOn());
      const events = Array.from({ length: 500 }, (_, i) => event(world, i, Math.random() / 37));
      let writing = true;
      const drainer = async (a: SpendAggregatorService) => {
        while (writing) await a.drain();
      };
      const drains = [drainer(aggregator), drainer(second)];
      await Promise.all(events.map((e) => ledger.record(e)));
      writing = false;
      await Promise.all(drains);
      await aggregator.drain();
      expect(await pendingCount()).toBe(0);
      await expectCountedExactly(sql, world, events);
    });

    it('should count nothing of a run that fails midway, and everything once on the next run', async () => {
      const world = await createWorld(sql, 2);
      const events = Array.from({ length: 20 }, (_, i) => event(world, i, 0.01));
      await Promise.all(events.map((e) => ledger.record(e)));
      // Tags are added after keys, users and teams: the run fails with those already updated.
      await sql.query(`
        CREATE FUNCTION fail_tag_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected failure'; END $$;
        CREATE TRIGGER fail_tag_update BEFORE UPDATE ON "LiteLLM_TagTable" FOR EACH ROW EXECUTE FUNCTION fail_tag_update();`);
      try {
        await expect(aggregator.drain()).rejects.toThrow(/injected failure/);
        const keys = await rows<{ spend: number }>(
          'SELECT spend FROM "LiteLLM_VerificationToken" WHERE token = ANY($1)',
          [world.keys],
        );
        expect(keys.every((k) => k.spend === 0)).toBe(true);
        expect(await pendingCount()).toBe(20);
      } finally {
        await sql.query(
          'DROP TRIGGER fail_tag_update ON "LiteLLM_TagTable"; DROP FUNCTION fail_tag_update()',
        );
      }
      expect(await aggregator.drain()).toBe(20);
      await expectCountedExactly(sql, world, events);
    });
  });

  describe('budget counters', () => {
    let prisma: PrismaService;
    let ledger: SpendLedgerService;
    let aggregator: SpendAggregatorService;
    beforeAll(() => {
      prisma = prismaOn();
      ledger = new SpendLedgerService(prisma);
      aggregator = new SpendAggregatorService(prisma);
    });

    it("should seed from the row's spend plus pending logs, and agree across two services on one Redis", async () => {
      const world = await createWorld(sql, 1);
      await sql.query('UPDATE "LiteLLM_VerificationToken" SET spend = 1.5 WHERE token = $1', [world.keys[0]]);
      await ledger.record(event(world, 0, 0.25));
      const a = new BudgetCountersService(prisma, redisService(true));
      const b = new BudgetCountersService(prismaOn(), redisService(true));
      const key = { kind: 'key' as const, id: world.keys[0] };
      const [seededA, seededB] = await Promise.all([a.spendOf([key]), b.spendOf([key])]);
      expect(seededA[0]).toBeCloseTo(1.75, 12);
      expect(seededB[0]).toBeCloseTo(1.75, 12);
      const e = event(world, 0, 0.5);
      await ledger.record(e);
      await a.add(entitiesOf(e), 0.5);
      expect((await b.spendOf([key]))[0]).toBeCloseTo(2.25, 12);
      // Every entity of the event reads the same ledger total when seeded afresh.
      // Every entity of the world reads the same ledger total when seeded afresh (the shared
      // `untracked-*` tag also has other tests' logs).
      const entities = entitiesOf(e).filter((x) => !x.id.startsWith('untracked'));
      await a.forget(entities);
      const fresh = await b.spendOf(entities);
      expect(fresh[0]).toBeCloseTo(2.25, 12);
      expect(fresh.slice(1)).toEqual(fresh.slice(1).map(() => expect.closeTo(0.75, 12)));
      await aggregator.drain();
      await a.forget([key]);
      expect((await a.spendOf([key]))[0]).toBeCloseTo(2.25, 12);
    });

    it('should not create a counter on add (a later seed reads the ledger)', async () => {
      const world = await createWorld(sql, 1);
      const counters = new BudgetCountersService(prisma, redisService(true));
      const e = event(world, 0, 0.3);
      await ledger.record(e);
      await counters.add(entitiesOf(e), 0.3);
      expect((await counters.spendOf([{ kind: 'team', id: world.teams[0] }]))[0]).toBeCloseTo(0.3, 12);
    });

    it('should keep counters per process without Redis', async () => {
      const world = await createWorld(sql, 1);
      const a = new BudgetCountersService(prisma, redisService(false));
      const b = new BudgetCountersService(prisma, redisService(false));
      const user = { kind: 'user' as const, id: world.users[0] };
      expect(await a.spendOf([user])).toEqual([0]);
      expect(await b.spendOf([user])).toEqual([0]);
      const e = event(world, 0, 0.2);
      await ledger.record(e);
      await a.add(entitiesOf(e), 0.2);
      expect((await a.spendOf([user]))[0]).toBeCloseTo(0.2, 12);
      expect(await b.spendOf([user])).toEqual([0]);
    });

    it.each([true, false])('should drop the counters of reset rows (redis: %s)', async (withRedis) => {
      const world = await createWorld(sql, 1);
      const counters = new BudgetCountersService(prisma, redisService(withRedis));
      const key = { kind: 'key' as const, id: world.keys[0] };
      await sql.query(
        `UPDATE "LiteLLM_VerificationToken" SET spend = 4, budget_duration = '1d', budget_reset_at = now() - interval '1 hour' WHERE token = $1`,
        [key.id],
      );
      expect(await counters.spendOf([key])).toEqual([4]);
      const resets = new BudgetResetService(prisma, counters);
      const now = new Date();
      const plan = (await resets.plan(OWN_BUDGET_TABLES[0], now, 100_000))!;
      const n = await prisma.$transaction((tx) => resets.resetDueBatch(tx, plan, now, 100_000));
      expect(n).toBeGreaterThanOrEqual(1);
      await counters.flushForgets();
      expect(await counters.spendOf([key])).toEqual([0]);
    });
  });
});

describe('spend ledger in the app', () => {
  const e2e = useE2e({ freshDatabase: 'spend_ledger_app' });

  it('should count a recorded request within seconds through the aggregator every pod runs', async () => {
    const token = `key-${randomUUID()}`;
    await e2e.prisma
      .$executeRaw`INSERT INTO "LiteLLM_VerificationToken" (token, models) VALUES (${token}, '{}')`;
    const ledger = e2e.app.get(SpendLedgerService);
    const w: World = {
      keys: [token],
      users: ['u'],
      teams: ['t'],
      orgs: ['o'],
      tags: ['x'],
      projects: ['p'],
      endUsers: ['e'],
    };
    await ledger.record(event(w, 0, 0.42));
    const deadline = Date.now() + 10_000;
    let spend = 0;
    while (Date.now() < deadline) {
      const [row] = await e2e.prisma.$queryRaw<{ spend: number }[]>`
        SELECT spend FROM "LiteLLM_VerificationToken" WHERE token = ${token}`;
      spend = row.spend;
      if (spend > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(spend).toBeCloseTo(0.42, 12);
  });
});

interface World {
  keys: string[];
  users: string[];
  teams: string[];
  orgs: string[];
  tags: string[];
  projects: string[];
  endUsers: string[];
}

/** `n` of each entity (end users: half of them with a row); ids unique to this call. */
async function createWorld(sql: Pool, n: number): Promise<World> {
  const ids = (p: string) => Array.from({ length: n }, (_, i) => `${p}-${i}-${randomUUID()}`);
  const w: World = {
    keys: ids('key'),
    users: ids('user'),
    teams: ids('team'),
    orgs: ids('org'),
    tags: ids('tag'),
    projects: ids('project'),
    endUsers: ids('end-user'),
  };
  const budget = randomUUID();
  await sql.query(
    `INSERT INTO "LiteLLM_BudgetTable" (budget_id, created_by, updated_by) VALUES ($1, 'test', 'test')`,
    [budget],
  );
  await sql.query(`INSERT INTO "LiteLLM_VerificationToken" (token, models) SELECT unnest($1::text[]), '{}'`, [
    w.keys,
  ]);
  await sql.query(`INSERT INTO "LiteLLM_UserTable" (user_id, models) SELECT unnest($1::text[]), '{}'`, [
    w.users,
  ]);
  await sql.query(
    `INSERT INTO "LiteLLM_TeamTable" (team_id, admins, members, models) SELECT unnest($1::text[]), '{}', '{}', '{}'`,
    [w.teams],
  );
  await sql.query(
    `INSERT INTO "LiteLLM_TeamMembership" (user_id, team_id) SELECT unnest($1::text[]), unnest($2::text[])`,
    [w.users, w.teams],
  );
  await sql.query(
    `INSERT INTO "LiteLLM_OrganizationTable" (organization_id, organization_alias, budget_id, models, created_by, updated_by)
     SELECT unnest($1::text[]), 'o', $2, '{}', 't', 't'`,
    [w.orgs, budget],
  );
  await sql.query(
    `INSERT INTO "LiteLLM_TagTable" (tag_name, models, updated_at) SELECT unnest($1::text[]), '{}', now()`,
    [w.tags],
  );
  await sql.query(
    `INSERT INTO "LiteLLM_ProjectTable" (project_id, models, created_by, updated_by, updated_at) SELECT unnest($1::text[]), '{}', 't', 't', now()`,
    [w.projects],
  );
  await sql.query(`INSERT INTO "LiteLLM_EndUserTable" (user_id) SELECT unnest($1::text[])`, [
    w.endUsers.filter((_, i) => i % 2 === 0),
  ]);
  return w;
}

/** Request `i` of a world: entity i mod n of each kind, two tags, two model groups. */
function event(w: World, i: number, spend: number): SpendEvent {
  const n = w.keys.length;
  const pick = (list: string[]) => list[i % n];
  const start = new Date(Date.UTC(2026, 11, 5 + (i % 2), 23, 59, 59));
  return {
    requestId: `req-${randomUUID()}`,
    callType: 'acompletion',
    apiKey: pick(w.keys),
    keyAlias: null,
    spend,
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    cacheReadInputTokens: 2,
    cacheCreationInputTokens: 1,
    startTime: start,
    endTime: new Date(start.getTime() + 1500),
    completionStartTime: new Date(start.getTime() + 300),
    model: 'openai/gpt-4o',
    modelGroup: i % 3 === 0 ? 'gpt-4o' : 'fast',
    modelId: 'dep-1',
    customLlmProvider: 'openai',
    apiBase: 'https://api.openai.com/v1',
    userId: pick(w.users),
    teamId: pick(w.teams),
    teamAlias: null,
    organizationId: pick(w.orgs),
    projectId: pick(w.projects),
    endUser: pick(w.endUsers),
    sessionId: randomUUID(),
    requestTags: [pick(w.tags), `untracked-${i % 2}`],
    requesterIp: '127.0.0.1',
    status: 'success',
    endpoint: '/chat/completions',
  };
}

/** Every entity's spend, and each Daily table's totals, equal the sums of the events. */
async function expectCountedExactly(sql: Pool, w: World, events: SpendEvent[]): Promise<void> {
  const sum = (pick: (e: SpendEvent) => string | null | string[], id: string) =>
    events
      .filter((e) => {
        const v = pick(e);
        return Array.isArray(v) ? v.includes(id) : v === id;
      })
      .reduce((a, e) => a + e.spend, 0);
  const checks: [string, string, string[], (e: SpendEvent) => string | null | string[]][] = [
    ['LiteLLM_VerificationToken', 'token', w.keys, (e) => e.apiKey],
    ['LiteLLM_UserTable', 'user_id', w.users, (e) => e.userId],
    ['LiteLLM_TeamTable', 'team_id', w.teams, (e) => e.teamId],
    ['LiteLLM_OrganizationTable', 'organization_id', w.orgs, (e) => e.organizationId],
    ['LiteLLM_EndUserTable', 'user_id', w.endUsers, (e) => e.endUser],
    ['LiteLLM_TagTable', 'tag_name', w.tags, (e) => e.requestTags],
    ['LiteLLM_ProjectTable', 'project_id', w.projects, (e) => e.projectId],
    ['LiteLLM_TeamMembership', 'user_id', w.users, (e) => e.userId],
  ];
  for (const [table, column, ids, pick] of checks) {
    const got = await sql.query<{ id: string; spend: number }>(
      `SELECT ${column} AS id, spend FROM "${table}" WHERE ${column} = ANY($1)`,
      [ids],
    );
    expect(got.rows).toHaveLength(ids.length);
    for (const row of got.rows) expect(Math.abs(row.spend - sum(pick, row.id))).toBeLessThan(1e-9);
  }
  const total = events.reduce((a, e) => a + e.spend, 0);
  const daily: [string, string, string[]][] = [
    ['LiteLLM_DailyUserSpend', 'user_id', w.users],
    ['LiteLLM_DailyTeamSpend', 'team_id', w.teams],
    ['LiteLLM_DailyOrganizationSpend', 'organization_id', w.orgs],
    ['LiteLLM_DailyEndUserSpend', 'end_user_id', w.endUsers],
    ['LiteLLM_DailyTagSpend', 'tag', w.tags],
  ];
  for (const [table, column, ids] of daily) {
    const [got] = (
      await sql.query<{ spend: number; requests: string; rows: string }>(
        `SELECT sum(spend) AS spend, sum(api_requests)::text AS requests, count(*)::text AS rows
         FROM "${table}" WHERE ${column} = ANY($1)`,
        [ids],
      )
    ).rows;
    expect(Math.abs(got.spend - total)).toBeLessThan(1e-9);
    expect(Number(got.requests)).toBe(events.length);
    // One row per entity, day, key, model, provider, tool and endpoint: never one per run.
    expect(Number(got.rows)).toBeLessThanOrEqual(ids.length * 2);
  }
}
