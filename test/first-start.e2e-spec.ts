import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCode, freePort, MAIN_JS, waitUntil } from './pods';

/**
 * A newcomer's first `npm start`, as a real process with the embedded PostgreSQL: settings from
 * `.env`, the ready banner as the last thing printed, and a clean Ctrl-C.
 */
describe('first start', () => {
  let dir: string;
  let port: number;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cp-first-start-'));
    chmodSync(dir, 0o755); // as root, PostgreSQL runs as `postgres` and must be able to enter it
    port = await freePort();
    writeFileSync(
      join(dir, '.env'),
      `# settings of this installation\nPORT=${port}\nEMBEDDED_DATABASE_PORT=${await freePort()}\nLOG_LEVEL=error\n`,
    );
    // No DATABASE_URL, no master key: what a fresh machine has. LOG_LEVEL here beats the file's.
    env = {
      ...process.env,
      LITELLM_DATA_DIR: join(dir, '.data'),
      LOG_LEVEL: 'info',
      SCHEDULER_ENABLED: 'false',
    };
    delete env.DATABASE_URL;
    delete env.LITELLM_MASTER_KEY;
    delete env.PORT;
    delete env.EMBEDDED_DATABASE_PORT;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `node dist/main.js` in `dir`, in a process group of its own (as a terminal would). */
  function start() {
    const child = spawn(process.execPath, [MAIN_JS], { cwd: dir, env, detached: true, stdio: 'pipe' });
    const out = { stdout: '', stderr: '' };
    child.stdout!.on('data', (c: Buffer) => (out.stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out.stderr += c.toString()));
    const ready = waitUntil(() => out.stdout.includes('is ready at'), child, 60_000);
    return { child, out, ready };
  }

  it('should read .env, print the banner last with the generated key once, and stop cleanly on Ctrl-C', async () => {
    const first = start();
    await first.ready;
    await new Promise((r) => setTimeout(r, 300)); // anything printed after the banner would show now
    const key = readFileSync(join(dir, '.data', 'master_key'), 'utf8').trim();
    const lines = first.out.stdout.trimEnd().split('\n');
    const bannerAt = lines.findIndex((l) => l.startsWith('LiteLLM control plane is ready at'));
    expect(lines[bannerAt]).toBe(`LiteLLM control plane is ready at http://localhost:${port}`);
    expect(lines.slice(bannerAt).join('\n')).toContain(`http://localhost:${port}/docs`);
    expect(lines.slice(bannerAt).join('\n')).toContain(`kept in ${join(dir, '.data', 'master_key')}`);
    expect(lines[lines.length - 1]).toBe('Set LITELLM_MASTER_KEY to choose your own.');
    expect(lines.slice(bannerAt)).toContain(`    ${key}`);
    expect(first.out.stdout.split(key)).toHaveLength(2); // printed once, never logged
    // The environment's LOG_LEVEL=info won over the file's error; Nest's per-route lines are debug.
    const logLines = lines.slice(0, bannerAt).filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.length).toBeLessThan(10);
    expect(first.out.stdout).not.toMatch(/Mapped \{|RoutesResolver|InstanceLoader/);

    const res = await fetch(`http://127.0.0.1:${port}/key/list`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);

    process.kill(-first.child.pid!, 'SIGINT'); // Ctrl-C reaches the whole foreground group
    const code = await exitCode(first.child);
    // On failure, the process's last lines say why (e.g. `shutdown failed` with the error).
    const tail = (first.out.stdout + first.out.stderr).split('\n').slice(-60).join('\n');
    expect({ code, tail: code === 0 ? '' : tail }).toEqual({ code: 0, tail: '' });
    expect(first.out.stdout + first.out.stderr).not.toMatch(
      /listener connection error|terminating connection/,
    );

    const second = start();
    await second.ready;
    expect(second.out.stdout).toContain(`kept in ${join(dir, '.data', 'master_key')}`);
    expect(second.out.stdout).not.toContain(key);
    process.kill(second.child.pid!, 'SIGTERM');
    expect(await exitCode(second.child)).toBe(0);
    expect(second.out.stdout + second.out.stderr).not.toMatch(
      /listener connection error|terminating connection/,
    );
  }, 150_000);
});
