import { rateLimitDescriptors } from './rate-limit-descriptors';
import { endUser, NO_LIMITS, personalKey, teamKey } from '../../../../test/fakes/request-subject';

describe('rateLimitDescriptors', () => {
  it('should check nothing (a shared empty list) when no scope has a limit', () => {
    const first = rateLimitDescriptors(teamKey(), endUser(), 'gpt-4o');
    expect(first).toEqual([]);
    expect(rateLimitDescriptors(personalKey(), undefined, 'gpt-4o')).toBe(first);
  });

  it('should limit the key by rpm, tpm and parallel requests, each alone enough', () => {
    // a subject is immutable once loaded (its descriptors are kept with it): one per case
    const byRpm = personalKey();
    byRpm.key.rpm = 10;
    expect(rateLimitDescriptors(byRpm, undefined, 'g')).toEqual([
      { scope: 'api_key', value: 'hash-1', rpm: 10, tpm: null, maxParallel: null },
    ]);
    const byParallel = personalKey();
    byParallel.key.maxParallel = 2;
    expect(rateLimitDescriptors(byParallel, undefined, 'g')).toEqual([
      { scope: 'api_key', value: 'hash-1', rpm: null, tpm: null, maxParallel: 2 },
    ]);
  });

  it('should give every scope with a limit, in the order of the spec table', () => {
    const subject = teamKey();
    subject.key.tpm = 1000;
    subject.user = { ...subject.user!, rpm: 5 };
    subject.team.tpm = 2000;
    subject.team.member = { ...NO_LIMITS, rpm: 3, allowedModels: [] };
    subject.key.modelRpm = { 'gpt-4o': 7, other: 1 };
    subject.key.modelTpm = { 'gpt-4o': 70 };
    expect(rateLimitDescriptors(subject, endUser({ tpm: 50 }), 'gpt-4o')).toEqual([
      { scope: 'api_key', value: 'hash-1', rpm: null, tpm: 1000, maxParallel: null },
      { scope: 'user', value: 'u1', rpm: 5, tpm: null },
      { scope: 'team', value: 't1', rpm: null, tpm: 2000 },
      { scope: 'team_member', value: 't1:u1', rpm: 3, tpm: null },
      { scope: 'end_user', value: 'cust-1', rpm: null, tpm: 50 },
      { scope: 'model_per_key', value: 'hash-1:gpt-4o', rpm: 7, tpm: 70 },
    ]);
  });

  it('should give the per-model scope only for the group called, and no member scope without owner', () => {
    const subject = teamKey();
    subject.key.userId = null;
    subject.team.member = { ...NO_LIMITS, rpm: 3, allowedModels: [] };
    subject.key.modelTpm = { 'gpt-4o': 70 };
    expect(rateLimitDescriptors(subject, undefined, 'gpt-3.5')).toEqual([]);
    expect(rateLimitDescriptors(subject, undefined, 'gpt-4o')).toEqual([
      { scope: 'model_per_key', value: 'hash-1:gpt-4o', rpm: null, tpm: 70 },
    ]);
  });

  it("should hand back the subject's own scopes without a copy when the request adds none", () => {
    const subject = personalKey();
    subject.key.rpm = 10;
    subject.key.modelRpm = { 'gpt-4o': 1 };
    const first = rateLimitDescriptors(subject, endUser(), 'gpt-3.5');
    expect(rateLimitDescriptors(subject, undefined, 'gpt-3.5')).toBe(first);
    const withModel = rateLimitDescriptors(subject, undefined, 'gpt-4o');
    expect(withModel).toHaveLength(2);
    expect(first).toHaveLength(1);
  });
});
