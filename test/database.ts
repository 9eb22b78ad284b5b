import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Creates an empty database on the test server (for start-up and migration tests). */
export async function createEmptyDatabase(
  prefix = 'cp_empty',
): Promise<{ url: string; drop(): Promise<void> }> {
  const base = new URL(process.env.DATABASE_URL!);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new URL(base.toString());
  admin.pathname = '/postgres';
  const run = async (sql: string) => {
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const drop = async () => {
    // Once its last connection has closed: a client the app is still ending would get FATAL from a
    // forced drop and fail the file as an unhandled error. Forced after two seconds.
    for (let i = 0; i < 20; i++) {
      const client = new Client({ connectionString: admin.toString() });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        if (rows[0].n === 0) break;
      } finally {
        await client.end();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  return { url: url.toString(), drop };
}

export async function query<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function userTables(url: string): Promise<string[]> {
  const rows = await query<{ table_name: string }>(
    url,
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY 1`,
  );
  return rows.map((r) => r.table_name).sort();
}
