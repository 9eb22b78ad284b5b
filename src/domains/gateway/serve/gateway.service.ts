import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthContext } from '../../../platform/auth/auth-context';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { ApiError } from '../../../platform/common/errors/api-error';
import { sendJson } from '../../../platform/common/http-response';
import { BudgetCountersService } from '../../spend/ledger/budget-counters.service';
import { SpendLedgerService } from '../../spend/ledger/spend-ledger.service';
import { entitiesOf, keyModelEntity, type SpendEvent } from '../../spend/ledger/spend-event';
import { costOf } from '../../spend/cost/pricing';
import type { Deployment } from '../deployments/deployment';
import { DeploymentsService } from '../deployments/deployments.service';
import { ProvidersService } from '../providers/providers.service';
import { UpstreamError, type UpstreamResult, type Usage } from '../providers/provider';
import { estimateUsage } from '../providers/token-count';
import { RouterService } from '../router/router.service';
import type { RequestSubject } from '../checks/request-subject';
import { AdmissionService, type Admission } from './admission.service';
import { pipeStream } from './client-response';

/** The four request formats the gateway serves, each to any provider. */
export type CallKind = 'chat' | 'embeddings' | 'responses' | 'messages';

/** LiteLLM's `call_type` and the daily tables' `endpoint` per kind. */
const CALL_TYPES: Record<CallKind, { callType: string; endpoint: string }> = {
  chat: { callType: 'acompletion', endpoint: '/chat/completions' },
  embeddings: { callType: 'aembedding', endpoint: '/embeddings' },
  responses: { callType: 'aresponses', endpoint: '/responses' },
  messages: { callType: 'anthropic_messages', endpoint: '/v1/messages' },
};

const NO_USAGE: Usage = {
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
};

/** One request on its way through: what the ledger row and the response headers are made of. */
interface Call {
  id: string;
  kind: CallKind;
  auth: AuthContext;
  admission: Admission;
  req: IncomingMessage;
  /** The caller's address (the row's requester_ip_address). */
  ip: string | undefined;
  startTime: Date;
  started: number;
  upstreamMs: number;
  /** The fallback group that answered, when it was not the requested one (the row's model_group). */
  fallbackGroup?: string;
}

/**
 * Serves one LLM request: admission (checks and limits), the router's choice of deployment with
 * retries and fallbacks, the answer to the client (JSON, or events as they arrive), and the request's
 * spend-log row, durable before the client has the complete answer. Live counters follow the row.
 */
@Injectable()
export class GatewayService {
  private readonly logger = new Logger('gateway');

  constructor(
    private readonly admission: AdmissionService,
    private readonly router: RouterService,
    private readonly providers: ProvidersService,
    private readonly ledger: SpendLedgerService,
    private readonly counters: BudgetCountersService,
    deployments: DeploymentsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    router.useDeployments(deployments);
  }

  /**
   * Answers one request on plain Node objects: the direct route (platform/http) and the Nest
   * controller (whose express request and response are Node's) both call it.
   */
  async serve(
    kind: CallKind,
    auth: AuthContext,
    body: Record<string, unknown>,
    req: IncomingMessage,
    res: ServerResponse,
    ip: string | undefined,
  ) {
    const call = {
      id: randomUUID(),
      kind,
      auth,
      req,
      ip,
      startTime: new Date(),
      started: performance.now(),
      upstreamMs: 0,
    };
    res.setHeader('x-litellm-call-id', call.id);
    const admission = await this.admission.admit(auth, body, CALL_TYPES[kind].endpoint, call.startTime);
    const current: Call = { ...call, admission };
    // A client that goes away before the answer starts cancels the upstream call (and its retries).
    const abandoned = new AbortController();
    const onClose = () => {
      if (!res.headersSent) abandoned.abort();
    };
    res.once('close', onClose);
    let countedTokens = 0;
    try {
      const routed = await this.router.route(
        admission.group,
        async (deployment) => {
          const before = performance.now();
          try {
            return await this.callUpstream(kind, deployment, body, abandoned.signal, req);
          } finally {
            current.upstreamMs = performance.now() - before;
          }
        },
        { signal: abandoned.signal, fallbackGroups: admission.fallbacks },
      );
      setHeaders(res, admission.ticket.headers);
      res.setHeader('x-litellm-model-id', routed.deployment.id);
      res.setHeader('x-litellm-model-api-base', routed.deployment.apiBase ?? '');
      res.setHeader('x-litellm-attempted-retries', String(routed.attemptedRetries));
      res.setHeader('x-litellm-attempted-fallbacks', String(routed.attemptedFallbacks));
      current.fallbackGroup = routed.fallbackGroup;
      countedTokens = await this.answer(current, body, routed.deployment, routed.result, res);
    } catch (error) {
      await this.recordFailure(current, error);
      if (!res.headersSent) throw toClientError(error);
      endBrokenStream(res, toClientError(error));
    } finally {
      admission.ticket
        .release(countedTokens)
        .catch((e: Error) => this.logger.warn({ msg: 'rate-limit release failed', error: e.message }));
    }
  }

