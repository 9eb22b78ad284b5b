import { ApiError } from '../../../platform/common/errors/api-error';
import type { SpendEntity, SpendEntityKind } from '../../spend/ledger/spend-event';
import type { Deployment } from '../deployments/deployment';
import { pyFloat, pyOptional } from './python-format';
import type { EndUserFacts, RequestSubject } from './request-subject';

/**
 * One budget a request must be within: the counter to read (`kind`/`id`, a SpendEntity the ledger
 * understands) and the max it is compared with. The operator follows from `kind` (tenancy.md §16.2).
 */
export interface BudgetCheck extends SpendEntity {
  /** The key's per-model budget is checked apart (`keyModelBudget`), with its own message. */
  kind: Exclude<SpendEntityKind, 'key_model'>;
  max: number;
  /** team_member: the two halves of `id`, for the message. */
  teamId?: string;
  userId?: string;
}

export interface BudgetOptions {
  /** The request's tags (body metadata, headers and the key's `metadata.tags`), deduplicated. */
  tags?: readonly string[];
  /** Tag → its budget row's max_budget, for tags that have one (`loadTagBudgets`). */
  tagBudgets?: ReadonlyMap<string, number>;
  /** The model costs nothing (cost 0 in the price map): every budget but the end user's is skipped. */
  zeroCost?: boolean;
  /** Epoch ms; decides whether the key's temporary budget increase still applies. */
  now?: number;
}

const NONE: readonly BudgetCheck[] = Object.freeze([]);

/**
 * The budgets to enforce for this request, in LiteLLM's order (end user, key, project, team,
 * organization, tags, user, team member): only entities that have a max budget, so a caller with
 * no budget anywhere reads no counter. Read the spend of each (same order) and pass both to
 * `assertWithinBudgets`.
 */
export function budgetEntities(
  subject: RequestSubject,
  endUser: EndUserFacts | null | undefined,
  opts: BudgetOptions = {},
): readonly BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  if (endUser && endUser.maxBudget !== null)
    checks.push({ kind: 'end_user', id: endUser.id, max: endUser.maxBudget });
  if (opts.zeroCost) return checks.length > 0 ? checks : NONE;
  const { key, team, user, organization, project } = subject;
  const keyMax = keyMaxBudget(subject, opts.now ?? Date.now());
  if (keyMax !== null) checks.push({ kind: 'key', id: key.token, max: keyMax });
  if (project && project.maxBudget !== null)
    checks.push({ kind: 'project', id: project.id, max: project.maxBudget });
  if (team && team.maxBudget !== null) checks.push({ kind: 'team', id: team.id, max: team.maxBudget });
  if (organization && organization.maxBudget !== null && organization.maxBudget > 0)
    checks.push({ kind: 'org', id: organization.id, max: organization.maxBudget });
  pushTagChecks(checks, opts);
  if (!key.teamId && user && user.maxBudget !== null)
    checks.push({ kind: 'user', id: user.id, max: user.maxBudget });
  pushMemberCheck(checks, subject);
  return checks.length > 0 ? checks : NONE;
}

/** The key's max budget plus its temporary increase while that has not expired. */
export function keyMaxBudget(subject: RequestSubject, now: number): number | null {
  const { maxBudget, tempBudgetIncrease } = subject.key;
  if (maxBudget === null) return null;
  if (tempBudgetIncrease && tempBudgetIncrease.expiresAt > now) return maxBudget + tempBudgetIncrease.amount;
  return maxBudget;
}

function pushTagChecks(checks: BudgetCheck[], opts: BudgetOptions): void {
  const { tags, tagBudgets } = opts;
  if (!tags || !tagBudgets || tagBudgets.size === 0) return;
  for (const tag of tags) {
    const max = tagBudgets.get(tag);
    if (max !== undefined) checks.push({ kind: 'tag', id: tag, max });
  }
}

/**
 * The member budget applies to team keys with an owner whose user row exists (LiteLLM skips it
 * without one) and only when its max is above 0.
 */
function pushMemberCheck(checks: BudgetCheck[], subject: RequestSubject): void {
  const { key, team, user } = subject;
  const max = team?.member?.maxBudget;
  if (!team || !key.userId || !user || max === null || max === undefined || max <= 0) return;
  checks.push({
    kind: 'team_member',
    id: `${team.id}:${key.userId}`,
    max,
    teamId: team.id,
    userId: key.userId,
  });
}

/**
 * Throws LiteLLM's budget error (400 `budget_exceeded`) for the first check the spend breaks:
 * key, organization, user and team member block at spend ≥ max; team, project, tag and end user
 * only above it. `spends[i]` is the live spend of `checks[i]`.
 */
