import type { UpstreamError } from '../providers/provider';

/** LiteLLM's `litellm.allowed_fails`: when the router's value equals it, LiteLLM uses the failure-rate rule. */
export const LITELLM_DEFAULT_ALLOWED_FAILS = 3;
/** LiteLLM's failure-rate rule (constants.py): over half of a minute's calls, once there are 5. */
const FAILURE_RATE_THRESHOLD = 0.5;
const FAILURE_RATE_MINIMUM_CALLS = 5;
/** A lone deployment cools down only when every one of this many calls in a minute failed. */
const SINGLE_DEPLOYMENT_MINIMUM_CALLS = 1000;
const MINUTE_MS = 60_000;

export interface CooldownPolicy {
  /**
   * Failures allowed per minute before a cooldown (`router_settings.allowed_fails`). Unset, or
   * LiteLLM's default 3, means LiteLLM's failure-rate rule instead, as LiteLLM does.
   */
  allowedFails?: number;
  /** `router_settings.cooldown_time`; 0 turns cooldowns off. */
  cooldownTimeMs: number;
}

export interface Cooldown {
  deploymentId: string;
  until: number;
  /** The status of the failure that started it. */
  status: number;
}

interface Health {
  /** The minute (epoch minutes) the two counters below belong to. */
  minute: number;
  successes: number;
  failures: number;
  /** Failure times within the last minute, for the allowed_fails rule. */
  recentFailures: number[];
  cooldown?: Cooldown;
}

/**
 * Which failures make a deployment suspect (LiteLLM's `_is_cooldown_required`): rate limits, auth
 * and not-found answers, timeouts, server errors and unreachable upstreams; other 4xx are the
 * request's fault. LiteLLM skips its APIConnectionError here; we count a refused connection, the
 * plainest sign that a deployment is down.
 */
export function countsAgainstDeployment(error: UpstreamError): boolean {
  if (error.kind !== 'client') return true;
  return error.status === 401 || error.status === 404 || error.status === 408;
}

/** LiteLLM's `_should_retry` on a status: a repeat may succeed (timeouts, conflicts, 429, 5xx). */
const retriableStatus = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * Per-process health of the deployments: calls and failures per minute and the cooldowns they
 * cause (LiteLLM's cooldown_handlers, v1 and v2 rules). A cooling deployment is skipped until its
 * cooldown ends. Kept in memory: each pod learns on its own within a few calls.
 */
export class DeploymentHealth {
  private readonly health = new Map<string, Health>();

  constructor(
    private readonly policy: () => CooldownPolicy,
    private readonly now: () => number,
  ) {}

  isCooling(deploymentId: string): boolean {
    const cooldown = this.health.get(deploymentId)?.cooldown;
    return cooldown !== undefined && cooldown.until > this.now();
  }

  cooldowns(): Cooldown[] {
    const now = this.now();
    return [...this.health.values()].flatMap((h) =>
      h.cooldown && h.cooldown.until > now ? [h.cooldown] : [],
    );
  }

  recordSuccess(deploymentId: string) {
    this.entry(deploymentId).successes += 1;
  }

  /** Counts a failure; returns whether the deployment went into cooldown. */
  recordFailure(deploymentId: string, error: UpstreamError, groupSize: number): boolean {
    const { cooldownTimeMs } = this.policy();
    if (!countsAgainstDeployment(error) || cooldownTimeMs <= 0) return false;
    const entry = this.entry(deploymentId);
    entry.failures += 1;
    if (!this.shouldCoolDown(entry, error.status, groupSize)) return false;
    entry.cooldown = { deploymentId, until: this.now() + cooldownTimeMs, status: error.status };
    entry.recentFailures = [];
    return true;
  }

  private shouldCoolDown(entry: Health, status: number, groupSize: number): boolean {
    const { allowedFails } = this.policy();
    if (allowedFails !== undefined && allowedFails !== LITELLM_DEFAULT_ALLOWED_FAILS) {
      const now = this.now();
      entry.recentFailures = entry.recentFailures.filter((t) => now - t < MINUTE_MS);
      entry.recentFailures.push(now);
      return entry.recentFailures.length > allowedFails;
    }
    const calls = entry.successes + entry.failures;
    const failureRate = entry.failures / calls;
    const alone = groupSize <= 1;
    if (status === 429 && !alone) return true;
    if (failureRate === 1 && calls >= SINGLE_DEPLOYMENT_MINIMUM_CALLS) return true;
    if (!alone && failureRate > FAILURE_RATE_THRESHOLD && calls >= FAILURE_RATE_MINIMUM_CALLS) return true;
    return !retriableStatus(status);
  }

  private entry(deploymentId: string): Health {
    const minute = Math.floor(this.now() / MINUTE_MS);
    let entry = this.health.get(deploymentId);
    if (!entry) {
      entry = { minute, successes: 0, failures: 0, recentFailures: [] };
      this.health.set(deploymentId, entry);
    } else if (entry.minute !== minute) {
      entry.minute = minute;
      entry.successes = 0;
      entry.failures = 0;
    }
    return entry;
  }
}
