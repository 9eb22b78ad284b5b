import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmptyDatabase } from './database';
import { alive, exitCode, freePort, MAIN_JS, waitUntil } from './pods';

/**
 * `--num_workers 2` (LiteLLM's flag): one primary that migrates and supervises, two worker
 * processes serving the one port; a worker that dies is replaced while the other serves; Ctrl-C
 * stops them all with exit code 0.
 */
describe('--num_workers', () => {
  let db: { url: string; drop(): Promise<void> };
  let dir: string;
  beforeAll(async () => {
    db = await createEmptyDatabase('cp_workers');
    dir = mkdtempSync(join(tmpdir(), 'cp-workers-'));
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should serve from two workers, replace one that dies, and stop all of them on Ctrl-C', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN_JS, '--num_workers', '2'], {
      cwd: dir,
      detached: true, // its own process group, as a terminal gives it
      stdio: 'pipe',
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        LITELLM_MASTER_KEY: 'sk-workers-master',
        LITELLM_DATA_DIR: join(dir, '.data'),
        PORT: String(port),
        LOG_LEVEL: 'info',
        SCHEDULER_ENABLED: 'false',
        REDIS_URL: '',
      },
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const workerPids = () => [
      ...new Set([...out.matchAll(/"msg":"worker listening","pid":(\d+)/g)].map((m) => Number(m[1]))),
    ];
    try {
      await waitUntil(() => out.includes('is ready at'), child, 90_000);
      expect(out).toContain('Workers:     2 processes on the one port');
      const [first, second] = workerPids();
      expect(workerPids()).toHaveLength(2);
      expect([first, second]).not.toContain(child.pid);
      expect(await statuses(port, 20)).toEqual(Array(20).fill(200));

      process.kill(first, 'SIGKILL');
      // Once the primary has seen the exit (a connection handed over in that instant is lost: node's
      // cluster), the other worker serves while the primary starts a replacement.
      await waitUntil(() => out.includes('worker exited; starting another'), child, 10_000);
      expect(await statuses(port, 10)).toEqual(Array(10).fill(200));
      await waitUntil(() => workerPids().length === 3, child, 60_000);
      expect(await statuses(port, 10)).toEqual(Array(10).fill(200));

      process.kill(-child.pid!, 'SIGINT'); // Ctrl-C reaches the whole foreground group
      const code = await exitCode(child);
      expect({ code, tail: code === 0 ? '' : out.split('\n').slice(-8).join('\n') }).toEqual({
        code: 0,
        tail: '',
      });
      for (const pid of workerPids()) expect(alive(pid)).toBe(false);
    } catch (e) {
      // What the processes printed says why (a worker that did not start, a shutdown that failed).
      throw new Error(`${(e as Error).message}\n--- output ---\n${out.split('\n').slice(-30).join('\n')}`, {
        cause: e,
      });
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  }, 180_000);
});

/** `n` requests, each on a new connection (so the primary hands each to a worker). */
async function statuses(port: number, n: number): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/health/liveliness`, {
      headers: { connection: 'close' },
      signal: AbortSignal.timeout(10_000),
    });
    await res.text();
    codes.push(res.status);
  }
  return codes;
}
