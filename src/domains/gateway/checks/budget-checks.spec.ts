import { ApiError } from '../../../platform/common/errors/api-error';
import {
  assertWithinBudgets,
  assertWithinKeyModelBudget,
  budgetEntities,
  BudgetOptions,
  checkBudgets,
  isZeroCost,
  keyModelBudget,
} from './budget-checks';
import { checkEndUser } from './end-user';
import type { EndUserFacts, RequestSubject } from './request-subject';
import { endUser, NO_LIMITS, personalKey, teamKey } from '../../../../test/fakes/request-subject';

const NOW = Date.parse('2026-12-06T10:00:00Z');

/** The error (or undefined) of checking `subject` with one spend for its only budget. */
function outcome(subject: RequestSubject, spend: number, user?: EndUserFacts, opts: BudgetOptions = {}) {
  const checks = budgetEntities(subject, user, { now: NOW, ...opts });
  expect(checks).toHaveLength(1);
  try {
    assertWithinBudgets(checks, [spend]);
    return undefined;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { status: error.status, type: error.type, param: error.param, message: error.message };
  }
}

const exceeded = (message: string) => ({ status: 400, type: 'budget_exceeded', param: null, message });

describe('budget checks', () => {
  it('should read no counter (a shared empty list) when nothing has a max budget', () => {
    const first = budgetEntities(teamKey(), endUser(), { now: NOW, tags: ['a'], tagBudgets: new Map() });
    expect(first).toEqual([]);
    expect(budgetEntities(personalKey(), undefined)).toBe(first);
  });

  describe('key (spend ≥ max)', () => {
    const key = () => {
      const subject = personalKey();
      subject.key.maxBudget = 10;
      return subject;
    };

    it('should pass just under the max and block at it', () => {
      expect(outcome(key(), 9.99)).toBeUndefined();
      expect(outcome(key(), 10)).toEqual(
        exceeded('Budget has been exceeded! Current cost: 10.0, Max budget: 10.0'),
      );
      expect(outcome(key(), 10.5)?.message).toBe(
        'Budget has been exceeded! Current cost: 10.5, Max budget: 10.0',
      );
    });

    it('should add the temporary increase until its expiry', () => {
      const subject = key();
      subject.key.tempBudgetIncrease = { amount: 5, expiresAt: NOW + 1 };
      expect(outcome(subject, 14.9)).toBeUndefined();
      expect(outcome(subject, 15)?.message).toBe(
        'Budget has been exceeded! Current cost: 15.0, Max budget: 15.0',
      );
      subject.key.tempBudgetIncrease = { amount: 5, expiresAt: NOW };
      expect(outcome(subject, 10)?.type).toBe('budget_exceeded');
    });
  });

  describe('team (spend > max)', () => {
    const team = () => {
      const subject = teamKey();
      subject.team.maxBudget = 10;
      return subject;
    };

    it('should pass at the max and block just above it', () => {
      expect(outcome(team(), 10)).toBeUndefined();
      expect(outcome(team(), 10.01)).toEqual(
        exceeded('Budget has been exceeded! Team=t1 Current cost: 10.01, Max budget: 10.0'),
      );
    });
  });

  describe('team member (spend ≥ max, when max > 0)', () => {
    const member = (maxBudget: number) => {
      const subject = teamKey();
      subject.team.member = { ...NO_LIMITS, maxBudget, allowedModels: [] };
      return subject;
    };

    it('should pass under the max and block at it', () => {
      expect(outcome(member(2), 1.99)).toBeUndefined();
      expect(outcome(member(2), 2)).toEqual(
        exceeded('Budget has been exceeded! User=u1 in Team=t1 Current cost: 2.0, Max budget: 2.0'),
      );
    });

    it('should not check a zero max, a key without owner, or an owner without a user row', () => {
      expect(budgetEntities(member(0), undefined)).toEqual([]);
      const ownerless = member(2);
      ownerless.key.userId = null;
      expect(budgetEntities(ownerless, undefined)).toEqual([]);
      const rowless = member(2);
      rowless.user = null;
      expect(budgetEntities(rowless, undefined)).toEqual([]);
    });
  });

  describe('organization (spend ≥ max, when max > 0)', () => {
    const org = (maxBudget: number | null) => {
      const subject = teamKey();
      subject.organization = { id: 'o1', maxBudget, models: [] };
      return subject;
    };

    it('should pass under the max and block at it', () => {
      expect(outcome(org(100), 99.5)).toBeUndefined();
      expect(outcome(org(100), 100)).toEqual(
        exceeded('Budget has been exceeded! Organization=o1 Current cost: 100.0, Max budget: 100.0'),
      );
    });

    it('should not check an organization whose max is 0 or unset', () => {
      expect(budgetEntities(org(0), undefined)).toEqual([]);
      expect(budgetEntities(org(null), undefined)).toEqual([]);
    });
  });

  describe('user (spend ≥ max, keys without team only)', () => {
    it('should block a personal key at its owner max', () => {
      const subject = personalKey();
      subject.user = { ...subject.user!, maxBudget: 5 };
      expect(outcome(subject, 4.5)).toBeUndefined();
      expect(outcome(subject, 5)).toEqual(
        exceeded('ExceededBudget: User=u1 over budget. Spend=5.0, Budget=5.0'),
      );
    });

    it("should not limit a team key by its owner's personal budget", () => {
      const subject = teamKey();
      subject.user = { ...subject.user!, maxBudget: 5 };
      expect(budgetEntities(subject, undefined)).toEqual([]);
    });
  });

  describe('end user (spend > max)', () => {
    it('should pass at the max and block just above it', () => {
      const customer = endUser({ maxBudget: 1 });
      expect(outcome(personalKey(), 1, customer)).toBeUndefined();
      expect(outcome(personalKey(), 1.0001, customer)).toEqual(
        exceeded('ExceededBudget: End User=cust-1 over budget. Spend=1.0001, Budget=1.0'),
      );
    });

    it('should still apply to a zero-cost model, which skips every other budget', () => {
      const subject = teamKey();
      subject.key.maxBudget = 1;
      subject.team.maxBudget = 1;
      const checks = budgetEntities(subject, endUser({ maxBudget: 3 }), { zeroCost: true });
      expect(checks).toEqual([{ kind: 'end_user', id: 'cust-1', max: 3 }]);
      expect(budgetEntities(subject, undefined, { zeroCost: true })).toEqual([]);
    });
  });

  describe('tags (spend > max)', () => {
    const opts = { tags: ['prod', 'free'], tagBudgets: new Map([['prod', 4]]) };

    it('should check only the request tags that have a budget', () => {
      expect(budgetEntities(personalKey(), undefined, opts)).toEqual([{ kind: 'tag', id: 'prod', max: 4 }]);
      expect(outcome(personalKey(), 4, undefined, opts)).toBeUndefined();
      expect(outcome(personalKey(), 4.5, undefined, opts)).toEqual(
        exceeded('Budget has been exceeded! Tag=prod Current cost: 4.5, Max budget: 4.0'),
      );
    });
  });

  describe('project (spend > max)', () => {
    it('should pass at the max and block just above it', () => {
      const subject = personalKey();
      subject.project = { id: 'p1', maxBudget: 2.5, models: [] };
      expect(outcome(subject, 2.5)).toBeUndefined();
      expect(outcome(subject, 2.6)).toEqual(
        exceeded('Budget has been exceeded! Project=p1 Current cost: 2.6, Max budget: 2.5'),
      );
    });
  });

  it("should list the counters in LiteLLM's order and stop at the first budget broken", () => {
    const subject = teamKey();
    subject.key.maxBudget = 10;
    subject.project = { id: 'p1', maxBudget: 20, models: [] };
    subject.team.maxBudget = 30;
    subject.team.member = { ...NO_LIMITS, maxBudget: 40, allowedModels: [] };
    subject.organization = { id: 'o1', maxBudget: 50, models: [] };
    const opts = { now: NOW, tags: ['prod'], tagBudgets: new Map([['prod', 60]]) };
    const checks = budgetEntities(subject, endUser({ maxBudget: 70 }), opts);
    expect(checks.map((c) => `${c.kind}:${c.id}`)).toEqual([
      'end_user:cust-1',
      'key:hash-1',
      'project:p1',
      'team:t1',
      'org:o1',
      'tag:prod',
      'team_member:t1:u1',
    ]);
    expect(checks[6]).toMatchObject({ teamId: 't1', userId: 'u1', max: 40 });
    expect(() => assertWithinBudgets(checks, [0, 0, 0, 31, 51, 0, 0])).toThrow('Team=t1');
    expect(() =>
      checkBudgets(subject, endUser({ maxBudget: 70 }), [70, 9, 20, 30, 49, 60, 39], opts),
    ).not.toThrow();
  });

  describe("the key's per-model budget (spend > limit)", () => {
    const subject = () => {
      const s = personalKey();
      s.key.modelMaxBudget = { 'gpt-4o': { budget_limit: 3, time_period: '1d' }, group: { budget_limit: 1 } };
      return s;
    };

    it('should find the entry by the requested name, then by the group, else none', () => {
      expect(keyModelBudget(subject(), 'gpt-4o', 'gpt-4o')).toEqual({
        model: 'gpt-4o',
        budgetLimit: 3,
        timePeriod: '1d',
      });
      expect(keyModelBudget(subject(), 'alias', 'group')).toEqual({
        model: 'group',
        budgetLimit: 1,
        timePeriod: null,
      });
      expect(keyModelBudget(subject(), 'gpt-3.5', 'gpt-3.5')).toBeNull();
    });

    it('should pass at the limit and block above it with the key in the message', () => {
      const s = subject();
      const budget = keyModelBudget(s, 'gpt-4o', 'gpt-4o')!;
      expect(() => assertWithinKeyModelBudget(s, budget, 3)).not.toThrow();
      expect(() => assertWithinKeyModelBudget(s, budget, 3.01)).toThrow(
        'LiteLLM Virtual Key: hash-1, key_alias: None, exceeded budget for model=gpt-4o',
      );
      s.key.alias = 'mine';
      expect(() => assertWithinKeyModelBudget(s, budget, 4)).toThrow('key_alias: mine,');
    });
  });

  describe('blocked end user', () => {
    it("should refuse a blocked end user with LiteLLM's 400", () => {
      let error: unknown;
      try {
        checkEndUser(endUser({ blocked: true }));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        param: null,
        message: 'User blocked from making LLM API Calls. User=cust-1',
      });
    });

    it('should let an unblocked or unknown end user through', () => {
      expect(() => checkEndUser(endUser())).not.toThrow();
      expect(() => checkEndUser(undefined)).not.toThrow();
    });
  });

  describe('zero-cost models', () => {
    it('should call a group free only when every deployment states 0 for both prices', () => {
      const free = { prices: { inputCostPerToken: 0, outputCostPerToken: 0 } };
      expect(isZeroCost([free, free])).toBe(true);
      expect(isZeroCost([free, { prices: { inputCostPerToken: 0, outputCostPerToken: 1e-6 } }])).toBe(false);
      expect(isZeroCost([{ prices: { inputCostPerToken: 0 } }])).toBe(false);
      expect(isZeroCost([{ prices: {} }])).toBe(false);
      expect(isZeroCost([])).toBe(false);
    });
  });
});
