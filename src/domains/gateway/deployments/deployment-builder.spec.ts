import { configModelId, ModelEntry, providerOf, toDeployment } from './deployment-builder';
import { publicParams } from './model-params';

const entry = (
  litellmParams: Record<string, unknown>,
  modelInfo: Record<string, unknown> = {},
): ModelEntry => ({
  modelName: 'group',
  litellmParams,
  modelInfo,
});

describe('deployment builder', () => {
  it.each([
    [{ model: 'openai/gpt-4o' }, 'openai', 'gpt-4o'],
    [{ model: 'gpt-4o' }, 'openai', 'gpt-4o'],
    [{ model: 'azure/my-deployment' }, 'azure', 'my-deployment'],
    [{ model: 'anthropic/claude-sonnet-4' }, 'anthropic', 'claude-sonnet-4'],
    [{ model: 'hosted_vllm/meta-llama/Llama-3', api_base: 'http://vllm' }, 'openai', 'meta-llama/Llama-3'],
    [{ model: 'meta-llama/Llama-3', api_base: 'http://vllm' }, 'openai', 'meta-llama/Llama-3'],
    [{ model: 'gpt-4o', custom_llm_provider: 'azure' }, 'azure', 'gpt-4o'],
  ])('should route %j to %s as %s', (params, provider, upstream) => {
    expect(providerOf(params)).toEqual({ provider, upstream });
  });

  it.each([[{ model: 'bedrock/claude' }], [{ model: 'x', custom_llm_provider: 'vertex_ai' }]])(
    'should not serve %j',
    (params) => {
      expect(providerOf(params)).toBeUndefined();
      expect(toDeployment(entry(params), 'id', 'db')).toBeUndefined();
    },
  );

  it('should read seconds as ms, numbers stored as strings, and prices from params before model_info', () => {
    const d = toDeployment(
      entry(
        {
          model: 'openai/gpt-4o',
          timeout: '1.5',
          stream_timeout: 2,
          rpm: '10',
          tpm: 1000,
          weight: 3,
          input_cost_per_token: 1e-6,
          max_tokens: 64,
        },
        { input_cost_per_token: 9, output_cost_per_token: 2e-6, access_groups: ['a'] },
      ),
      'id-1',
      'config',
    );
    expect(d).toMatchObject({
      id: 'id-1',
      timeoutMs: 1500,
      streamTimeoutMs: 2000,
      rpm: 10,
      tpm: 1000,
      weight: 3,
      prices: { inputCostPerToken: 1e-6, outputCostPerToken: 2e-6 },
      modelInfo: { id: 'id-1', access_groups: ['a'] },
      extraParams: { max_tokens: 64 },
    });
  });

  it('should give a config entry the same id whatever the key order, and another id when it differs', () => {
    const a = configModelId(entry({ model: 'gpt-4o', rpm: 1 }));
    expect(configModelId(entry({ rpm: 1, model: 'gpt-4o' }))).toBe(a);
    expect(configModelId(entry({ model: 'gpt-4o', rpm: 2 }))).not.toBe(a);
  });

  it('should leave credentials out of the params it shows, but not max_tokens', () => {
    expect(
      publicParams({
        model: 'm',
        api_key: 'k',
        aws_secret_access_key: 's',
        vertex_credentials: 'c',
        client_secret: 'x',
        max_tokens: 5,
        api_base: 'b',
      }),
    ).toEqual({ model: 'm', max_tokens: 5, api_base: 'b' });
  });
});
