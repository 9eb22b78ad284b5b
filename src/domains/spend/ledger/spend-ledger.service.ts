import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import type { SpendEvent } from './spend-event';
import { spendLogRow, type SpendLogRow } from './spend-log-row';

/** Rows one statement inserts at most. */
const MAX_BATCH_ROWS = 500;
/** Batch statements in flight at once; past that, rows queue and the next batch is bigger. */
const MAX_IN_FLIGHT = 2;

interface Waiter {
  row: SpendLogRow;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The spend ledger's writer. `record` resolves once the request's `LiteLLM_SpendLogs` row is committed,
 * together with its id in `ControlPlane_SpendLogPending` (the aggregator's to-do list), for an MCP
 * tool call its `LiteLLM_SpendLogToolIndex` row and, for a failure, its `LiteLLM_ErrorLogs` row: all in
 * one statement, so a crash leaves all or none. Requests arriving together share that statement
 * (group commit): rows recorded in the same turn of the event loop go together at once, and rows
 * recorded while the statements in flight are busy go together when one returns, so a lone request
 * waits for no timer and a busy pod writes hundreds of rows per round trip and WAL flush. A request id already logged is skipped (idempotent retries).
 */
@Injectable()
export class SpendLedgerService implements OnModuleDestroy {
  private readonly logger = new Logger('spend-ledger');
  private queue: Waiter[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly prisma: PrismaService) {}

  record(event: SpendEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      let row: SpendLogRow;
      try {
        row = spendLogRow(event);
      } catch (e) {
        reject(e);
        return;
      }
      this.queue.push({ row, resolve, reject });
      if (this.queue.length >= MAX_BATCH_ROWS) this.flush();
      // With the pipe full, `written` flushes what queued meanwhile.
      else if (this.inFlight < MAX_IN_FLIGHT) this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Writes what is queued and resolves when nothing is queued or in flight (shutdown, tests). */
  async settled(): Promise<void> {
    this.flush();
    while (this.inFlight > 0 || this.queue.length > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
      this.flush();
    }
  }

  async onModuleDestroy() {
    await this.settled();
  }

  private flush() {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    while (this.queue.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
      const batch = this.queue.splice(0, MAX_BATCH_ROWS);
      this.inFlight += 1;
      void this.write(batch).finally(() => this.written());
    }
  }

  private written() {
    this.inFlight -= 1;
    // Rows that queued while the pipe was full go now, as one bigger batch.
    if (this.queue.length > 0) this.flush();
    if (this.inFlight === 0) this.idle.splice(0).forEach((wake) => wake());
  }

  private async write(batch: Waiter[]) {
    try {
      await this.insert(uniqueRows(batch));
      batch.forEach((w) => w.resolve());
    } catch (e) {
      if (batch.length > 1 && isBadRow(e)) {
        // One row the database refuses must not fail its neighbours: each alone, one after another.
        for (const waiter of batch) await this.write([waiter]);
        return;
      }
      this.logger.error({ msg: 'spend log not written', rows: batch.length, error: (e as Error).message });
      batch.forEach((w) => w.reject(e));
    }
  }

  /**
   * One statement: the spend logs, their pending ids (only rows actually inserted), the tool index
   * of MCP tool calls (`LiteLLM_SpendLogToolIndex`, one row per called tool), their error logs.
   */
  private async insert(rows: SpendLogRow[]): Promise<void> {
    await this.prisma.queryRows(Prisma.sql`
      WITH r AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows, withoutNul)}::jsonb) AS r(
          request_id text, call_type text, api_key text, spend float8, total_tokens int, prompt_tokens int,
          completion_tokens int, "startTime" timestamp(3), "endTime" timestamp(3),
          "completionStartTime" timestamp(3), request_duration_ms int, model text, model_id text,
          model_group text, custom_llm_provider text, api_base text, "user" text, team_id text,
          organization_id text, end_user text, agent_id text, requester_ip_address text, session_id text,
          status text, mcp_namespaced_tool_name text, request_tags jsonb, metadata jsonb, error jsonb)
      ), logged AS (
        INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, total_tokens, prompt_tokens,
          completion_tokens, "startTime", "endTime", "completionStartTime", request_duration_ms, model,
          model_id, model_group, custom_llm_provider, api_base, "user", team_id, organization_id, end_user,
          agent_id, requester_ip_address, session_id, status, mcp_namespaced_tool_name, request_tags, metadata,
          cache_hit, cache_key, messages, response, proxy_server_request)
        SELECT request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens,
          "startTime", "endTime", "completionStartTime", request_duration_ms, model, model_id, model_group,
          custom_llm_provider, api_base, "user", team_id, organization_id, end_user, agent_id,
          requester_ip_address, session_id, status, mcp_namespaced_tool_name, request_tags, metadata, 'False',
          'Cache OFF', '{}'::jsonb, '{}'::jsonb, '{}'::jsonb
        FROM r
        ON CONFLICT (request_id) DO NOTHING
        RETURNING request_id
      ), pending AS (
        INSERT INTO "ControlPlane_SpendLogPending" (request_id) SELECT request_id FROM logged
      ), tools AS (
        INSERT INTO "LiteLLM_SpendLogToolIndex" (request_id, tool_name, start_time)
        SELECT r.request_id, r.mcp_namespaced_tool_name, r."startTime"
        FROM r JOIN logged USING (request_id)
        WHERE r.mcp_namespaced_tool_name <> ''
        ON CONFLICT DO NOTHING
      )
      INSERT INTO "LiteLLM_ErrorLogs" (request_id, "startTime", "endTime", api_base, model_group,
        litellm_model_name, model_id, request_kwargs, exception_type, exception_string, status_code)
      SELECT r.request_id, r."startTime", r."endTime", r.api_base, r.model_group, r.model, r.model_id,
        r.error->'request_kwargs', r.error->>'exception_type', r.error->>'exception_string',
        r.error->>'status_code'
      FROM r JOIN logged USING (request_id)
      WHERE jsonb_typeof(r.error) = 'object'
      ON CONFLICT (request_id) DO NOTHING`);
  }
}

/** A request id twice in one batch is written once (the second would conflict with the first). */
function uniqueRows(batch: Waiter[]): SpendLogRow[] {
  const byId = new Map<string, SpendLogRow>();
  for (const { row } of batch) if (!byId.has(row.request_id)) byId.set(row.request_id, row);
  return [...byId.values()];
}

/** PostgreSQL's text and jsonb refuse NUL characters: dropped rather than losing the row. */
function withoutNul(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value.includes('\0') ? value.replaceAll('\0', '') : value;
}

/** A data or constraint error (SQLSTATE class 22 or 23): the rows, not the database, are at fault. */
function isBadRow(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
