import { modelMaxBudgetProblem } from './model-max-budget';

describe('modelMaxBudgetProblem', () => {
  it('should accept budget_limit with an optional time_period, and LiteLLM aliases', () => {
    expect(modelMaxBudgetProblem({})).toBeNull();
    expect(modelMaxBudgetProblem({ 'gpt-4o': { budget_limit: 10 } })).toBeNull();
    expect(modelMaxBudgetProblem({ 'gpt-4o': { budget_limit: 0, time_period: '1d' } })).toBeNull();
    expect(modelMaxBudgetProblem({ 'gpt-4o': { budget_limit: '0.5', time_period: '1mo' } })).toBeNull();
    expect(
      modelMaxBudgetProblem({ a: { max_budget: 1, budget_duration: '7d', tpm_limit: 10, rpm_limit: 0 } }),
    ).toBeNull();
  });

  it.each([
    [[], 'expected an object'],
    [{ m: 5 }, "model 'm': expected an object"],
    [{ m: [] }, "model 'm': expected an object"],
    [{ m: {} }, 'budget_limit is required'],
    [{ m: { budget_limit: null } }, 'budget_limit is required'],
    [{ m: { budget_limit: -1 } }, 'budget_limit must be a non-negative finite number'],
    [{ m: { budget_limit: 'ten' } }, 'budget_limit must be a non-negative finite number'],
    [{ m: { budget_limit: true } }, 'budget_limit must be a non-negative finite number'],
    [{ m: { budget_limit: 1, max_budget: 1 } }, 'not both'],
    [{ m: { budget_limit: 1, time_period: '1x' } }, 'time_period must be a duration'],
    [{ m: { budget_limit: 1, time_period: '0d' } }, 'time_period must be a duration'],
    [{ m: { budget_limit: 1, time_period: 7 } }, 'time_period must be a duration'],
    [{ m: { budget_limit: 1, tpm_limit: 1.5 } }, 'tpm_limit must be a non-negative whole number'],
    [{ m: { budget_limit: 1, colour: 'red' } }, "unknown field 'colour'"],
    [{ '': { budget_limit: 1 } }, 'must not be empty'],
    [{ ['x'.repeat(257)]: { budget_limit: 1 } }, 'at most 256 characters'],
  ])('should refuse %j', (value, problem) => {
    expect(modelMaxBudgetProblem(value)).toContain(problem);
  });
});
