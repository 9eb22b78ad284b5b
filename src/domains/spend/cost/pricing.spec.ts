import { costOf } from './pricing';

describe('costOf', () => {
  it('should price gpt-4o from the price table (2.50 / 10.00 USD per million tokens)', () => {
    const cost = costOf(
      { model: 'gpt-4o', provider: 'openai', prices: {} },
      { promptTokens: 1000, completionTokens: 500 },
    );
    expect(cost.source).toBe('price-table');
    expect(cost.priced).toBe(true);
    expect(cost.cost).toBeCloseTo(1000 * 2.5e-6 + 500 * 10e-6, 12);
  });

  it('should charge gpt-4o cached prompt tokens at the cache-read price', () => {
    const cost = costOf(
      { model: 'gpt-4o', provider: 'openai', prices: {} },
      { promptTokens: 1000, completionTokens: 500, cacheReadInputTokens: 400 },
    );
    expect(cost.cost).toBeCloseTo(600 * 2.5e-6 + 400 * 1.25e-6 + 500 * 10e-6, 12);
  });

  it('should charge claude cache reads and cache writes at their own prices', () => {
    const cost = costOf(
      { model: 'claude-3-5-sonnet-20241022', provider: 'anthropic', prices: {} },
      { promptTokens: 1000, completionTokens: 500, cacheReadInputTokens: 400, cacheCreationInputTokens: 100 },
    );
    // 3 USD/M input, 0.30 cache read, 3.75 cache write, 15 output.
    expect(cost.cost).toBeCloseTo(500 * 3e-6 + 400 * 0.3e-6 + 100 * 3.75e-6 + 500 * 15e-6, 12);
    expect(cost.source).toBe('price-table');
  });

  it('should price an Azure deployment by its base_model, not its deployment name', () => {
    const cost = costOf(
      { model: 'my-prod-deployment', provider: 'azure', prices: {}, baseModel: 'azure/gpt-4o' },
      { promptTokens: 2000, completionTokens: 100 },
    );
    expect(cost).toEqual({ cost: expect.any(Number), priced: true, source: 'price-table' });
    expect(cost.cost).toBeCloseTo(2000 * 2.5e-6 + 100 * 10e-6, 12);
  });

  it("should prefer the deployment's own prices over the table", () => {
    const cost = costOf(
      {
        model: 'gpt-4o',
        provider: 'openai',
        prices: { inputCostPerToken: 1e-6, outputCostPerToken: 2e-6, cacheReadInputTokenCost: 0.1e-6 },
      },
      { promptTokens: 1000, completionTokens: 10, cacheReadInputTokens: 200, cacheCreationInputTokens: 50 },
    );
    expect(cost.source).toBe('deployment');
    // Cache creation has no price of its own here: the input price.
    expect(cost.cost).toBeCloseTo(750 * 1e-6 + 200 * 0.1e-6 + 50 * 1e-6 + 10 * 2e-6, 15);
  });

  it('should report an unknown model as unpriced with cost 0', () => {
    expect(
      costOf(
        { model: 'my-fine-tune-xyz', provider: 'openai', prices: {} },
        { promptTokens: 10, completionTokens: 10 },
      ),
    ).toEqual({ cost: 0, priced: false, source: 'none' });
  });
});
