import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
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
const PRISMA_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary') {
      if (oid === types.builtins.TIMESTAMP) return (value: string) => new Date(`${value.replace(' ', 'T')}Z`);
      if (oid === types.builtins.INT8) return (value: string) => BigInt(value);
    }
    return types.getTypeParser(oid, format);
  }) as typeof types.getTypeParser,
};

/** The Prisma client over the pg driver adapter (no native query engine). */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.databaseUrl)
      throw new Error('PrismaService needs a database URL; main.ts resolves one before start');
    const pool = new Pool({ connectionString: config.databaseUrl, max: config.databasePoolSize });
    super({ adapter: new PrismaPg(pool) });
    this.pool = pool;
  }

  /**
   * A read of the hottest management routes, on Prisma's own connections but without its query
   * compiler and interpreter (most of such a request's CPU): rows as `$queryRaw` returns them.
   */
  async queryRows<T>(query: Prisma.Sql): Promise<T[]> {
    const result = await this.pool.query({ text: query.text, values: query.values, types: PRISMA_TYPES });
    return result.rows as T[];
  }

  /**
   * The last shutdown hook, not onModuleDestroy: services still write in their own
   * beforeApplicationShutdown (the scheduler releases its lease there), and an ended pool
   * does not come back.
   */
  async onApplicationShutdown() {
    await this.$disconnect();
    await this.pool.end();
  }
}
