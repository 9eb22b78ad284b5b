import type { RateLimitDescriptor } from '../limits/rate-limit';
import type { EndUserFacts, Limits, RequestSubject } from './request-subject';

const NONE: readonly RateLimitDescriptor[] = Object.freeze([]);

/**
 * The v3 limiter's scopes for one request (tenancy.md §16.4), only those with a limit: the key
 * (rpm, tpm, parallel requests), its owner, its team, the owner's membership of the team, the end
 * user, and the key's per-model limits for the group called. The subject's own scopes are built
 * once per cached subject; a request that adds none (no end-user or per-model limit) gets that
 * array as is, so the usual call allocates nothing.
 */
export function rateLimitDescriptors(
  subject: RequestSubject,
  endUser: EndUserFacts | null | undefined,
  group: string,
): readonly RateLimitDescriptor[] {
  const base = subjectDescriptors(subject);
  const { key } = subject;
  const endUserLimited = !!endUser && hasRate(endUser);
  const modelRpm = ownNumber(key.modelRpm, group);
  const modelTpm = ownNumber(key.modelTpm, group);
  const modelLimited = modelRpm !== null || modelTpm !== null;
  if (!endUserLimited && !modelLimited) return base;
  const out = base.slice();
  if (endUserLimited) out.push({ scope: 'end_user', value: endUser.id, rpm: endUser.rpm, tpm: endUser.tpm });
  if (modelLimited)
    out.push({ scope: 'model_per_key', value: `${key.token}:${group}`, rpm: modelRpm, tpm: modelTpm });
  return out;
}

const bySubject = new WeakMap<RequestSubject, readonly RateLimitDescriptor[]>();

/** The key, user, team and team-member scopes: fixed for the life of the cached subject. */
function subjectDescriptors(subject: RequestSubject): readonly RateLimitDescriptor[] {
  const cached = bySubject.get(subject);
  if (cached) return cached;
  const { key, user, team } = subject;
  const out: RateLimitDescriptor[] = [];
  if (hasRate(key) || key.maxParallel !== null) {
    out.push({
      scope: 'api_key',
      value: key.token,
      rpm: key.rpm,
      tpm: key.tpm,
      maxParallel: key.maxParallel,
    });
  }
  if (user && hasRate(user)) out.push({ scope: 'user', value: user.id, rpm: user.rpm, tpm: user.tpm });
  if (team && hasRate(team)) out.push({ scope: 'team', value: team.id, rpm: team.rpm, tpm: team.tpm });
  const member = team?.member;
  if (team && key.userId && member && hasRate(member)) {
    out.push({ scope: 'team_member', value: `${team.id}:${key.userId}`, rpm: member.rpm, tpm: member.tpm });
  }
  const frozen = out.length > 0 ? Object.freeze(out) : NONE;
  bySubject.set(subject, frozen);
  return frozen;
}

function hasRate(limits: Pick<Limits, 'rpm' | 'tpm'>): boolean {
  return limits.rpm !== null || limits.tpm !== null;
}

function ownNumber(map: Readonly<Record<string, number>>, name: string): number | null {
  if (!Object.hasOwn(map, name)) return null;
  const value = map[name];
  return typeof value === 'number' ? value : null;
}
