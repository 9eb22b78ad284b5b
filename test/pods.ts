import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MAIN_JS = join(__dirname, '../dist/main.js');

/** Real server processes ("pods") of the built app, for multi-process tests. */
export interface Pod {
  port: number;
  url: string;
  process: ChildProcess;
}

export async function startPods(
  count: number,
  env: Record<string, string | undefined>,
): Promise<{ pods: Pod[]; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cp-pods-'));
  const ports = await Promise.all(Array.from({ length: count }, freePort));
  const pods = ports.map((port) => {
    const child = spawn(process.execPath, [MAIN_JS], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, PORT: String(port), LITELLM_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { port, url: `http://127.0.0.1:${port}`, process: child };
  });
  const stop = async () => {
    pods.forEach((p) => p.process.kill('SIGTERM'));
    const exited = (p: Pod) => p.process.exitCode !== null || p.process.signalCode !== null;
    await Promise.all(pods.map((p) => new Promise((r) => (exited(p) ? r(null) : p.process.once('exit', r)))));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 45_000;
    await Promise.all(pods.map((p) => waitReady(p, deadline)));
  } catch (e) {
    await stop();
    throw e;
  }
  return { pods, stop };
}

/** A port the OS just handed out, so parallel test files never collide. */
function freePort(): Promise<number> {
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
