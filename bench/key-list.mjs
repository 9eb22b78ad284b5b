// Benchmark: GET /key/list and GET /key/info on 300,000 keys (issue: LiteLLM's UI falls over near 380k).
// Usage: npm run build && node bench/key-list.mjs   (BENCH_DATABASE_URL=postgresql://... to pick the server;
// default: the machine's PostgreSQL at 127.0.0.1:5432). Creates and drops its own database. Prints p50/p95.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const KEYS = Number(process.env.BENCH_KEYS ?? 300_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const MASTER = 'sk-bench-master-key';
const PORT = 4400 + Math.floor(Math.random() * 500);

const dbName = `bench_keys_${randomBytes(4).toString('hex')}`;
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
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady();

  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  const t0 = Date.now();
  await db.query(`
    INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, user_id, team_id, models, spend, created_at, updated_at)
    SELECT encode(sha256(('sk-bench-' || i)::bytea), 'hex'), 'sk-...' || i, 'alias-' || i, 'user-' || (i % 5000),
           CASE WHEN i % 3 = 0 THEN NULL ELSE 'team-' || (i % 500) END, '{}', (i % 97)::float, now() - i * interval '1 second', now()
    FROM generate_series(1, ${KEYS}) i`);
  await db.query('VACUUM ANALYZE "LiteLLM_VerificationToken"'); // what autovacuum does to a settled table
  console.log(`seeded ${KEYS} keys in ${Date.now() - t0} ms`);
  await db.end();

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
  for (const [name, path] of scenarios) {
    for (let i = 0; i < 5; i++) await get(path(i), master); // warm-up
    const times = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = process.hrtime.bigint();
      await get(path(i), master);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
    console.log(`${name.padEnd(55)} p50 ${q(0.5)} ms   p95 ${q(0.95)} ms   (n=${ROUNDS})`);
  }
} finally {
  app?.kill('SIGTERM');
  await new Promise((r) => (app && app.exitCode === null ? app.once('exit', r) : r()));
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}

async function get(path, headers) {
  const res = await fetch(`http://127.0.0.1:${PORT}${path}`, { headers });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

async function waitReady() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/health/readiness`)).status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('app did not start');
}
