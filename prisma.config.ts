// Prisma CLI configuration (Prisma 6.19). Loaded only by the `prisma` CLI, never by the app.
// Migrations run through the WebAssembly schema engine bundled in the `prisma` package, with
// @prisma/adapter-pg as its connection, so no native engine is downloaded (the machine is offline).
import { randomUUID } from 'node:crypto';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

// The CLI must resolve the schema's `url = env("DATABASE_URL")` to read `engineType = "client"`;
// otherwise it falls back to downloading a native engine. Default: the dev database of `npm run db`.
process.env.DATABASE_URL ??= 'postgresql://postgres:postgres@127.0.0.1:54320/app';

// 1. adapter-pg 6.19 cannot decode the catalog types `name` (19) and `"char"` (18), or their
//    arrays, which the schema engine reads. Report them as text / text[].
const AS_TEXT: Record<number, number> = { 18: 25, 19: 25, 1002: 1009, 1003: 1009 };
const asText = (res: any) => {
  for (const f of res?.fields ?? []) f.dataTypeID = AS_TEXT[f.dataTypeID] ?? f.dataTypeID;
  return res;
};
class CatalogTypesAsText extends pg.Client {
  override query(...args: any[]): any {
    const cb = args[args.length - 1];
    if (typeof cb === 'function') {
      args[args.length - 1] = (err: unknown, res: unknown) => cb(err, asText(res));
      return (super.query as any)(...args);
    }
    const r = (super.query as any)(...args);
    return typeof r?.then === 'function' ? r.then(asText) : r;
  }
}

function migrateAdapter(url: string) {
  const u = new URL(url);
  const cfg = {
    // 2. discrete fields, not `connectionString`: pg lets a connectionString override `database`,
    //    so the shadow-database pool would silently connect to the main database.
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
    // 3. without this every CLI run waits out pg's 10 s idle timeout before exiting.
    allowExitOnIdle: true,
    Client: CatalogTypesAsText,
  } as pg.PoolConfig;
  const factory = new PrismaPg(cfg);
  // 4. the stock connectToShadowDb() drops the shadow database while its own pool is still
  //    connected ("is being accessed by other users"), so `migrate dev` would fail.
  factory.connectToShadowDb = async () => {
    const admin = new pg.Client(cfg);
    await admin.connect();
    const name = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const shadow = await new PrismaPg({ ...cfg, database: name }).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    };
    return shadow;
  };
  return factory;
}

// 5. the WebAssembly schema engine never clears a 10 s timer, so deploy/dev/reset would idle
//    10 s after finishing. Unref such timers (this file runs only in the CLI process).
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((fn: (...a: any[]) => void, ms?: number, ...rest: any[]) => {
  const t = realSetTimeout(fn, ms, ...rest);
  if ((ms ?? 0) >= 10_000) t.unref();
  return t;
}) as typeof setTimeout;

export default defineConfig({
  experimental: { adapter: true },
  schema: 'prisma/schema.prisma',
  engine: 'js',
  adapter: async () => migrateAdapter(process.env.DATABASE_URL!),
});
