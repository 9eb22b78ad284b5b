// Benchmark: management reads under load, with a virtual key, against /health/liveliness of the same
// process in the same run. Each route gets the same number of connections for the same time; the
// figure that matters is the ratio to liveliness (the machine is shared and absolute figures drift).
// Usage: npm run build && node bench/management-reads.mjs
//   BENCH_DATABASE_URL=postgresql://... (default: the machine's PostgreSQL; a database is created and dropped)
//   BENCH_CONNECTIONS (50), BENCH_SECONDS (10 per route), BENCH_KEYS (10,000 keys in the database),
//   BENCH_TEAM_KEYS (50 of them in the caller's team: /team/info returns every key of the team, as
//   LiteLLM's does, so its figure follows that number; 5,000 team keys make a 2.4 MB answer)
//   BENCH_BUILD=/path (another built checkout to measure; default this one)
import autocannon from 'autocannon';
import { builds, connect, createDatabase, post as postTo, startApp } from './harness.mjs';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const TEAM_KEYS = Number(process.env.BENCH_TEAM_KEYS ?? 50);
const MASTER = 'sk-bench-master-key';

const database = await createDatabase('bench_reads');
let app;
let BASE;
try {
  app = await startApp(builds()[0].root, {
    url: database.url,
    env: { LITELLM_MASTER_KEY: MASTER, SCHEDULER_ENABLED: 'false' },
  });
  BASE = app.base;

  // The caller: an internal user in a team of 20 members, with a key of its own, among KEYS others.
  const master = { Authorization: `Bearer ${MASTER}` };
  const team = await post('/team/new', { team_alias: 'bench-team', max_budget: 100 }, master);
  const user = await post('/user/new', { user_id: 'bench-user', user_role: 'internal_user' }, master);
  for (let i = 0; i < 20; i++) {
    await post('/user/new', { user_id: `bench-member-${i}` }, master);
    await post(
      '/team/member_add',
      { team_id: team.team_id, member: { user_id: `bench-member-${i}`, role: 'user' } },
      master,
    );
  }
  await post(
    '/team/member_add',
    { team_id: team.team_id, member: { user_id: user.user_id, role: 'user' } },
    master,
  );
  const key = await post(
    '/key/generate',
    { user_id: user.user_id, team_id: team.team_id, max_budget: 10 },
    master,
  );
  for (let i = 0; i < 5; i++)
    await post('/key/generate', { user_id: user.user_id, key_alias: `own-${i}` }, master);

  const db = await connect(database.url);
  await db.query(
    `
    INSERT INTO "LiteLLM_VerificationToken" (token, key_name, user_id, team_id, models, spend, created_at, updated_at)
    SELECT encode(sha256(('sk-bench-' || i)::bytea), 'hex'), 'sk-...' || i, 'other-' || (i % 1000),
           CASE WHEN i <= ${TEAM_KEYS} THEN $1 WHEN i % 2 = 0 THEN 'other-team-' || (i % 500) END, '{}', (i % 97)::float, now() - i * interval '1 second', now()
    FROM generate_series(1, ${KEYS}) i`,
    [team.team_id],
  );
  await db.query('VACUUM ANALYZE');
  await db.end();

  const caller = { Authorization: `Bearer ${key.key}` };
  const routes = [
    ['/health/liveliness', {}],
    ['/key/info', caller],
    ['/key/list', caller],
    [`/team/info?team_id=${team.team_id}`, caller],
    ['/user/info', caller],
  ];
  console.log(
    `${CONNECTIONS} connections, ${SECONDS} s per route, ${KEYS.toLocaleString('en')} keys in the database ` +
      `(${TEAM_KEYS.toLocaleString('en')} in the caller's team), virtual key of an internal user`,
  );
  let reference;
  for (const [path, headers] of routes) {
    await load(path, headers, 2); // warm-up
    const r = await load(path, headers, SECONDS);
    reference ??= r.requests.average;
    const errors = r.non2xx + r.errors + r.timeouts;
    console.log(
      `${('GET ' + path.replace(/team_id=[^&]+/, 'team_id=…')).padEnd(34)} ${r.requests.average.toFixed(0).padStart(6)} req/s` +
        `   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms` +
        `   ${((100 * r.requests.average) / reference).toFixed(0).padStart(3)}% of liveliness   n=${r.requests.total}` +
        (errors ? `   ${errors} errors or timeouts!` : ''),
    );
  }
} finally {
  await app?.stop();
  await database.drop();
}

function load(path, headers, duration) {
  return autocannon({ url: BASE + path, headers, connections: CONNECTIONS, duration });
}

function post(path, body, headers) {
  return postTo(BASE, path, body, headers);
}
