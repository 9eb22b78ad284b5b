// What the bench scripts share: a database of their own, migrations and the app from a given build,
// latency summaries, and the builds to compare.
//   BENCH_DATABASE_URL=postgresql://...  the server (default: the machine's PostgreSQL at 127.0.0.1:5432)
//   BENCH_BUILD=/path                    the build under test (default: this checkout; it needs dist/ built)
//   BENCH_BASELINE=/path                 a second built checkout (e.g. a git worktree of an earlier commit):
//                                        scripts that support it measure both on the same data, interleaved,
//                                        and print each figure for both with the ratio build/baseline
// A build's layout is found, not assumed: main.js is dist/main.js, and migrations.js is wherever its dist/
// has it (dist/prisma/ before the platform/ folder existed, dist/platform/prisma/ since).
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const HERE = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

// Interrupted (Ctrl-C, kill), a script still stops its apps and drops its database.
const cleanups = new Set();
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, async () => {
    for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => undefined);
    process.exit(130);
  });

/** The builds to measure: the one under test, then the baseline when BENCH_BASELINE names one. */
export function builds() {
  const list = [build('build', process.env.BENCH_BUILD ?? HERE)];
  if (process.env.BENCH_BASELINE) {
    list.push(build('baseline', process.env.BENCH_BASELINE));
    if (migrationsDigest(list[0].root) !== migrationsDigest(list[1].root))
      throw new Error(
        `${list[0].root} and ${list[1].root} have different prisma/migrations: the data cannot be shared, so BENCH_BASELINE cannot compare them`,
      );
  }
  return list;
}

function build(label, dir) {
  const root = resolve(dir);
  if (!existsSync(join(root, 'dist', 'main.js')))
    throw new Error(`${root}/dist/main.js not found: run npm run build there first`);
  let commit = '?';
  try {
    commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'src', 'prisma'], {
      encoding: 'utf8',
    }).trim();
    if (dirty) commit += '+uncommitted';
  } catch {
    // not a git checkout
  }
  return { label, root, commit, name: `${label} ${commit}` };
}

/** "build 9dfddfa (/tmp/head), baseline 32db00d (/tmp/baseline)" */
export function describe(list) {
  return list.map((b) => `${b.name} (${b.root})`).join(', ');
}

function migrationsDigest(root) {
  const dir = join(root, 'prisma', 'migrations');
  const hash = createHash('sha256');
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    hash.update(entry.name);
    const sql = join(dir, entry.name, 'migration.sql');
    if (entry.isDirectory() && existsSync(sql)) hash.update(readFileSync(sql));
  }
  return hash.digest('hex');
}

/** The first file named `name` under root/dist whose path ends with `suffix` (e.g. 'prisma/migrations.js'). */
export function distFile(root, suffix) {
  const name = suffix.split('/').pop();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = walk(path);
        if (found) return found;
      } else if (entry.name === name && path.endsWith(`/${suffix}`)) return path;
    }
    return undefined;
  };
  const found = walk(join(root, 'dist'));
  if (!found) throw new Error(`no ${suffix} under ${root}/dist`);
  return found;
}

/** `prisma migrate deploy` of that build's migrations, through its own runMigrations. */
export async function migrate(root, url) {
  const { runMigrations } = require(distFile(root, 'prisma/migrations.js'));
  return runMigrations(url);
}

/** A fresh database on SERVER: { url, drop() }. */
export async function createDatabase(prefix) {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const drop = async () => {
    cleanups.delete(drop);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
  cleanups.add(drop);
  return { name, url: url.toString(), drop };
}

export async function connect(url) {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  return db;
}

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/**
 * Starts root/dist/main.js (cwd root) on `url` with its own data folder; port 0 lets the app pick (nothing
 * waits for it then), otherwise a free port is chosen and the app is awaited on /health/readiness.
 * Returns { base, port, stop() }; stop() sends SIGTERM and waits for the exit (a clean stop releases the
 * scheduler lease).
 */
export async function startApp(root, { url, env = {}, args = [], port, ready = true } = {}) {
  port ??= await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const child = spawn(process.execPath, [join(root, 'dist', 'main.js'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      LITELLM_MASTER_KEY: 'sk-bench-master-key',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      LITELLM_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  const app = {
    port,
    base: `http://127.0.0.1:${port}`,
    async stop() {
      cleanups.delete(app.stop);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  cleanups.add(app.stop);
  if (ready && port !== 0) {
    try {
      await waitReady(app.base, child);
    } catch (e) {
      await app.stop();
      throw e;
    }
  }
  return app;
}

async function waitReady(base, child) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health/readiness`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('app did not start');
}

/** GET that must answer 200; the body is read and dropped. */
export async function get(base, path, headers) {
  const res = await fetch(base + path, { headers });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

export async function post(base, path, body, headers) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Milliseconds of `times` calls of fn(i). */
export async function timed(times, fn) {
  const ms = [];
  for (let i = 0; i < times; i++) {
    const started = process.hrtime.bigint();
    await fn(i);
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return ms;
}

/** The p-quantile (0..1) of the samples, nearest rank from below, as the scripts always printed it. */
export function quantile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export const median = (samples) => quantile(samples, 0.5);

/** build / baseline, two decimals. */
export const ratio = (a, b) => (a / b).toFixed(2);

/** Pairs run in turns: round r runs the builds in order when r is even and reversed when odd (A B, B A, A B…). */
export function inTurns(list, round) {
  return round % 2 === 0 ? list : [...list].reverse();
}

export const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);

/**
 * The benches' caller: an internal user in a team with a budget, with a key that has a budget and an
 * rpm limit far above what a bench sends (so every check runs and none refuses), plus `keyFields`.
 * Returns the key.
 */
export async function seedCaller(base, masterKey, keyFields) {
  const master = { Authorization: `Bearer ${masterKey}` };
  const team = await post(base, '/team/new', { team_alias: 'bench-team', max_budget: 1_000_000 }, master);
  await post(
    base,
    '/user/new',
    { user_id: 'bench-user', user_role: 'internal_user', max_budget: 1_000_000 },
    master,
  );
  await post(
    base,
    '/team/member_add',
    { team_id: team.team_id, member: { user_id: 'bench-user', role: 'user' } },
    master,
  );
  const key = await post(
    base,
    '/key/generate',
    {
      user_id: 'bench-user',
      team_id: team.team_id,
      max_budget: 1_000_000,
      rpm_limit: 100_000_000,
      ...keyFields,
    },
    master,
  );
  return key.key;
}
