import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isAdminViewer, isProxyAdmin } from '../../platform/auth/roles';
import { ApiError, badRequest, notFound } from '../../platform/common/errors/api-error';
import { pageWindow } from '../../platform/common/pagination';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { statusAfterEvent } from './workflow-status';
import {
  LOG_DEFAULT_LIMIT,
  RUNS_DEFAULT_LIMIT,
  WorkflowEventCreateRequest,
  WorkflowLogQuery,
  WorkflowMessageCreateRequest,
  WorkflowRunCreateRequest,
  WorkflowRunListQuery,
  WorkflowRunUpdateRequest,
} from './workflows.dto';
import { splitIds } from '../../platform/common/comma-list';

type Access = 'read' | 'write';

/** Event and message rows as the append statements return them. */
interface EventRow {
  event_id: string;
  run_id: string;
  event_type: string;
  step_name: string;
  sequence_number: number;
  data: Prisma.JsonValue;
  created_at: Date;
}
interface MessageRow {
  message_id: string;
  run_id: string;
  role: string;
  content: string;
  sequence_number: number;
  session_id: string | null;
  created_at: Date;
}

/**
 * Appends serialize per run on the run's row lock, so readers of MAX(sequence_number) see every
 * earlier append. Read committed makes each statement see what the previous lock holder committed.
 */
const APPEND_TX = {
  isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
  maxWait: 10_000,
  timeout: 10_000,
};

/**
 * Workflow runs (LiteLLM's `/v1/workflows/runs`): a run header whose `status` caches its
 * append-only event log, plus a message log. A run belongs to the key that created it
 * (`created_by` = key hash): proxy admins reach every run, proxy admin viewers read every run,
 * anyone else sees only their own and gets 404 for the rest (also for runs with no owner).
 */
@Injectable()
export class WorkflowsService {
  constructor(private readonly prisma: PrismaService) {}

  createRun(body: WorkflowRunCreateRequest, auth: AuthContext) {
    return this.prisma.liteLLM_WorkflowRun.create({
      data: {
        workflow_type: body.workflow_type,
        created_by: auth.apiKey,
        input: jsonOrSkip(body.input),
        metadata: jsonOrSkip(body.metadata),
      },
    });
  }

  async listRuns(query: WorkflowRunListQuery, auth: AuthContext) {
    const where: Prisma.LiteLLM_WorkflowRunWhereInput = {};
    if (query.workflow_type) where.workflow_type = query.workflow_type;
    const statuses = splitIds(query.status);
    if (statuses.length === 1) where.status = statuses[0];
    else if (statuses.length > 1) where.status = { in: statuses };
    const owner = ownerScope(auth, 'read');
    if (owner !== null) where.created_by = owner;

    const { skip, take } = pageWindow(query.page ?? 1, query.limit ?? RUNS_DEFAULT_LIMIT);
    const runs = await this.prisma.liteLLM_WorkflowRun.findMany({
      where,
      orderBy: [{ created_at: 'desc' }, { run_id: 'desc' }],
      skip,
      take,
    });
    return { runs, count: runs.length };
  }

  /** The run, its most recent event, and the spend of its session (one indexed SUM). */
  async getRun(runId: string, auth: AuthContext) {
    const run = await this.prisma.liteLLM_WorkflowRun.findUnique({
      where: { run_id: runId },
      include: { events: { orderBy: { sequence_number: 'desc' }, take: 1 } },
    });
    if (!run || !mayAccess(run.created_by, auth, 'read')) throw runNotFound(runId);
    const spend = await this.prisma.liteLLM_SpendLogs.aggregate({
      where: { session_id: run.session_id },
      _sum: { spend: true },
    });
    return { ...run, spend: spend._sum.spend ?? 0 };
  }

  async updateRun(runId: string, body: WorkflowRunUpdateRequest, auth: AuthContext) {
    const data: Prisma.LiteLLM_WorkflowRunUpdateInput = {};
    if (body.status != null) data.status = body.status;
    if (body.output != null) data.output = body.output as Prisma.InputJsonObject;
    if (body.metadata != null) data.metadata = body.metadata as Prisma.InputJsonObject;
    if (Object.keys(data).length === 0) throw badRequest('No fields to update');
    await this.requireRun(runId, auth, 'write');
    return this.prisma.liteLLM_WorkflowRun.update({ where: { run_id: runId }, data });
  }