export function assertWithinBudgets(checks: readonly BudgetCheck[], spends: ArrayLike<number>): void {
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i];
    const spend = spends[i] ?? 0;
    if (blocks(check, spend)) throw budgetExceeded(budgetMessage(check, spend));
  }
}

/** `budgetEntities` then `assertWithinBudgets`, for a caller that already holds the spends. */
export function checkBudgets(
  subject: RequestSubject,
  endUser: EndUserFacts | null | undefined,
  spends: ArrayLike<number>,
  opts: BudgetOptions = {},
): void {
  assertWithinBudgets(budgetEntities(subject, endUser, opts), spends);
}

function blocks(check: BudgetCheck, spend: number): boolean {
  return blocksAtMax(check.kind) ? spend >= check.max : spend > check.max;
}

/** Key, organization, user and team member budgets block at their max already; the others above it. */
export function blocksAtMax(kind: BudgetCheck['kind']): boolean {
  return kind === 'key' || kind === 'org' || kind === 'user' || kind === 'team_member';
}

function budgetMessage(check: BudgetCheck, spend: number): string {
  const cost = pyFloat(spend);
  const max = pyFloat(check.max);
  switch (check.kind) {
    case 'key':
      return `Budget has been exceeded! Current cost: ${cost}, Max budget: ${max}`;
    case 'team':
      return `Budget has been exceeded! Team=${check.id} Current cost: ${cost}, Max budget: ${max}`;
    case 'team_member':
      return `Budget has been exceeded! User=${check.userId} in Team=${check.teamId} Current cost: ${cost}, Max budget: ${max}`;
    case 'org':
      return `Budget has been exceeded! Organization=${check.id} Current cost: ${cost}, Max budget: ${max}`;
    case 'tag':
      return `Budget has been exceeded! Tag=${check.id} Current cost: ${cost}, Max budget: ${max}`;
    case 'project':
      return `Budget has been exceeded! Project=${check.id} Current cost: ${cost}, Max budget: ${max}`;
    case 'user':
      return `ExceededBudget: User=${check.id} over budget. Spend=${cost}, Budget=${max}`;
    case 'end_user':
      return `ExceededBudget: End User=${check.id} over budget. Spend=${cost}, Budget=${max}`;
  }
}

/** LiteLLM's BudgetExceededError as the proxy renders it: 400, `budget_exceeded`, no param. */
function budgetExceeded(message: string): ApiError {
  return new ApiError(400, message, 'budget_exceeded', null);
}

// ---------------------------------------------------------------- per-model budget of the key

export interface KeyModelBudget {
  /** The `model_max_budget` entry's name (the requested model, else its group). */
  model: string;
  budgetLimit: number;
  /** `time_period` of the entry (`1d`, `30d`...); the caller reads the spend of that window. */
  timePeriod: string | null;
}

/**
 * The key's `model_max_budget` entry for this request, looked up by the requested name, then the
 * group; null when the key has none (no counter to read). The spend compared is the key's spend on
 * that model within `timePeriod`: the caller reads it from the ledger's windowed counter.
 */
export function keyModelBudget(
  subject: RequestSubject,
  requested: string,
  group: string,
): KeyModelBudget | null {
  const budgets = subject.key.modelMaxBudget;
  for (const model of requested === group ? [requested] : [requested, group]) {
    const entry = Object.hasOwn(budgets, model) ? budgets[model] : undefined;
    if (entry && typeof entry.budget_limit === 'number') {
      return { model, budgetLimit: entry.budget_limit, timePeriod: entry.time_period ?? null };
    }
  }
  return null;
}

/** Strictly above the limit blocks, with LiteLLM's per-model message. */
export function assertWithinKeyModelBudget(
  subject: RequestSubject,
  budget: KeyModelBudget,
  spend: number,
): void {
  if (spend > budget.budgetLimit) {
    const { token, alias } = subject.key;
    throw budgetExceeded(
      `LiteLLM Virtual Key: ${token}, key_alias: ${pyOptional(alias)}, exceeded budget for model=${budget.model}`,
    );
  }
}

/**
 * A group is free (LiteLLM's `_is_model_cost_zero`) when its deployments state both per-token
 * prices and every one is 0; an unstated price means "priced by the model map", so budgets apply.
 */
export function isZeroCost(deployments: readonly Pick<Deployment, 'prices'>[]): boolean {
  if (deployments.length === 0) return false;
  return deployments.every(({ prices }) => prices.inputCostPerToken === 0 && prices.outputCostPerToken === 0);
}
