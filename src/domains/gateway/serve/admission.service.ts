import { Injectable } from '@nestjs/common';
import { AuthCacheService } from '../../../platform/auth/auth-cache.service';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { badRequest, unauthorized } from '../../../platform/common/errors/api-error';
import { ExpiringLoads } from '../../../platform/common/single-flight';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { BudgetCountersService } from '../../spend/ledger/budget-counters.service';
import { counterKey } from '../../spend/ledger/counter-seeds';
import { keyModelEntity, type SpendEntity } from '../../spend/ledger/spend-event';
import {
  assertWithinBudgets,
  assertWithinKeyModelBudget,
  blocksAtMax,
  budgetEntities,
  type BudgetCheck,
  isZeroCost,
  type KeyModelBudget,
  keyModelBudget,
} from '../checks/budget-checks';
import { checkEndUser } from '../checks/end-user';
import { resolveFallback, resolveModel } from '../checks/model-access';
import { rateLimitDescriptors } from '../checks/rate-limit-descriptors';
import { type EndUserFacts, type RequestSubject, unrestrictedSubject } from '../checks/request-subject';
import { loadEndUser, loadRequestSubject, loadTagBudgets } from '../checks/request-subject.loader';
import { DeploymentsService } from '../deployments/deployments.service';
import type { RateLimitDescriptor, RateLimitTicket } from '../limits/rate-limit';
import { RateLimiterService } from '../limits/rate-limiter.service';

const SUBJECT_SLOT = 'gateway:subject';
/** End users and tag budgets are read at most this often (they change through the management API). */
const LOOKUP_TTL_MS = 5_000;

/** A request the checks let through, with what the call and its ledger row need. */
export interface Admission {
  subject: RequestSubject;
  /** The model group the request is served from (after aliases). */
  group: string;
  endUser: EndUserFacts | undefined;
  endUserId: string | null;
  tags: string[];
  ticket: RateLimitTicket;
  /** The request's own `fallbacks`, as groups the key may call; undefined when it sent none. */
  fallbacks?: string[];
}

/**
 * The checks every LLM request passes before an upstream is called, in LiteLLM's order
 * (tenancy.md §16.1): the key was authenticated by the guard; then model access, the end user,
 * budgets, rate limits. Reads nothing from the database on a warm cache: the subject rides in auth's
 * key cache, spend comes from the live counters, limits from Redis or memory. Reused by every
 * gateway route (and by MCP later).
 */
@Injectable()
export class AdmissionService {
  private readonly endUsers = new ExpiringLoads<EndUserFacts | undefined>(LOOKUP_TTL_MS);
  private readonly tagBudgets = new ExpiringLoads<ReadonlyMap<string, number>>(LOOKUP_TTL_MS);

  constructor(
    private readonly prisma: PrismaService,
    private readonly authCache: AuthCacheService,
    private readonly deployments: DeploymentsService,
    private readonly counters: BudgetCountersService,
    private readonly limiter: RateLimiterService,
  ) {}

  async admit(
    auth: AuthContext,
    body: Record<string, unknown>,
    route: string,
    now = new Date(),
  ): Promise<Admission> {
    const requested = body.model;
    if (typeof requested !== 'string' || requested === '') {
      throw badRequest(
        'Invalid model name passed in model=None. Call `/v1/models` to view available models for your key.',
        'model',
      );
    }
    const subject = await this.subjectOf(auth);
    const { group } = resolveModel(requested, subject, this.deployments, route);
    const fallbacks = this.clientFallbacks(body.fallbacks, subject, route);
    const endUserId = typeof body.user === 'string' && body.user !== '' ? body.user : null;
    const endUser = endUserId ? await this.endUser(endUserId, now.getTime()) : undefined;
    checkEndUser(endUser);
    const tags = requestTags(body, subject);
    const checks = budgetEntities(subject, endUser, {
      tags,
      tagBudgets: tags.length > 0 ? await this.tagBudgetsAt(now.getTime()) : undefined,
      zeroCost: isZeroCost(this.deployments.group(group)),
      now: now.getTime(),
    });
    const modelBudget = keyModelBudget(subject, requested, group);
    const ticket = await this.countWithinBudgets(
      subject,
      checks,
      modelBudget && { budget: modelBudget, group },
      rateLimitDescriptors(subject, endUser, group),
      now.getTime(),
    );
    return { subject, group, endUser, endUserId, tags, ticket, fallbacks };
  }

