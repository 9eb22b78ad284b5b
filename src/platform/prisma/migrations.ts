import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

const run = promisify(execFile);

/** Arbitrary but fixed: every process of this app takes the same lock. */
const MIGRATION_LOCK_ID = 7_346_501_987;

export interface MigrationResult {
  baselined: boolean;
  output: string;
}

/**
 * `prisma migrate deploy`, serialized across processes by a PostgreSQL advisory lock so that
 * several pods starting together on an empty database all come up. A database created by
 * LiteLLM itself (its tables exist, our first migration is not recorded) is baselined first:
 * the first migration is marked applied instead of failing on existing tables.
 */
export async function runMigrations(
  databaseUrl: string,
  // The package's own folder (src/platform/prisma or dist/platform/prisma → ../../..), so it starts from any directory.
  projectRoot = join(__dirname, '..', '..', '..'),
): Promise<MigrationResult> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const baselined = await baselineLiteLLMDatabase(client, databaseUrl, projectRoot);
    const output = await prisma(['migrate', 'deploy'], databaseUrl, projectRoot);
    return { baselined, output };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}

async function baselineLiteLLMDatabase(client: Client, databaseUrl: string, projectRoot: string) {
  const first = readdirSync(join(projectRoot, 'prisma/migrations'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()[0];
  const { rows } = await client.query<{ tables: boolean; recorded: boolean }>(
    `SELECT to_regclass('public."LiteLLM_VerificationToken"') IS NOT NULL AS tables,
            to_regclass('public._prisma_migrations') IS NOT NULL
              AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = '_prisma_migrations') AS recorded`,
  );
  if (!first || !rows[0].tables) return false;
  if (rows[0].recorded) {
    const done = await client.query('SELECT 1 FROM _prisma_migrations WHERE migration_name = $1', [first]);
    if (done.rowCount) return false;
  }
  await prisma(['migrate', 'resolve', '--applied', first], databaseUrl, projectRoot);
  return true;
}

async function prisma(args: string[], databaseUrl: string, projectRoot: string): Promise<string> {
  const cli = require.resolve('prisma/build/index.js', { paths: [projectRoot] });
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`prisma ${args.join(' ')} failed: ${err.stderr || err.stdout || err.message}`, {
      cause: e,
    });
  }
}