  private callUpstream(
    kind: CallKind,
    deployment: Deployment,
    body: Record<string, unknown>,
    signal: AbortSignal,
    req: IncomingMessage,
  ) {
    const adapter = this.providers.adapterFor(deployment.provider);
    const request: Record<string, unknown> = {
      ...deployment.extraParams,
      ...body,
      model: deployment.upstreamModel,
    };
    // The gateway's own parameter, never the upstream's.
    if (request.fallbacks !== undefined) delete request.fallbacks;
    const options = {
      signal,
      timeoutMs: this.router.timeoutMsFor(deployment),
      streamTimeoutMs: deployment.streamTimeoutMs,
      dropParams: this.config.gateway.dropParams,
      clientHeaders: kind === 'messages' ? anthropicHeaders(req) : undefined,
    };
    switch (kind) {
      case 'chat':
        return adapter.chat(deployment, request, options);
      case 'embeddings':
        return adapter.embeddings(deployment, request, options);
      case 'responses':
        return adapter.responses(deployment, request, options);
      case 'messages':
        return adapter.messages(deployment, request, options);
    }
  }

  /** Writes the answer; returns the tokens the rate limiter counts. */
  private async answer(
    call: Call,
    body: Record<string, unknown>,
    deployment: Deployment,
    result: UpstreamResult,
    res: ServerResponse,
  ): Promise<number> {
    if (result.kind === 'json') {
      const usage = result.usage ?? estimateUsage(body, '');
      const cost = await this.settle(call, deployment, usage, null);
      res.setHeader('x-litellm-response-cost', String(cost));
      res.setHeader('x-litellm-overhead-duration-ms', overheadMs(call));
      sendJson(res, result.status, result.body);
      return usage.completionTokens;
    }
    res.setHeader('x-litellm-overhead-duration-ms', overheadMs(call));
    let usage = NO_USAGE;
    await pipeStream(res, result, async (outcome) => {
      // An upstream that reports no usage is counted with a tokenizer, never as free.
      usage = result.usage() ?? estimateUsage(body, result.completionText?.() ?? '');
      await this.settle(call, deployment, usage, outcome.firstEventAt);
    });
    return usage.completionTokens;
  }

  /** Prices the call, writes its spend-log row (durable on return) and moves the live counters. */
  private async settle(call: Call, deployment: Deployment, usage: Usage, firstEventAt: Date | null) {
    const price = costOf(
      { model: deployment.upstreamModel, provider: deployment.provider, prices: deployment.prices },
      usage,
    );
    const event = this.spendEvent(call, deployment, usage, price.cost, 'success', firstEventAt);
    if (!price.priced) event.unpriced = true;
    const entities = entitiesOf(event);
    // The counter of the key's per-model budget, for keys that have one (the admission check reads it).
    if (hasModelBudgets(call.admission.subject))
      entities.push(keyModelEntity(event.apiKey, event.modelGroup));
    // Row and counters together (BudgetCountersService.add says why that is safe).
    await Promise.all([this.ledger.record(event), this.counters.add(entities, price.cost)]);
    return price.cost;
  }

