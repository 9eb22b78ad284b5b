// Benchmark: GET /key/list and GET /key/info on 300,000 keys (issue: LiteLLM's UI falls over near 380k).
// Usage: npm run build && node bench/key-list.mjs   (BENCH_DATABASE_URL=postgresql://... to pick the server;
// default: the machine's PostgreSQL at 127.0.0.1:5432). Creates and drops its own database. Prints p50/p95.
// BENCH_KEYS (300,000), BENCH_ROUNDS (200 requests per scenario), BENCH_ONLY=<regexp> (the scenarios whose
// name matches, e.g. 'deep page|sort_by').
// BENCH_BASELINE=/path/to/a/built/checkout: both builds serve the same seeded database side by side; each
// scenario runs BENCH_PAIRS rounds (3) of BENCH_ROUNDS requests to each, one request to each in turns, and
// the script prints p50/p95 of each over all rounds, and p50 build/baseline overall and per round.
import { builds, connect, createDatabase, describe, get, inTurns, migrate, PAIRS } from './harness.mjs';
import { quantile, ratio, startApp, timed } from './harness.mjs';

const KEYS = Number(process.env.BENCH_KEYS ?? 300_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const MASTER = 'sk-bench-master-key';

const list = builds();
const paired = list.length > 1;
const database = await createDatabase('bench_keys');
const apps = [];
try {
  await migrate(list[0].root, database.url);
  const db = await connect(database.url);
  const t0 = Date.now();
  await db.query(`
    INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, user_id, team_id, models, spend, created_at, updated_at)
    SELECT encode(sha256(('sk-bench-' || i)::bytea), 'hex'), 'sk-...' || i, 'alias-' || i, 'user-' || (i % 5000),
           CASE WHEN i % 3 = 0 THEN NULL ELSE 'team-' || (i % 500) END, '{}', (i % 97)::float, now() - i * interval '1 second', now()
    FROM generate_series(1, ${KEYS}) i`);
  await db.query('VACUUM ANALYZE "LiteLLM_VerificationToken"'); // what autovacuum does to a settled table
  console.log(`seeded ${KEYS} keys in ${Date.now() - t0} ms`);
  await db.end();

  for (const b of list)
    apps.push(
      await startApp(b.root, {
        url: database.url,
        args: ['--no-migrate'],
        env: { LITELLM_MASTER_KEY: MASTER },
      }),
    );
  if (paired)
    console.log(`${describe(list)}; ${PAIRS} rounds, ${ROUNDS} requests per scenario, build and round`);

  const master = { Authorization: `Bearer ${MASTER}` };
  const scenarios = [
    ['GET /key/list page 1 (admin, size 100)', () => `/key/list?page=1&size=100`],
    ['GET /key/list deep page (admin, page 2000, size 100)', () => `/key/list?page=2000&size=100`],
    ['GET /key/list full objects (admin, size 100)', () => `/key/list?size=100&return_full_object=true`],
    ['GET /key/list by user_id', (i) => `/key/list?user_id=user-${i % 5000}`],
    ['GET /key/list by team_id', (i) => `/key/list?team_id=team-${(i % 499) + 1}`],
    ['GET /key/list sort_by=spend', () => `/key/list?sort_by=spend&size=100`],
    ['GET /key/info?key=<raw>', (i) => `/key/info?key=sk-bench-${((i * 7919) % KEYS) + 1}`],
  ];
  const measure = async (app, path) => {
    for (let i = 0; i < 5; i++) await get(app.base, path(i), master); // warm-up
    return timed(ROUNDS, (i) => get(app.base, path(i), master));
  };
  const q = (times, p) => quantile(times, p).toFixed(1);
  const only = new RegExp(process.env.BENCH_ONLY ?? '');
  for (const [name, path] of scenarios.filter(([name]) => only.test(name))) {
    if (!paired) {
      const times = await measure(apps[0], path);
      console.log(`${name.padEnd(55)} p50 ${q(times, 0.5)} ms   p95 ${q(times, 0.95)} ms   (n=${ROUNDS})`);
      continue;
    }
    // Request by request in turns (build, baseline, baseline, build, …): both see the same moment of a
    // shared machine.
    const times = list.map(() => []);
    const perRound = [];
    for (let round = 0; round < PAIRS; round++) {
      const t = list.map(() => []);
      for (const i of [0, 1]) for (let w = 0; w < 5; w++) await get(apps[i].base, path(w), master); // warm-up
      for (let n = 0; n < ROUNDS; n++)
        for (const i of inTurns([0, 1], n))
          t[i].push(...(await timed(1, () => get(apps[i].base, path(n), master))));
      for (const i of [0, 1]) times[i].push(...t[i]);
      perRound.push(ratio(quantile(t[0], 0.5), quantile(t[1], 0.5)));
    }
    console.log(
      `${name.padEnd(55)} ${list.map((b, i) => `${b.label} p50 ${q(times[i], 0.5)} ms p95 ${q(times[i], 0.95)} ms`).join('   ')}` +
        `   p50 ${list[0].label}/${list[1].label} ${ratio(quantile(times[0], 0.5), quantile(times[1], 0.5))}` +
        ` (rounds ${perRound.join(', ')}), p95 ${ratio(quantile(times[0], 0.95), quantile(times[1], 0.95))}   (n=${ROUNDS}×${PAIRS} each)`,
    );
  }
} finally {
  for (const app of apps) await app.stop();
  await database.drop();
}
