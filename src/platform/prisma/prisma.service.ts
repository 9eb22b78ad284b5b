import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '@prisma/client';
import { Pool, types } from 'pg';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';

/**
 * Column types parsed as Prisma's raw queries return them: `timestamp` (Prisma's DateTime, UTC
 * without a zone) as a Date in UTC, `int8` as a bigint. The driver's defaults do the rest alike
 * (numbers, booleans, text arrays, parsed JSON); the schema has no Decimal or date-only columns.
 */
const utcTimestamp = (value: string) => new Date(`${value.replace(' ', 'T')}Z`);
const bigint = (value: string) => BigInt(value);
const PRISMA_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary') {
      if (oid === types.builtins.TIMESTAMP) return utcTimestamp;
      if (oid === types.builtins.INT8) return bigint;
    }
    return types.getTypeParser(oid, format);
  }) as typeof types.getTypeParser,
};

/** Distinct statements `queryRows` prepares; past that, a new statement is parsed on every run. */
const MAX_PREPARED_STATEMENTS = 500;

/** The Prisma client over the pg driver adapter (no native query engine). */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private readonly pool: Pool;
  /** Statement text → its prepared-statement name (`queryRows`); `undefined` when not preparing. */
  private readonly statementNames: Map<string, string> | undefined;
  private closing = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.databaseUrl)
      throw new Error('PrismaService needs a database URL; main.ts resolves one before start');
    const pool = new Pool({ connectionString: config.databaseUrl, max: config.databasePoolSize });
    super({ adapter: new PrismaPg(pool) });
    this.pool = pool;
    // An idle connection the server closes (a restart, a failover, an administrator) is replaced by
    // the pool on the next query; without a listener its error would end the process.
    // Once shutdown began, the pool's own closing connections may still get the server's goodbye
    // (pg's end() resolves before their sockets close; an embedded database stopped next says FATAL).
    pool.on('error', (e: Error) => {
      if (!this.closing)
        new Logger('prisma').warn({ msg: 'an idle database connection failed', error: e.message });
    });
    // Prisma's own switch: behind PgBouncer in transaction mode (`?pgbouncer=true`) a connection
    // does not keep its prepared statements from one transaction to the next.
    this.statementNames = usesPgBouncer(config.databaseUrl) ? undefined : new Map();
  }

  /**
   * A read of the hottest management routes, on Prisma's own connections but without its query
   * compiler and interpreter (most of such a request's CPU): rows as `$queryRaw` returns them.
   * Each distinct statement is prepared once per connection (a named statement): an unnamed one
   * is parsed and planned on every run, which cost the database five times the CPU of running
   * it, and the driver twice (pg: 350 vs 65 µs, the client 400 vs 145 µs for /key/info's read).
   */
  async queryRows<T>(query: Prisma.Sql): Promise<T[]> {
    return (await this.pool.query(this.prepared(query))).rows as T[];
  }

  /**
   * A transaction of raw statements on one pool connection, without Prisma's query compiler (the
   * spend aggregator's, twice a second on every pod: through `$transaction` the compiler alone cost
   * more CPU than the statements' round trips). `statementTimeoutMs` bounds each statement; an
   * error rolls the whole transaction back and is rethrown.
   */
  async rawTransaction<T>(
    work: (tx: { rows<R>(query: Prisma.Sql): Promise<R[]> }) => Promise<T>,
    statementTimeoutMs = 60_000,
  ): Promise<T> {
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(statementTimeoutMs))}`);
      const result = await work({
        rows: async <R>(query: Prisma.Sql) => (await client.query(this.prepared(query))).rows as R[],
      });
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollback: unknown) => (broken = rollback));
      throw e;
    } finally {
      // A connection that could not even roll back is closed, not returned to the pool.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  /** `query` as pg runs it: a named (prepared) statement, rows parsed as `$queryRaw` parses them. */
  private prepared(query: Prisma.Sql) {
    const text = query.text; // built anew by each read of the getter
    return {
      name: this.statementName(text),
      text,
      values: query.values,
      types: PRISMA_TYPES,
    };
  }

  /** `q<n>`, one per distinct text (queryRows' texts come from code, a bounded set). */
  private statementName(text: string): string | undefined {
    const names = this.statementNames;
    if (!names) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED_STATEMENTS) {
      name = `q${names.size}`;
      names.set(text, name);
    }
    return name;
  }

  /**
   * The last shutdown hook, not onModuleDestroy: services still write in their own
   * beforeApplicationShutdown (the scheduler releases its lease there), and an ended pool
   * does not come back.
   */
  async onApplicationShutdown() {
    this.closing = true;
    await this.$disconnect();
    await this.pool.end();
  }
}

/** `pgbouncer=true` in the URL's query, as Prisma reads it. */
function usesPgBouncer(databaseUrl: string): boolean {
  try {
    return new URL(databaseUrl).searchParams.get('pgbouncer') === 'true';
  } catch {
    return false;
  }
}
