import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMigrations } from '../src/platform/prisma/migrations';
import { createEmptyDatabase, query, userTables } from './database';
import { MAIN_JS, startPods } from './pods';

const modelsOf = (file: string) =>
  (readFileSync(file, 'utf8').match(/^model \w+/gm) ?? []).map((m) => m.slice(6)).sort();
const OUR_MODELS = modelsOf(join(__dirname, '../prisma/schema.prisma'));
/** Tables this project adds to LiteLLM's schema (each through its own migration). */
const ADDED_TABLES = ['ControlPlane_JobRun', 'ControlPlane_SpendLogPending'];
const SEED = join(__dirname, '../../shared/seed/schema.prisma');
const EXPECTED_TABLES = [...OUR_MODELS].sort();
/** The key table's indexes and storage parameters (LiteLLM's reset index dropped, fillfactor 70). */
const keyTableStorage = async (url: string) => ({
  indexes: (
    await query<{ indexname: string }>(
      url,
      `SELECT indexname FROM pg_indexes WHERE tablename = 'LiteLLM_VerificationToken' ORDER BY 1`,
    )
  ).map((r) => r.indexname),
  reloptions: (
    await query<{ reloptions: string[] | null }>(
      url,
      `SELECT reloptions FROM pg_class WHERE oid = '"LiteLLM_VerificationToken"'::regclass`,
    )
  )[0].reloptions,
});
const MIGRATED_KEY_TABLE = {
  indexes: [
    'LiteLLM_VerificationToken_created_at_token_idx',
    'LiteLLM_VerificationToken_pkey',
    'LiteLLM_VerificationToken_team_id_idx',
    'LiteLLM_VerificationToken_user_id_team_id_idx',
  ],
  reloptions: ['fillfactor=70'],
};

describe('start-up migrations', () => {
  it("should keep every model of LiteLLM's seed schema and add only the listed tables", () => {
    expect(OUR_MODELS.filter((m) => !ADDED_TABLES.includes(m))).toHaveLength(64);
    if (existsSync(SEED)) expect(OUR_MODELS.filter((m) => !ADDED_TABLES.includes(m))).toEqual(modelsOf(SEED));
  });

  it('should migrate one empty database from three concurrent runs', async () => {
    const db = await createEmptyDatabase();
    try {
      await Promise.all([runMigrations(db.url), runMigrations(db.url), runMigrations(db.url)]);
      expect(await userTables(db.url)).toEqual(EXPECTED_TABLES);
      const enums = await query(db.url, `SELECT typname FROM pg_type WHERE typname = 'JobStatus'`);
      expect(enums).toHaveLength(1);
      expect(await keyTableStorage(db.url)).toEqual(MIGRATED_KEY_TABLE);
    } finally {
      await db.drop();
    }
  });

  it('should baseline a database that LiteLLM created instead of failing on existing tables', async () => {
    const db = await createEmptyDatabase();
    try {
      // What a LiteLLM database looks like to us: the seed schema's tables and LiteLLM's own history.
      const migrations = join(__dirname, '../prisma/migrations');
      const first = readdirSync(migrations)
        .filter((d) => /^\d+_/.test(d))
        .sort()[0];
      await query(db.url, readFileSync(join(migrations, first, 'migration.sql'), 'utf8'));
      await query(
        db.url,
        `CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ,
           migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ,
           started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0);
         INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count)
         VALUES ('litellm-1', 'x', '20250101000000_litellm_own_migration', now(), 1);`,
      );
      await query(
        db.url,
        `INSERT INTO "LiteLLM_UserTable" (user_id, user_role) VALUES ('existing-user', 'proxy_admin')`,
      );
      expect((await keyTableStorage(db.url)).indexes).toContain(
        'LiteLLM_VerificationToken_budget_reset_at_expires_idx',
      );
      const { baselined } = await runMigrations(db.url);
      expect(baselined).toBe(true);
      expect(await userTables(db.url)).toEqual(EXPECTED_TABLES);
      // LiteLLM's (budget_reset_at, expires) index is dropped there too, and key pages keep room.
      expect(await keyTableStorage(db.url)).toEqual(MIGRATED_KEY_TABLE);
      expect(await query(db.url, `SELECT user_id FROM "LiteLLM_UserTable"`)).toEqual([
        { user_id: 'existing-user' },
      ]);
      const applied = await query<{ migration_name: string }>(
        db.url,
        `SELECT migration_name FROM _prisma_migrations ORDER BY 1`,
      );
      expect(applied.map((m) => m.migration_name)).toEqual(expect.arrayContaining([first]));
      expect((await runMigrations(db.url)).baselined).toBe(false);
    } finally {
      await db.drop();
    }
  });

  (existsSync(MAIN_JS) ? it : it.skip)(
    'should bring three server processes up together on one empty database',
    async () => {
      const db = await createEmptyDatabase();
      try {
        const { stop } = await startPods(3, { DATABASE_URL: db.url, LITELLM_MASTER_KEY: 'sk-1234' });
        await stop();
        expect(await userTables(db.url)).toEqual(EXPECTED_TABLES);
      } finally {
        await db.drop();
      }
    },
  );
});
