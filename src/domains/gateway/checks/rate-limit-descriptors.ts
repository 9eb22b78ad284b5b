import type { RateLimitDescriptor } from '../limits/rate-limit';
import type { EndUserFacts, Limits, RequestSubject } from './request-subject';

const NONE: readonly RateLimitDescriptor[] = Object.freeze([]);

/**
 * The v3 limiter's scopes for one request (tenancy.md §16.4), only those with a limit: the key
 * (rpm, tpm, parallel requests), its owner, its team, the owner's membership of the team, the end
 * user, and the key's per-model limits for the group called. No limit anywhere → a shared empty
 * array, nothing allocated.
 */
export function rateLimitDescriptors(
  subject: RequestSubject,
  endUser: EndUserFacts | null | undefined,
  group: string,
): readonly RateLimitDescriptor[] {
  const { key, user, team } = subject;
  let out: RateLimitDescriptor[] | undefined;
  const add = (descriptor: RateLimitDescriptor) => (out ??= []).push(descriptor);

  if (hasRate(key) || key.maxParallel !== null) {
    add({ scope: 'api_key', value: key.token, rpm: key.rpm, tpm: key.tpm, maxParallel: key.maxParallel });
  }
  if (user && hasRate(user)) add({ scope: 'user', value: user.id, rpm: user.rpm, tpm: user.tpm });
  if (team && hasRate(team)) add({ scope: 'team', value: team.id, rpm: team.rpm, tpm: team.tpm });
  const member = team?.member;
  if (team && key.userId && member && hasRate(member)) {
    add({ scope: 'team_member', value: `${team.id}:${key.userId}`, rpm: member.rpm, tpm: member.tpm });
  }
  if (endUser && hasRate(endUser))
    add({ scope: 'end_user', value: endUser.id, rpm: endUser.rpm, tpm: endUser.tpm });
  const modelRpm = ownNumber(key.modelRpm, group);
  const modelTpm = ownNumber(key.modelTpm, group);
  if (modelRpm !== null || modelTpm !== null) {
    add({ scope: 'model_per_key', value: `${key.token}:${group}`, rpm: modelRpm, tpm: modelTpm });
  }
  return out ?? NONE;
}

function hasRate(limits: Pick<Limits, 'rpm' | 'tpm'>): boolean {
  return limits.rpm !== null || limits.tpm !== null;
}

function ownNumber(map: Readonly<Record<string, number>>, name: string): number | null {
  if (!Object.hasOwn(map, name)) return null;
  const value = map[name];
  return typeof value === 'number' ? value : null;
}
