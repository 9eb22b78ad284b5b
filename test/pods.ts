import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmptyDatabase } from './database';

export const MAIN_JS = join(__dirname, '../dist/main.js');

/** Real server processes ("pods") of the built app, for multi-process tests. */
export interface Pod {
  port: number;
  url: string;
  process: ChildProcess;
}

/** Started pods, with a way to crash one (`kill`) and bring it back on the same port (`respawn`). */
export interface PodGroup {
  pods: Pod[];
  stop(): Promise<void>;
  /** Sends `signal` (SIGKILL by default) to a pod and resolves once its process has exited. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a new process for a pod that exited, same port and environment; resolves when ready. */
  respawn(index: number): Promise<void>;
}

export async function startPods(count: number, env: Record<string, string | undefined>): Promise<PodGroup> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cp-pods-'));
  const ports = await Promise.all(Array.from({ length: count }, freePort));
  const spawnOn = (port: number) =>
    spawn(process.execPath, [MAIN_JS], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, PORT: String(port), LITELLM_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const pods: Pod[] = ports.map((port) => ({
    port,
    url: `http://127.0.0.1:${port}`,
    process: spawnOn(port),
  }));
  const kill = async (index: number, signal: NodeJS.Signals = 'SIGKILL') => {
    const pod = pods[index];
    if (!exited(pod)) pod.process.kill(signal);
    await exit(pod);
  };
  /** SIGTERM, then SIGKILL if the pod has not exited within `graceMs` (a shutdown hook that hangs). */
  const killWithin = async (index: number, graceMs: number) => {
    const hard = setTimeout(() => pods[index].process.kill('SIGKILL'), graceMs);
    await kill(index, 'SIGTERM');
    clearTimeout(hard);
  };
  const respawn = async (index: number) => {
    const pod = pods[index];
    if (!exited(pod)) throw new Error(`pod on port ${pod.port} is still running`);
    pod.process = spawnOn(pod.port);
    await waitReady(pod, Date.now() + 45_000);
  };
  const stop = async () => {
    await Promise.all(pods.map((_, i) => killWithin(i, 15_000)));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 45_000;
    await Promise.all(pods.map((p) => waitReady(p, deadline)));
  } catch (e) {
    await stop();
    throw e;
  }
  return { pods, stop, kill, respawn };
}

const exited = (pod: Pod) => pod.process.exitCode !== null || pod.process.signalCode !== null;
const exit = (pod: Pod) =>
  new Promise((resolve) => (exited(pod) ? resolve(null) : pod.process.once('exit', resolve)));

/** A port the OS just handed out, so parallel test files never collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(pod: Pod, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (pod.process.exitCode !== null)
      throw new Error(`pod on port ${pod.port} exited with code ${pod.process.exitCode}`);
    try {
      if ((await fetch(`${pod.url}/health/readiness`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`pod on port ${pod.port} did not become ready`);
}

export function tcpAnswers(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
    socket.connect(Number(port || defaultPort), hostname);
  });
}

/** Polls `check` until it holds; returns the milliseconds it took, or throws after `withinMs`. */
export async function eventually(
  check: () => Promise<boolean>,
  withinMs: number,
  everyMs = 25,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met within ${withinMs} ms`);
}

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POD_MASTER_KEY = 'sk-1234';

/** Two real pods on a fresh database, for one invalidation transport. */
export interface PodPair {
  /** Why the suite is skipped ('' when it runs). */
  skip: string;
  /** The pods' database (set once they run). */
  databaseUrl: string;
  call(
    pod: number,
    method: string,
    path: string,
    key: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, any> }>;
  /** Does `key` authenticate on `pod`? (`GET /key/info`) */
  works(pod: number, key: string): Promise<boolean>;
}

/**
 * Runs `body` twice: with Redis pub/sub (skipped when Redis does not answer) and with PostgreSQL
 * LISTEN/NOTIFY as the invalidation transport, each time against two fresh pods.
 */
export function describeTwoPods(title: string, body: (pair: PodPair) => void): void {
  describe.each([
    ['redis', true],
    ['postgres notify', false],
  ])(`${title} (%s invalidation)`, (_name, useRedis) => {
    let ctx: Awaited<ReturnType<typeof startPods>> | undefined;
    let db: { url: string; drop(): Promise<void> } | undefined;
    const pair: PodPair = {
      skip: '',
      databaseUrl: '',
      call: async (pod, method, path, key, payload) => {
        const res = await fetch(`${ctx!.pods[pod].url}${path}`, {
          method,
          headers: { Authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: payload === undefined ? undefined : JSON.stringify(payload),
        });
        return { status: res.status, body: (await res.json()) as Record<string, any> };
      },
      works: async (pod, key) => (await pair.call(pod, 'GET', '/key/info', key)).status === 200,
    };

    beforeAll(async () => {
      if (!existsSync(MAIN_JS)) pair.skip = 'dist/main.js not built';
      else if (useRedis && !(await tcpAnswers(REDIS_URL, 6379))) pair.skip = `no Redis at ${REDIS_URL}`;
      if (pair.skip) return;
      db = await createEmptyDatabase('cp_pods');
      pair.databaseUrl = db.url;
      ctx = await startPods(2, {
        DATABASE_URL: db.url,
        LITELLM_MASTER_KEY: POD_MASTER_KEY,
        REDIS_URL: useRedis ? REDIS_URL : '',
      });
    }, 90_000);
    afterAll(async () => {
      await ctx?.stop();
      await db?.drop();
    });

    body(pair);
  });
}

/** Resolves when `check()` holds, polling; rejects if `child` exits first or `withinMs` passes. */
export async function waitUntil(check: () => boolean, child: ChildProcess, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The child's exit code, once it has exited. */
export function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
