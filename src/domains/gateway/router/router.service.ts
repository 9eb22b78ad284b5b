import { Logger } from '@nestjs/common';
import { ApiError } from '../../../platform/common/errors/api-error';
import type { Deployment } from '../deployments/deployment';
import { UpstreamError } from '../providers/provider';
import { DeploymentHealth, type Cooldown } from './deployment-health';
import { simpleShuffle } from './simple-shuffle';

/** The deployments of a model group, from the model registry (config.yaml and the database). */
export interface DeploymentSource {
  group(name: string): readonly Deployment[];
}

/** The router's part of config.yaml (names as in the gateway config; times in ms). */
export interface RouterSettings {
  /** `litellm_settings.num_retries`: retries within a group after the first attempt. */
  numRetries: number;
  /** `router_settings.allowed_fails` per minute; unset or 3 (LiteLLM's default) means the failure-rate rule. */
  allowedFails?: number;
  /** `router_settings.cooldown_time`; 0 turns cooldowns off. */
  cooldownTimeMs: number;
  /** `litellm_settings.fallbacks`: group → groups tried in order once it has failed; `*` for any group. */
  fallbacks: Map<string, string[]>;
  /** Only simple-shuffle is implemented; the other strategies route as simple-shuffle. */
  routingStrategy: string;
  /** `litellm_settings.request_timeout`, for deployments without their own `timeout`. */
  requestTimeoutMs: number;
  /** First wait before retrying a deployment already tried (doubling up to 8 s, as LiteLLM's backoff). */
  retryBackoffMs: number;
}

export const DEFAULT_ROUTER_SETTINGS: RouterSettings = {
  numRetries: 2,
  allowedFails: undefined,
  cooldownTimeMs: 5_000,
  fallbacks: new Map(),
  routingStrategy: 'simple-shuffle',
  requestTimeoutMs: 6_000_000,
  retryBackoffMs: 500,
};

/** Time and chance, replaceable in tests. */
export interface RouterClock {
  now(): number;
  random(): number;
  sleep(ms: number): Promise<void>;
}

export interface RouteOptions {
  /** The client went away: no further attempt is started. */
  signal?: AbortSignal;
  /** Try `fallbacks[group]` once the group has failed (default true). */
  fallbacks?: boolean;
  /** The request's own fallback groups (`fallbacks` in its body), tried instead of the configured ones. */
  fallbackGroups?: readonly string[];
}

export interface Routed<T> {
  result: T;
  /** The deployment that answered. */
  deployment: Deployment;
  /** Retries in the group that answered (LiteLLM's `x-litellm-attempted-retries`). */
  attemptedRetries: number;
  /** Fallback groups tried, the one that answered included (`x-litellm-attempted-fallbacks`). */
  attemptedFallbacks: number;
  /** The fallback group that answered, when it was not the group asked for. */
  fallbackGroup?: string;
}

/** LiteLLM's ROUTER_MAX_FALLBACKS. */
const MAX_FALLBACKS = 5;
const MAX_BACKOFF_MS = 8_000;

const SYSTEM_CLOCK: RouterClock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * LiteLLM's router: picks a deployment of the model group (simple-shuffle), calls it, and on a
 * failure that another deployment might not have (connect, timeout, 429, 5xx) retries on another
 * one, up to `numRetries` times; deployments that keep failing cool down and are skipped; once the
 * group is exhausted its fallback groups are tried in order, each with its own retries. A client
 * error (4xx) is the request's fault and is thrown at once. Cooldowns are per process.
 */
export class RouterService {
  private readonly logger = new Logger('router');
  private settings: RouterSettings;
  private source: DeploymentSource | undefined;
  private readonly clock: RouterClock;
  private readonly health: DeploymentHealth;

  constructor(settings: Partial<RouterSettings> = {}, clock: Partial<RouterClock> = {}) {
    this.settings = withDefaults(settings);
    this.clock = { ...SYSTEM_CLOCK, ...clock };
    this.health = new DeploymentHealth(
      () => this.settings,
      () => this.clock.now(),
    );
  }

  /** Where the model groups come from (the deployments registry). */
  useDeployments(source: DeploymentSource) {
    this.source = source;
  }

  configure(settings: Partial<RouterSettings>) {
    this.settings = withDefaults({ ...this.settings, ...settings });
  }

  /** The timeout for one call to the deployment: its own `timeout`, else `request_timeout`. */
  timeoutMsFor(deployment: Deployment): number {
    return deployment.timeoutMs ?? this.settings.requestTimeoutMs;
  }

  /** Deployments cooling down now, and until when (ms since epoch). */
  cooldowns(): Cooldown[] {
    return this.health.cooldowns();
  }