  /**
   * `fallbacks: ["model-b"]` in the body (LiteLLM's client-side fallbacks): each name is checked
   * against the key's models and must route, else the request is refused before any call.
   */
  private clientFallbacks(value: unknown, subject: RequestSubject, route: string): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw badRequest('fallbacks must be a list of model names', 'fallbacks');
    }
    const names = [...new Set(value as string[])];
    return names.map((name) => resolveFallback(name, subject, this.deployments, route).group);
  }

  /**
   * The budgets, the key's `model_max_budget` entry for this model, then the rate limits: one Redis
   * call when the budget counters are live and within their max (the limiter counts the request
   * behind them as a guard), else the budgets from the counters (seeding the missing ones; over one,
   * LiteLLM's refusal) and then the limits. The per-model spend is the key's lifetime spend on the
   * group (its `model_spend`), as we keep no windowed counter: `time_period` is not applied (README,
   * Where we differ). Also the MCP gateway's checks for a tool call (no model: `perModel` null).
   */
  async countWithinBudgets(
    subject: RequestSubject,
    checks: readonly BudgetCheck[],
    perModel: { budget: KeyModelBudget; group: string } | null,
    descriptors: readonly RateLimitDescriptor[],
    now: number,
  ): Promise<RateLimitTicket> {
    const entities: SpendEntity[] = perModel
      ? [...checks, keyModelEntity(subject.key.token, perModel.group)]
      : [...checks];
    if (entities.length === 0) return this.limiter.acquire(descriptors, now);
    const limits = checks.map((c) => ({ max: c.max, inclusive: blocksAtMax(c.kind) }));
    if (perModel) limits.push({ max: perModel.budget.budgetLimit, inclusive: false });
    const ticket = await this.limiter.acquireGuarded(
      descriptors,
      { keys: entities.map(counterKey), limits },
      now,
    );
    if (ticket) return ticket;
    const spends = await this.counters.spendOf(entities);
    assertWithinBudgets(checks, spends);
    if (perModel) assertWithinKeyModelBudget(subject, perModel.budget, spends[checks.length]);
    return this.limiter.acquire(descriptors, now);
  }

  /** The caller's limits, from auth's key cache; read once per cache life of the key. */
  async subjectOf(auth: AuthContext): Promise<RequestSubject> {
    // The master key: every model, no budget, no limit; its spend is logged under its hash.
    if (auth.isMasterKey || !auth.key) return unrestrictedSubject(auth.apiKey, auth.userId);
    const token = auth.key.token;
    const subject = await this.authCache.attachedOrLoad(token, SUBJECT_SLOT, () =>
      loadRequestSubject(this.prisma, token),
    );
    // Deleted between the guard's lookup and this read: as if the guard had not found it.
    if (!subject) throw unauthorized('Authentication Error, Invalid proxy server token passed.');
    return subject;
  }

  private endUser(id: string, now: number): Promise<EndUserFacts | undefined> {
    return this.endUsers.get(id, now, () => loadEndUser(this.prisma, id));
  }

  private tagBudgetsAt(now: number): Promise<ReadonlyMap<string, number>> {
    return this.tagBudgets.get('', now, () => loadTagBudgets(this.prisma));
  }
}

/** `metadata.tags` of the request (LiteLLM's request tags) plus the key's own tags. */
function requestTags(body: Record<string, unknown>, subject: RequestSubject): string[] {
  const metadata = body.metadata;
  const fromBody =
    metadata && typeof metadata === 'object' && Array.isArray((metadata as { tags?: unknown }).tags)
      ? ((metadata as { tags: unknown[] }).tags.filter((t) => typeof t === 'string') as string[])
      : [];
  if (subject.key.tags.length === 0) return fromBody;
  return [...new Set([...fromBody, ...subject.key.tags])];
}
