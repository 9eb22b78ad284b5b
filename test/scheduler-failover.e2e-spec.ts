import { existsSync } from 'node:fs';
import { createEmptyDatabase, query } from './database';
import { eventually, MAIN_JS, startPods } from './pods';

const TTL_S = 2;
const RENEW_S = 0.5;
const WINDOW_S = 4;
const KILLS = 10;
const KEYS = 200;

interface LeaseRow {
  pod_id: string;
  generation: string;
  active: boolean;
}

/**
 * Three real processes, one database, a short lease TTL. The leader is killed with SIGKILL ten
 * times (a fresh process replaces it each time); another pod must lead within TTL + one renew
 * interval, and every budget-reset window must run exactly once.
 */
(existsSync(MAIN_JS) ? describe : describe.skip)('scheduler failover across processes', () => {
  let db: Awaited<ReturnType<typeof createEmptyDatabase>>;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    db = await createEmptyDatabase('cp_failover');
  });
  afterAll(async () => {
    await Promise.all(stops.map((s) => s().catch(() => undefined)));
    await db?.drop();
  });

  const env = () => ({
    DATABASE_URL: db.url,
    LITELLM_MASTER_KEY: 'sk-1234',
    DEFAULT_CRON_JOB_LOCK_TTL_SECONDS: String(TTL_S),
    CRON_JOB_LOCK_RENEW_SECONDS: String(RENEW_S),
    PROXY_BUDGET_RESCHEDULER_MIN_TIME: String(WINDOW_S),
    PROXY_BUDGET_RESCHEDULER_MAX_TIME: String(WINDOW_S),
    DEPRECATED_KEY_CLEANUP_INTERVAL_SECONDS: '3600',
  });
  const lease = async () =>
    (
      await query<LeaseRow>(
        db.url,
        `SELECT pod_id, generation::text, (status = 'ACTIVE' AND ttl > now()) AS active FROM "LiteLLM_CronJob"`,
      )
    )[0];

  it('should keep exactly one leader through ten SIGKILLs and run every reset window exactly once', async () => {
    const first = await startPods(3, env());
    stops.push(first.stop);
    const pods = [...first.pods];
    // Keys whose 4 s budget window is always due: each reset moves them to the next 4 s boundary.
    await query(
      db.url,
      `INSERT INTO "LiteLLM_VerificationToken" (token, models, spend, budget_duration, budget_reset_at)
       SELECT 'failover-' || i, '{}', 1, '${WINDOW_S}s', now() - interval '1 hour' FROM generate_series(1, ${KEYS}) i`,
    );
    await eventually(async () => (await lease())?.active === true, 10_000, 50);
    const startedAt = Date.now();

    for (let kill = 0; kill < KILLS; kill++) {
      const before = await lease();
      expect(before.active).toBe(true);
      const leader = pods.find((p) => before.pod_id.includes(`-${p.process.pid}-`));
      expect(leader).toBeDefined();
      const killedAt = Date.now();
      leader!.process.kill('SIGKILL');
      pods.splice(pods.indexOf(leader!), 1);
      const tookMs = await eventually(
        async () => {
          const now = await lease();
          return now.active && now.pod_id !== before.pod_id;
        },
        (TTL_S + RENEW_S) * 1000 + 1500,
        50,
      );
      expect(Date.now() - killedAt).toBeLessThanOrEqual((TTL_S + RENEW_S) * 1000 + 1500);
      expect(tookMs).toBeGreaterThan(0);
      const after = await lease();
      expect(BigInt(after.generation)).toBeGreaterThan(BigInt(before.generation));
      const replacement = await startPods(1, env());
      stops.push(replacement.stop);
      pods.push(...replacement.pods);
      await query(
        db.url,
        `UPDATE "LiteLLM_VerificationToken" SET spend = spend + 1 WHERE token LIKE 'failover-%'`,
      );
    }

    // Let one more window complete with no spend added, then check the records and the rows.
    const lastWindow = Math.floor(Date.now() / 1000 / WINDOW_S) * WINDOW_S;
    await eventually(
      async () =>
        (
          await query(
            db.url,
            `SELECT 1 FROM "ControlPlane_JobRun" WHERE job_name = 'budget_reset' AND status = 'done' AND window_start > to_timestamp(${lastWindow})`,
          )
        ).length > 0,
      (WINDOW_S + TTL_S + RENEW_S) * 1000 + 3000,
      100,
    );
    const runs = await query<{ window_start: Date; status: string }>(
      db.url,
      `SELECT window_start, status FROM "ControlPlane_JobRun" WHERE job_name = 'budget_reset' ORDER BY window_start`,
    );
    const starts = runs.map((r) => r.window_start.getTime() / 1000);
    // One record per window (the unique key), and no window skipped between the first and the last.
    expect(new Set(starts).size).toBe(starts.length);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBe(WINDOW_S);
    expect(runs.slice(0, -1).every((r) => r.status === 'done')).toBe(true);
    expect(starts.length).toBeGreaterThanOrEqual(Math.floor((Date.now() - startedAt) / 1000 / WINDOW_S) - 1);
    const rows = await query<{ spend: number; budget_reset_at: Date }>(
      db.url,
      `SELECT spend, budget_reset_at FROM "LiteLLM_VerificationToken" WHERE token LIKE 'failover-%'`,
    );
    expect(rows).toHaveLength(KEYS);
    for (const row of rows) {
      expect(row.spend).toBe(0);
      expect(row.budget_reset_at.getTime() % (WINDOW_S * 1000)).toBe(0);
      expect(row.budget_reset_at.getTime()).toBeGreaterThan(Date.now() - WINDOW_S * 1000);
    }
  }, 240_000);
});
