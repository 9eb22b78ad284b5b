import type { ModelRegistry } from '../../src/domains/gateway/checks/model-access';
import type { EndUserFacts, Limits, RequestSubject } from '../../src/domains/gateway/checks/request-subject';
import { unrestrictedSubject } from '../../src/domains/gateway/checks/request-subject';

/** Fixtures for the checks' unit tests: a subject no check restricts, which a test then narrows. */

export const NO_LIMITS: Limits = { maxBudget: null, rpm: null, tpm: null, maxParallel: null };

/** A personal key `hash-1` of user `u1` (with a user row), nothing restricted. */
export function personalKey(): RequestSubject {
  const subject = unrestrictedSubject('hash-1', 'u1');
  subject.user = { ...NO_LIMITS, id: 'u1', models: [] };
  return subject;
}

/** A team key `hash-1` of user `u1` in team `t1`, nothing restricted. */
export function teamKey(): RequestSubject & { team: NonNullable<RequestSubject['team']> } {
  const subject = personalKey();
  subject.key.teamId = 't1';
  const team: NonNullable<RequestSubject['team']> = {
    ...NO_LIMITS,
    id: 't1',
    alias: 'team one',
    models: [],
    modelAliases: {},
    accessGroupIds: [],
    accessGroupModels: [],
    organizationId: null,
    member: null,
  };
  subject.team = team;
  return { ...subject, team };
}

export function endUser(over: Partial<EndUserFacts> = {}): EndUserFacts {
  return { ...NO_LIMITS, id: 'cust-1', blocked: false, ...over };
}

/** Model groups with their access groups (`model_info.access_groups`). */
export function registry(groups: Record<string, string[]>): ModelRegistry {
  const names = Object.keys(groups);
  return { groupNames: () => names, accessGroupsOf: (group) => groups[group] ?? [] };
}
