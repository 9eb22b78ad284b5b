// Benchmark: management reads under load, with a virtual key, against /health/liveliness of the same
// process in the same run. Each route gets the same number of connections for the same time; the
// figure that matters is the ratio to liveliness (the machine is shared and absolute figures drift).
// Usage: npm run build && node bench/management-reads.mjs
//   BENCH_DATABASE_URL=postgresql://... (default: the machine's PostgreSQL; a database is created and dropped)
//   BENCH_CONNECTIONS (50), BENCH_SECONDS (10 per route), BENCH_KEYS (10,000 keys in the database)
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const MASTER = 'sk-bench-master-key';
const PORT = 4900 + Math.floor(Math.random() * 500);
const BASE = `http://127.0.0.1:${PORT}`;

const dbName = `bench_reads_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: SERVER });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(SERVER);
url.pathname = `/${dbName}`;
const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
let app;
try {
  app = spawn(process.execPath, ['dist/main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      LITELLM_MASTER_KEY: MASTER,
      PORT: String(PORT),
      LOG_LEVEL: 'warn',
      LITELLM_DATA_DIR: dataDir,
      SCHEDULER_ENABLED: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady();

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

  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  await db.query(
    `
    INSERT INTO "LiteLLM_VerificationToken" (token, key_name, user_id, team_id, models, spend, created_at, updated_at)
    SELECT encode(sha256(('sk-bench-' || i)::bytea), 'hex'), 'sk-...' || i, 'other-' || (i % 1000),
           CASE WHEN i % 2 = 0 THEN $1 ELSE NULL END, '{}', (i % 97)::float, now() - i * interval '1 second', now()
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
    `${CONNECTIONS} connections, ${SECONDS} s per route, ${KEYS.toLocaleString('en')} keys in the database, virtual key of an internal user`,
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
  app?.kill('SIGTERM');
  await new Promise((r) => (app && app.exitCode === null ? app.once('exit', r) : r()));
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}

function load(path, headers, duration) {
  return autocannon({ url: BASE + path, headers, connections: CONNECTIONS, duration });
}

async function post(path, body, headers) {
  const res = await fetch(BASE + path, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function waitReady() {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${BASE}/health/readiness`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('app did not start');
}
