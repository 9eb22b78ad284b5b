import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLiteLLMConfig, readLiteLLMConfigFile } from './litellm-config-file';

const LITELLM_EXAMPLE = `
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      rpm: 600
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-eu
      api_base: https://example-eu.openai.azure.com
      api_key: os.environ/AZURE_API_KEY
      api_version: "2024-06-01"
      weight: 2
    model_info:
      input_cost_per_token: 0.0000025
  - model_name: claude
    litellm_params:
      model: anthropic/claude-sonnet-4
      api_key: os.environ/ANTHROPIC_API_KEY
litellm_settings:
  num_retries: 2
  request_timeout: 30
  drop_params: true
  fallbacks: [{ "gpt-4o": ["claude"] }]
  success_callback: ["langfuse"]
router_settings:
  routing_strategy: usage-based-routing-v2
  allowed_fails: 3
  cooldown_time: 30
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
  database_url: os.environ/DATABASE_URL
environment_variables: {}
`;

describe('LiteLLM config.yaml', () => {
  const env = { OPENAI_API_KEY: 'sk-openai', AZURE_API_KEY: 'az-key', LITELLM_MASTER_KEY: 'sk-master' };

  it("should read LiteLLM's example file, resolving os.environ/ references", () => {
    const config = parseLiteLLMConfig(LITELLM_EXAMPLE, env);
    expect(config.modelList.map((m) => [m.modelName, m.litellmParams.model])).toEqual([
      ['gpt-4o', 'openai/gpt-4o'],
      ['gpt-4o', 'azure/gpt-4o-eu'],
      ['claude', 'anthropic/claude-sonnet-4'],
    ]);
    expect(config.modelList[0].litellmParams).toMatchObject({ api_key: 'sk-openai', rpm: 600 });
    expect(config.modelList[1].litellmParams).toMatchObject({
      api_key: 'az-key',
      api_version: '2024-06-01',
      weight: 2,
    });
    expect(config.modelList[1].modelInfo).toEqual({ input_cost_per_token: 0.0000025 });
    expect(config.litellmSettings).toEqual({
      numRetries: 2,
      requestTimeoutSeconds: 30,
      dropParams: true,
      fallbacks: new Map([['gpt-4o', ['claude']]]),
      publicMcpServers: [],
    });
    expect(config.routerSettings).toEqual({
      routingStrategy: 'usage-based-routing-v2',
      allowedFails: 3,
      cooldownTimeSeconds: 30,
    });
    expect(config.generalSettings).toEqual({
      masterKey: 'sk-master',
      databaseUrl: undefined,
      mcpInternalIpRanges: undefined,
      enableMcpRegistry: undefined,
      userMcpManagementMode: undefined,
    });
    expect(config.unsetVariables.sort()).toEqual(['ANTHROPIC_API_KEY', 'DATABASE_URL']);
    expect(config.modelList[2].litellmParams.api_key).toBeUndefined();
  });

  it('should accept an empty file and a file of other sections', () => {
    expect(parseLiteLLMConfig('', {}).modelList).toEqual([]);
    expect(parseLiteLLMConfig('environment_variables: {}\n', {}).litellmSettings.fallbacks.size).toBe(0);
  });

  it.each([
    ['model_list: {}', 'model_list in config.yaml must be a list'],
    [
      'model_list: [{ litellm_params: { model: openai/x } }]',
      'model_list[0].model_name in config.yaml is required',
    ],
    ['model_list: [{ model_name: a }]', 'model_list[0].litellm_params in config.yaml must be a mapping'],
    [
      'model_list: [{ model_name: a, litellm_params: { api_base: x } }]',
      'model_list[0].litellm_params.model',
    ],
    [
      'model_list: [{ model_name: a, litellm_params: { model: m, rpm: fast } }]',
      'model_list[0].litellm_params.rpm',
    ],
    ['litellm_settings: { num_retries: -1 }', 'litellm_settings.num_retries'],
    ['litellm_settings: { request_timeout: 0 }', 'litellm_settings.request_timeout'],
    [
      'litellm_settings: { fallbacks: [{ a: b }] }',
      'litellm_settings.fallbacks[0].a in config.yaml must be a list',
    ],
    ['router_settings: { routing_strategy: fastest }', 'router_settings.routing_strategy'],
    ['router_settings: { allowed_fails: 1.5 }', 'router_settings.allowed_fails'],
    ['general_settings: { master_key: 1234 }', 'general_settings.master_key in config.yaml must be a string'],
    ['model_list: [', 'config.yaml is not valid YAML'],
    ['- just\n- a list', 'the document in config.yaml must be a mapping'],
  ])('should stop on %s with one line naming the field', (text, message) => {
    let error: Error | undefined;
    try {
      parseLiteLLMConfig(text, {});
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain('\n');
  });

  it('should read a file from disk and name it when it is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'litellm-config-'));
    const path = join(dir, 'config.yaml');
    writeFileSync(path, 'model_list:\n  - model_name: m\n    litellm_params: { model: openai/m }\n');
    expect(readLiteLLMConfigFile(path, {}).modelList).toHaveLength(1);
    expect(() => readLiteLLMConfigFile(join(dir, 'missing.yaml'), {})).toThrow(
      /missing\.yaml cannot be read/,
    );
  });
});
