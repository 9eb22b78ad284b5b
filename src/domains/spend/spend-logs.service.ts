import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';

/** LiteLLM_SpendLogs as the spend domain writes it (today: retention; next: the gateway ledger). */
@Injectable()
export class SpendLogsService {
  /**
   * Deletes up to `limit` spend logs older than `cutoff`, in `tx`, with lock and statement timeouts so
   * request writes never wait behind it. Served by the startTime index. Returns the rows deleted.
   */
  async deleteOlderThan(tx: Prisma.TransactionClient, cutoff: Date, limit: number): Promise<number> {
    await tx.$executeRaw`SET LOCAL lock_timeout = '5s'`;
    await tx.$executeRaw`SET LOCAL statement_timeout = '30s'`;
    return tx.$executeRaw`
      DELETE FROM "LiteLLM_SpendLogs" WHERE request_id IN (
        SELECT request_id FROM "LiteLLM_SpendLogs" WHERE "startTime" < ${cutoff} LIMIT ${limit})`;
  }
}
