// Benchmark: one budget-reset run over 1,000,000 due keys plus 100,000 users and 10,000 teams, against one
// plain UPDATE of the same due rows on copies of the tables with the seed's indexes (LiteLLM's, including its
// (budget_reset_at, expires) key index, plus our /key/list index) and default fillfactor, seeded the same way,
// in the same run.
// Goal: reset / plain ≤ 0.5. Usage: npm run build && node bench/budget-reset.mjs
// (BENCH_DATABASE_URL=postgresql://... picks the server; default the machine's PostgreSQL at 127.0.0.1:5432;
// BENCH_KEYS / BENCH_USERS / BENCH_TEAMS / BENCH_DUE_PERCENT / SCHEDULER_BATCH_SIZE to vary;
// BENCH_FRESH=1 for freshly loaded tables). Creates and drops its own database.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const require = createRequire(import.meta.url);
const { runMigrations } = require('../dist/platform/prisma/migrations.js');

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const TEAMS = Number(process.env.BENCH_TEAMS ?? 10_000);
const DUE_PERCENT = Number(process.env.BENCH_DUE_PERCENT ?? 100); // of the keys; an hourly tick: 1

const dbName = `bench_reset_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: SERVER });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(SERVER);
url.pathname = `/${dbName}`;
const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
let app;
const db = new pg.Client({ connectionString: url.toString() });
try {
  await runMigrations(url.toString());
  await db.connect();
  const TABLES = ['LiteLLM_VerificationToken', 'LiteLLM_UserTable', 'LiteLLM_TeamTable'];
  const plain = (table) => `bench_plain_${table}`;
  // The baseline: copies with the indexes the tables had before our migration dropped LiteLLM's
  // (budget_reset_at, expires) key index, and the default fillfactor (LIKE copies neither option).
  for (const table of TABLES)
    await db.query(`CREATE TABLE "${plain(table)}" (LIKE "${table}" INCLUDING ALL)`);
  await db.query(`CREATE INDEX ON "${plain('LiteLLM_VerificationToken')}" (budget_reset_at, expires)`);
  let t0 = Date.now();
  for (const [keys, users, teams] of [TABLES, TABLES.map(plain)]) {
    // Mixed durations, due an hour ago (BENCH_DUE_PERCENT of the keys, all users and teams); keys created
    // 30 s apart over the last year, in insertion order.
    await db.query(`
      INSERT INTO "${keys}" (token, models, spend, budget_duration, budget_reset_at, user_id, created_at)
      SELECT md5('k' || i) || md5('x' || i), '{}', 1 + (i % 50), (ARRAY['1d','7d','30d','1h'])[1 + i % 4],
             CASE WHEN i % 100 < ${DUE_PERCENT} THEN now() - interval '1 hour' ELSE now() + interval '1 day' END,
             'user-' || (i % ${USERS}), now() - (${KEYS} - i) * interval '30 seconds'
      FROM generate_series(1, ${KEYS}) i`);
    await db.query(`
      INSERT INTO "${users}" (user_id, spend, budget_duration, budget_reset_at)
      SELECT 'user-' || i, 5, '30d', now() - interval '1 hour' FROM generate_series(0, ${USERS - 1}) i`);
    await db.query(`
      INSERT INTO "${teams}" (team_id, spend, budget_duration, budget_reset_at)
      SELECT 'team-' || i, 5, '1d', now() - interval '1 hour' FROM generate_series(1, ${TEAMS}) i`);
    if (process.env.BENCH_FRESH !== '1') {
      // A live table has been through earlier resets: every row has a dead version and every index an
      // entry per version, which VACUUM turns into free space. Simulate one earlier reset; BENCH_FRESH=1
      // measures a freshly bulk-loaded table instead (full heap and index pages).
      for (const table of [keys, users, teams])
        await db.query(
          `UPDATE "${table}" SET spend = spend, budget_reset_at = budget_reset_at - interval '1 second'`,
        );
    }
  }
  await db.query('VACUUM ANALYZE');
  await db.query('CHECKPOINT'); // start from a settled database, not in the middle of the seed's checkpoint
  const { rows: storage } = await db.query(
    `SELECT relname, reloptions, (SELECT count(*) FROM pg_index WHERE indrelid = c.oid)::int AS indexes
     FROM pg_class c WHERE relname = ANY($1) ORDER BY relname`,
    [[...TABLES, ...TABLES.map(plain)]],
  );
  console.log(
    `seeded ${KEYS} keys, ${USERS} users, ${TEAMS} teams (${DUE_PERCENT}% of keys due; ${process.env.BENCH_FRESH === '1' ? 'freshly loaded' : 'settled'} tables), twice, in ${Date.now() - t0} ms`,
  );
  console.log(
    `tables: ${storage.map((r) => `${r.relname} ${r.indexes} indexes ${r.reloptions?.join(',') ?? 'default fillfactor'}`).join('; ')}`,
  );

  // (b) One plain UPDATE per copy of the rows the job resets there, one after the other, no app.
  let plainMs = 0;
  const plainPerTable = {};
  for (const table of TABLES) {
    const live = table === 'LiteLLM_VerificationToken' ? 'AND (expires IS NULL OR expires > now())' : '';
    t0 = Date.now();
    const { rowCount } = await db.query(
      `UPDATE "${plain(table)}" SET spend = 0, budget_reset_at = now() + interval '1 day'
       WHERE budget_reset_at <= now() AND budget_duration IS NOT NULL ${live}`,
    );
    plainPerTable[table] = { rows: rowCount, ms: Date.now() - t0 };
    plainMs += Date.now() - t0;
  }
  for (const table of TABLES) await db.query(`DROP TABLE "${plain(table)}"`);
  await db.query('CHECKPOINT');
  console.log(
    `one plain UPDATE per table of the same due rows on copies with the seed's indexes (LiteLLM's, with (budget_reset_at, expires) on keys, plus our created_at index) and default fillfactor: ${plainMs} ms ${JSON.stringify(plainPerTable)}`,
  );

  t0 = Date.now();
  app = spawn(process.execPath, ['dist/main.js', '--no-migrate'], {
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      LITELLM_MASTER_KEY: 'sk-bench-master',
      PORT: '0',
      LOG_LEVEL: 'warn',
      LITELLM_DATA_DIR: dataDir,
      DEFAULT_CRON_JOB_LOCK_TTL_SECONDS: '60',
      PROXY_BUDGET_RESCHEDULER_MIN_TIME: '86400',
      PROXY_BUDGET_RESCHEDULER_MAX_TIME: '86400',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let run;
  while (Date.now() - t0 < 300_000) {
    const { rows } = await db.query(
      `SELECT status, rows_affected, details, extract(epoch from finished_at - started_at) * 1000 AS ms
       FROM "ControlPlane_JobRun" WHERE job_name = 'budget_reset' AND status <> 'running'`,
    );
    if (rows[0]) {
      run = rows[0];
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!run || run.status !== 'done') throw new Error(`reset did not finish: ${JSON.stringify(run)}`);
  const { rows: left } = await db.query(
    `SELECT count(*)::int AS n FROM "LiteLLM_VerificationToken" WHERE budget_reset_at <= now() - interval '1 minute'`,
  );
  console.log(
    `one budget-reset run (our schema: no budget_reset_at index, key fillfactor 70): ${Number(run.ms).toFixed(0)} ms, ${run.rows_affected} rows reset, ${left[0].n} keys still due`,
  );
  console.log(`per table: ${JSON.stringify(run.details)}`);
  console.log(`reset / plain UPDATE = ${(Number(run.ms) / plainMs).toFixed(2)} (goal ≤ 0.5)`);
} finally {
  app?.kill('SIGTERM');
  await new Promise((r) =>
    app && app.exitCode === null && app.signalCode === null ? app.once('exit', r) : r(),
  );
  await db.end().catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}
