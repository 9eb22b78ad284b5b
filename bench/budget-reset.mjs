// Benchmark: one budget-reset run over 1,000,000 due keys plus 100,000 users and 10,000 teams, against one
// plain UPDATE of the same due rows on copies of the tables with the seed's indexes (LiteLLM's, including its
// (budget_reset_at, expires) key index, plus our /key/list index) and default fillfactor, seeded the same way,
// in the same run.
// Goal: reset / plain ≤ 0.5. Usage: npm run build && node bench/budget-reset.mjs
// (BENCH_DATABASE_URL=postgresql://... picks the server; default the machine's PostgreSQL at 127.0.0.1:5432;
// BENCH_KEYS / BENCH_USERS / BENCH_TEAMS / BENCH_DUE_PERCENT / SCHEDULER_BATCH_SIZE to vary;
// BENCH_FRESH=1 for freshly loaded tables). Creates and drops its own database.
// BENCH_BASELINE=/path/to/a/built/checkout: after the plain UPDATE, the reset runs BENCH_PAIRS times (3) per
// build, in alternating order (build, baseline, baseline, build, …), on the same seeded tables: before each
// run the rows it reset are due again (their spend and an hour-old budget_reset_at back, then VACUUM
// ANALYZE and CHECKPOINT, the job-run records cleared). Prints each run, then the medians and
// build/baseline overall and per pair.
import { builds, connect, createDatabase, describe, inTurns, median, migrate, PAIRS } from './harness.mjs';
import { ratio, startApp } from './harness.mjs';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const TEAMS = Number(process.env.BENCH_TEAMS ?? 10_000);
const DUE_PERCENT = Number(process.env.BENCH_DUE_PERCENT ?? 100); // of the keys; an hourly tick: 1

const list = builds();
const paired = list.length > 1;
const database = await createDatabase('bench_reset');
let app;
const db = await connect(database.url);
try {
  await migrate(list[0].root, database.url);
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

  /** One reset run of that build: the app starts, its scheduler runs the job once; the app stops. */
  const resetRun = async (b) => {
    const started = Date.now();
    app = await startApp(b.root, {
      url: database.url,
      args: ['--no-migrate'],
      port: 0,
      env: {
        LITELLM_MASTER_KEY: 'sk-bench-master',
        DEFAULT_CRON_JOB_LOCK_TTL_SECONDS: '60',
        PROXY_BUDGET_RESCHEDULER_MIN_TIME: '86400',
        PROXY_BUDGET_RESCHEDULER_MAX_TIME: '86400',
      },
    });
    let run;
    while (Date.now() - started < 300_000) {
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
    await app.stop();
    app = undefined;
    if (!run || run.status !== 'done') throw new Error(`reset did not finish: ${JSON.stringify(run)}`);
    const { rows: left } = await db.query(
      `SELECT count(*)::int AS n FROM "LiteLLM_VerificationToken" WHERE budget_reset_at <= now() - interval '1 minute'`,
    );
    return { ms: Number(run.ms), rows: run.rows_affected, left: left[0].n, details: run.details };
  };

  if (!paired) {
    const run = await resetRun(list[0]);
    console.log(
      `one budget-reset run (our schema: no budget_reset_at index, key fillfactor 70): ${run.ms.toFixed(0)} ms, ${run.rows} rows reset, ${run.left} keys still due`,
    );
    console.log(`per table: ${JSON.stringify(run.details)}`);
    console.log(`reset / plain UPDATE = ${(run.ms / plainMs).toFixed(2)} (goal ≤ 0.5)`);
  } else {
    // What each run resets, kept aside to make it due again: the rows due now, with their spend.
    const ID = {
      LiteLLM_VerificationToken: 'token',
      LiteLLM_UserTable: 'user_id',
      LiteLLM_TeamTable: 'team_id',
    };
    for (const table of TABLES)
      await db.query(
        `CREATE UNLOGGED TABLE "bench_due_${table}" AS SELECT ${ID[table]} AS id, spend FROM "${table}"
         WHERE budget_reset_at <= now() AND budget_duration IS NOT NULL`,
      );
    const rearm = async () => {
      for (const table of TABLES)
        await db.query(
          `UPDATE "${table}" t SET spend = d.spend, budget_reset_at = now() - interval '1 hour'
           FROM "bench_due_${table}" d WHERE t.${ID[table]} = d.id`,
        );
      await db.query('DELETE FROM "ControlPlane_JobRun"');
      for (const table of TABLES) await db.query(`VACUUM ANALYZE "${table}"`);
      await db.query('CHECKPOINT');
    };
    // Every run then starts from the same kind of table: reset once, re-armed once, vacuumed.
    await rearm();
    console.log(`${describe(list)}; ${PAIRS} runs each, re-armed in between`);
    const runs = list.map(() => []);
    const perPair = [];
    for (let round = 0; round < PAIRS; round++) {
      const ms = [];
      for (const i of inTurns([0, 1], round)) {
        const run = await resetRun(list[i]);
        runs[i].push(run.ms);
        ms[i] = run.ms;
        console.log(
          `${list[i].name}: ${run.ms.toFixed(0)} ms, ${run.rows} rows reset, ${run.left} keys still due, reset / plain ${ratio(run.ms, plainMs)}; phases ${JSON.stringify(run.details.phase_ms ?? {})}`,
        );
        if (round < PAIRS - 1 || i !== inTurns([0, 1], round)[1]) await rearm();
      }
      perPair.push(ratio(ms[0], ms[1]));
    }
    console.log(
      `median reset: ${list.map((b, i) => `${b.label} ${median(runs[i]).toFixed(0)} ms (${runs[i].map((m) => m.toFixed(0)).join(', ')})`).join(', ')};` +
        ` ${list[0].label}/${list[1].label} ${ratio(median(runs[0]), median(runs[1]))} (pairs ${perPair.join(', ')});` +
        ` reset / plain UPDATE ${list.map((b, i) => `${b.label} ${ratio(median(runs[i]), plainMs)}`).join(', ')} (goal ≤ 0.5)`,
    );
  }
} finally {
  await app?.stop();
  await db.end().catch(() => undefined);
  await database.drop();
}