  async route<T>(
    group: string,
    call: (deployment: Deployment, attempt: number) => Promise<T>,
    opts: RouteOptions = {},
  ): Promise<Routed<T>> {
    const source = this.requireSource();
    const first = source.group(group);
    if (first.length === 0) throw unknownGroup(group);
    const fallbacks = opts.fallbacks === false ? [] : this.fallbacksOf(group, opts.fallbackGroups);
    let failure: unknown;
    let attemptedFallbacks = 0;
    for (const [index, name] of [group, ...fallbacks].entries()) {
      const deployments = index === 0 ? first : source.group(name);
      if (deployments.length === 0) {
        this.logger.warn({ msg: 'fallback group has no deployments', group, fallback: name });
        continue;
      }
      if (index > 0) {
        if (opts.signal?.aborted) break;
        attemptedFallbacks += 1;
      }
      try {
        const routed = await this.routeGroup(name, deployments, call, opts.signal);
        return { ...routed, attemptedFallbacks, fallbackGroup: index > 0 ? name : undefined };
      } catch (error) {
        if (!mayFallBack(error)) throw error;
        failure = error; // LiteLLM answers with the last group's error
      }
    }
    throw failure;
  }

  /** One group: attempts on healthy deployments, untried ones first, up to numRetries retries. */
  private async routeGroup<T>(
    group: string,
    deployments: readonly Deployment[],
    call: (deployment: Deployment, attempt: number) => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<Omit<Routed<T>, 'attemptedFallbacks'>> {
    const tried = new Set<string>();
    let lastError: UpstreamError | undefined;
    for (let attempt = 0; attempt <= this.settings.numRetries; attempt++) {
      const healthy = deployments.filter((d) => !this.health.isCooling(d.id));
      // Every deployment cooling: before any attempt that is LiteLLM's 429; after one, its error says more.
      if (healthy.length === 0) throw lastError ?? this.noDeployments(group, deployments);
      const untried = healthy.filter((d) => !tried.has(d.id));
      const deployment = simpleShuffle(untried.length > 0 ? untried : healthy, this.clock.random);
      if (untried.length === 0) await this.clock.sleep(this.backoffMs(attempt));
      if (lastError && signal?.aborted) throw lastError;
      tried.add(deployment.id);
      try {
        const result = await call(deployment, attempt);
        this.health.recordSuccess(deployment.id);
        return { result, deployment, attemptedRetries: attempt };
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        if (this.health.recordFailure(deployment.id, error, deployments.length)) {
          this.logger.warn({
            msg: 'deployment cooling down',
            group,
            deployment: deployment.id,
            status: error.status,
          });
        }
        if (!error.retryable) throw error;
        lastError = error;
      }
    }
    throw lastError!;
  }

  private fallbacksOf(group: string, requested: readonly string[] | undefined): string[] {
    const configured =
      requested ?? this.settings.fallbacks.get(group) ?? this.settings.fallbacks.get('*') ?? [];
    return [...new Set(configured)].filter((name) => name !== group).slice(0, MAX_FALLBACKS);
  }

  /** LiteLLM's exponential backoff with jitter, when no other deployment is left to try. */
  private backoffMs(attempt: number): number {
    const base = Math.min(this.settings.retryBackoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
    return Math.round(base * (1 - 0.75 * this.clock.random()));
  }

  private noDeployments(group: string, deployments: readonly Deployment[]): ApiError {
    const ids = new Set(deployments.map((d) => d.id));
    const cooling = this.health.cooldowns().filter((c) => ids.has(c.deploymentId));
    const soonest = Math.min(...cooling.map((c) => c.until));
    const seconds = Math.max(1, Math.ceil((soonest - this.clock.now()) / 1000));
    const list = cooling.map((c) => `'${c.deploymentId}'`).join(', ');
    return new ApiError(
      429,
      `No deployments available for selected model, Try again in ${seconds} seconds. ` +
        `Passed model=${group}. pre-call-checks=False, cooldown_list=[${list}]`,
      'rate_limit_error',
    ).withHeaders({ 'retry-after': String(seconds) });
  }

  private requireSource(): DeploymentSource {
    if (!this.source) throw new Error('RouterService: no deployment source (call useDeployments first)');
    return this.source;
  }
}

/** A failed group may hand over to its fallbacks unless the request itself was wrong. */
function mayFallBack(error: unknown): boolean {
  if (error instanceof UpstreamError) return error.retryable;
  return error instanceof ApiError && error.status === 429;
}

function unknownGroup(group: string): ApiError {
  return new ApiError(
    400,
    `Invalid model name passed in model=${group}. Call \`/v1/models\` to view available models for your key.`,
    'bad_request_error',
    'model',
  );
}

function withDefaults(settings: Partial<RouterSettings>): RouterSettings {
  const pick = <K extends keyof RouterSettings>(key: K): RouterSettings[K] =>
    settings[key] ?? DEFAULT_ROUTER_SETTINGS[key];
  return {
    numRetries: Math.max(0, pick('numRetries')),
    allowedFails: settings.allowedFails,
    cooldownTimeMs: pick('cooldownTimeMs'),
    fallbacks: pick('fallbacks'),
    routingStrategy: pick('routingStrategy'),
    requestTimeoutMs: pick('requestTimeoutMs'),
    retryBackoffMs: pick('retryBackoffMs'),
  };
}
