import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '../src/prisma/migrations';
import { createEmptyDatabase, query, userTables } from './database';

const SEED_MODELS = (
  readFileSync(join(__dirname, '../prisma/schema.prisma'), 'utf8').match(/^model \w+/gm) ?? []
).length;

async function waitReady(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/readiness`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server on port ${port} did not become ready`);
}

describe('start-up migrations', () => {
  it('should have 64 models in the schema, as the seed', () => {
    expect(SEED_MODELS).toBe(64);
  });

  it('should migrate one empty database from three concurrent runs', async () => {
    const db = await createEmptyDatabase();
    try {
      await Promise.all([runMigrations(db.url), runMigrations(db.url), runMigrations(db.url)]);
      expect(await userTables(db.url)).toHaveLength(64);
      const enums = await query(db.url, `SELECT typname FROM pg_type WHERE typname = 'JobStatus'`);
      expect(enums).toHaveLength(1);
    } finally {
      await db.drop();
    }
  });

  it('should baseline a database that LiteLLM created instead of failing on existing tables', async () => {
    const db = await createEmptyDatabase();
    try {
      await runMigrations(db.url);
      // What a LiteLLM database looks like to us: its tables, and its own migration history.
      await query(db.url, `DELETE FROM _prisma_migrations`);
      await query(
        db.url,
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ('litellm-1', 'x', '20250101000000_litellm_own_migration', now(), now(), 1)`,
      );
      const { baselined } = await runMigrations(db.url);
      expect(baselined).toBe(true);
      expect(await userTables(db.url)).toHaveLength(64);
      expect((await runMigrations(db.url)).baselined).toBe(false);
    } finally {
      await db.drop();
    }
  });

  const mainJs = join(__dirname, '../dist/main.js');
  (existsSync(mainJs) ? it : it.skip)(
    'should bring three server processes up together on one empty database',
    async () => {
      const db = await createEmptyDatabase();
      const dataDir = mkdtempSync(join(tmpdir(), 'cp-start-'));
      const base = 40000 + Math.floor(Math.random() * 5000);
      const ports = [base, base + 1, base + 2];
      const children: ChildProcess[] = ports.map((port) =>
        spawn(process.execPath, [mainJs], {
          cwd: join(__dirname, '..'),
          env: {
            ...process.env,
            DATABASE_URL: db.url,
            PORT: String(port),
            LITELLM_MASTER_KEY: 'sk-1234',
            LITELLM_DATA_DIR: dataDir,
            LOG_LEVEL: 'warn',
          },
          stdio: 'ignore',
        }),
      );
      try {
        const deadline = Date.now() + 45_000;
        await Promise.all(ports.map((port) => waitReady(port, deadline)));
        expect(await userTables(db.url)).toHaveLength(64);
      } finally {
        children.forEach((c) => c.kill('SIGTERM'));
        await Promise.all(
          children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
        );
        rmSync(dataDir, { recursive: true, force: true });
        await db.drop();
      }
    },
  );
});