  /**
   * Appends an event with the next sequence number and applies the status rule, in one
   * transaction under the run's row lock: concurrent appends get 0, 1, 2, ... without gaps, and the
   * run's status is that of the status-changing event with the highest sequence number.
   */
  async appendEvent(runId: string, body: WorkflowEventCreateRequest, auth: AuthContext) {
    const newStatus = statusAfterEvent(body.event_type);
    return this.withRunLock(runId, auth, async (tx) => {
      const [event] = await tx.$queryRaw<EventRow[]>`
        INSERT INTO "LiteLLM_WorkflowEvent" (event_id, run_id, event_type, step_name, sequence_number, data)
        SELECT ${randomUUID()}, ${runId}, ${body.event_type}, ${body.step_name},
               COALESCE(MAX(sequence_number) + 1, 0), ${jsonParam(body.data)}::jsonb
        FROM "LiteLLM_WorkflowEvent" WHERE run_id = ${runId}
        RETURNING event_id, run_id, event_type, step_name, sequence_number, data, created_at`;
      if (newStatus) {
        await tx.liteLLM_WorkflowRun.update({ where: { run_id: runId }, data: { status: newStatus } });
      }
      return event;
    });
  }

  async listEvents(runId: string, query: WorkflowLogQuery, auth: AuthContext) {
    await this.requireRun(runId, auth, 'read');
    const events = await this.prisma.liteLLM_WorkflowEvent.findMany({
      where: { run_id: runId },
      orderBy: { sequence_number: 'asc' },
      ...pageWindow(query.page ?? 1, query.limit ?? LOG_DEFAULT_LIMIT),
    });
    return { events, count: events.length };
  }

  /** Appends a message (stored in full) with the next number of the run's message counter. */
  async appendMessage(runId: string, body: WorkflowMessageCreateRequest, auth: AuthContext) {
    return this.withRunLock(runId, auth, async (tx) => {
      const [message] = await tx.$queryRaw<MessageRow[]>`
        INSERT INTO "LiteLLM_WorkflowMessage" (message_id, run_id, role, content, sequence_number, session_id)
        SELECT ${randomUUID()}, ${runId}, ${body.role}, ${body.content},
               COALESCE(MAX(sequence_number) + 1, 0), ${body.session_id ?? null}
        FROM "LiteLLM_WorkflowMessage" WHERE run_id = ${runId}
        RETURNING message_id, run_id, role, content, sequence_number, session_id, created_at`;
      return message;
    });
  }

  async listMessages(runId: string, query: WorkflowLogQuery, auth: AuthContext) {
    await this.requireRun(runId, auth, 'read');
    const messages = await this.prisma.liteLLM_WorkflowMessage.findMany({
      where: { run_id: runId },
      orderBy: { sequence_number: 'asc' },
      ...pageWindow(query.page ?? 1, query.limit ?? LOG_DEFAULT_LIMIT),
    });
    return { messages, count: messages.length };
  }

  private async requireRun(runId: string, auth: AuthContext, access: Access) {
    const run = await this.prisma.liteLLM_WorkflowRun.findUnique({
      where: { run_id: runId },
      select: { created_by: true },
    });
    if (!run || !mayAccess(run.created_by, auth, access)) throw runNotFound(runId);
  }

  /**
   * Runs `append` in a transaction holding the run's row lock (FOR NO KEY UPDATE: it serializes
   * appenders but not the foreign-key checks of their inserts). A run the caller may not write
   * is not locked and answers 404.
   */
  private async withRunLock<T>(
    runId: string,
    auth: AuthContext,
    append: (tx: Prisma.TransactionClient) => Promise<T>,
  ): Promise<T> {
    const owner = ownerScope(auth, 'write');
    try {
      return await this.prisma.$transaction(async (tx) => {
        const locked = await tx.$queryRaw<{ run_id: string }[]>`
          SELECT run_id FROM "LiteLLM_WorkflowRun"
          WHERE run_id = ${runId} AND (${owner}::text IS NULL OR created_by = ${owner})
          FOR NO KEY UPDATE`;
        if (locked.length === 0) throw runNotFound(runId);
        return append(tx);
      }, APPEND_TX);
    } catch (e) {
      // P2028: the transaction could not start or finish in time (too many appenders at once).
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2028') {
        throw new ApiError(409, 'Concurrent write conflict, please retry', 'conflict_error');
      }
      throw e;
    }
  }
}

/** The owner a caller is limited to, or `null` when the caller reaches every run. */
function ownerScope(auth: AuthContext, access: Access): string | null {
  const unscoped = access === 'read' ? isAdminViewer(auth.role) : isProxyAdmin(auth.role);
  return unscoped ? null : auth.apiKey;
}

function mayAccess(createdBy: string | null, auth: AuthContext, access: Access): boolean {
  const owner = ownerScope(auth, access);
  return owner === null || createdBy === owner;
}

const runNotFound = (runId: string) => notFound(`Run '${runId}' not found`, 'run_id');

/** LiteLLM treats a JSON null like an absent field: nothing is stored. */
function jsonOrSkip(value: Record<string, unknown> | null | undefined): Prisma.InputJsonObject | undefined {
  return value == null ? undefined : (value as Prisma.InputJsonObject);
}

function jsonParam(value: Record<string, unknown> | null | undefined): string | null {
  return value == null ? null : JSON.stringify(value);
}