  private async recordFailure(call: Call, error: unknown) {
    const upstream = error instanceof UpstreamError ? error : undefined;
    const status = upstream?.status ?? (error instanceof ApiError ? error.status : 500);
    const event = this.spendEvent(call, undefined, NO_USAGE, 0, 'failure', null);
    event.error = {
      type: upstream?.type ?? (error instanceof ApiError ? error.type : 'internal_server_error'),
      message: (error as Error).message,
      statusCode: status,
    };
    try {
      await this.ledger.record(event);
    } catch (e) {
      this.logger.error({
        msg: 'could not write the failure row',
        request_id: call.id,
        error: (e as Error).message,
      });
    }
  }

  private spendEvent(
    call: Call,
    deployment: Deployment | undefined,
    usage: Usage,
    spend: number,
    status: 'success' | 'failure',
    firstEventAt: Date | null,
  ): SpendEvent {
    const { subject, endUserId, tags } = call.admission;
    // LiteLLM's fallback call logs under the group that answered.
    const group = call.fallbackGroup ?? call.admission.group;
    const headerSession = call.req.headers['x-litellm-session-id'];
    return {
      requestId: call.id,
      callType: CALL_TYPES[call.kind].callType,
      endpoint: CALL_TYPES[call.kind].endpoint,
      apiKey: subject.key.token,
      keyAlias: subject.key.alias,
      spend,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      totalTokens: usage.totalTokens,
      cacheReadInputTokens: usage.cacheReadInputTokens,
      cacheCreationInputTokens: usage.cacheCreationInputTokens,
      startTime: call.startTime,
      endTime: new Date(),
      completionStartTime: firstEventAt,
      model: deployment ? `${deployment.provider}/${deployment.upstreamModel}` : group,
      modelGroup: group,
      modelId: deployment?.id ?? '',
      customLlmProvider: deployment?.provider ?? '',
      apiBase: deployment?.apiBase ?? '',
      userId: subject.key.userId,
      teamId: subject.key.teamId,
      teamAlias: subject.team?.alias ?? null,
      organizationId: subject.organization?.id ?? null,
      projectId: subject.key.projectId,
      endUser: endUserId,
      sessionId: typeof headerSession === 'string' && headerSession !== '' ? headerSession : randomUUID(),
      requestTags: tags,
      requesterIp: call.ip ?? null,
      status,
    };
  }
}

/** The client's `anthropic-*` headers (`anthropic-beta`, `anthropic-version`), passed on with /v1/messages. */
function anthropicHeaders(req: IncomingMessage): Record<string, string> | undefined {
  let headers: Record<string, string> | undefined;
  for (const name in req.headers) {
    const value = req.headers[name];
    if (!name.startsWith('anthropic-') || value === undefined) continue;
    headers ??= {};
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function hasModelBudgets(subject: RequestSubject): boolean {
  return Object.keys(subject.key.modelMaxBudget).length > 0;
}

function setHeaders(res: ServerResponse, headers: Record<string, string>) {
  for (const name in headers) res.setHeader(name, headers[name]);
}

function overheadMs(call: Call): string {
  return String(Math.max(0, Math.round(performance.now() - call.started - call.upstreamMs)));
}

/** A stream that broke after its first event: the error as a last event, as OpenAI's servers do. */
function endBrokenStream(res: ServerResponse, error: unknown) {
  const e = error instanceof ApiError ? error : new ApiError(500, 'Upstream stream failed');
  if (!res.writableEnded) {
    res.end(
      `data: ${JSON.stringify({ error: { message: e.message, type: e.type, param: null, code: String(e.status) } })}\n\n`,
    );
  }
}

/** Upstream failures leave in LiteLLM's envelope with the upstream's status. */
function toClientError(error: unknown): unknown {
  if (error instanceof UpstreamError) return new ApiError(error.status, error.message, error.type);
  return error;
}
