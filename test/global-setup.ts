import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../src/platform/prisma/embedded-postgres';
import { runMigrations } from '../src/platform/prisma/migrations';

/**
 * One PostgreSQL for the whole run: a throw-away embedded one, or TEST_DATABASE_URL (e.g. the
 * machine's PostgreSQL). Migrated through the same code path as start-up; workers inherit
 * DATABASE_URL.
 */
export default async function globalSetup() {
  process.env.TZ = 'UTC';
  if (process.env.TEST_DATABASE_URL) {
    process.env.DATABASE_URL = process.env.TEST_DATABASE_URL;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'jest-pg-'));
    chmodSync(dir, 0o755); // as root, PostgreSQL runs as `postgres` and must be able to enter it
    const port = 55000 + Math.floor(Math.random() * 5000);
    const db = await startEmbeddedPostgres({
      dir: join(dir, 'data'),
      port,
      database: 'test',
      persistent: false,
    });
    (globalThis as any).__EMBEDDED_PG__ = db;
    process.env.DATABASE_URL = db.url;
  }
  await runMigrations(process.env.DATABASE_URL);
}
