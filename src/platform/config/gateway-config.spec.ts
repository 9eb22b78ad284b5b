import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

const CONFIG = `
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_KEY_FOR_TEST
      timeout: 30
  - model_name: claude
    litellm_params:
      model: anthropic/claude-sonnet-4
      api_key: os.environ/UNSET_KEY_FOR_TEST
litellm_settings:
  num_retries: 4
  request_timeout: 12.5
  drop_params: true
  fallbacks: [{ gpt-4o: [claude] }]
router_settings:
  routing_strategy: least-busy
  allowed_fails: 1
  cooldown_time: 0.25
general_settings:
  master_key: sk-from-file
  database_url: postgresql://file@db:5432/litellm
`;

describe('loadConfig with a LiteLLM config.yaml', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'gateway-config-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("should apply LiteLLM's router defaults when no file is named", () => {
    const { gateway } = loadConfig({ SOME_VARIABLE: 'value' });
    expect(gateway.environment('SOME_VARIABLE')).toBe('value');
    expect(gateway).toEqual({
      environment: expect.any(Function),
      models: [],
      numRetries: 2,
      requestTimeoutMs: 6_000_000,
      fallbacks: new Map(),
      dropParams: false,
      routingStrategy: 'simple-shuffle',
      allowedFails: 3,
      cooldownTimeMs: 5_000,
      mcpServers: [],
      mcpStdioAllowedCommands: ['npx', 'uvx', 'python', 'python3', 'node', 'docker', 'deno'],
      publicMcpServers: [],
      enableMcpRegistry: false,
      mcpViewAll: false,
      mcpTrustedRedirectUris: [],
      mcpClientSideAuthHeader: 'x-mcp-auth',
      mcpClientIp: { useXForwardedFor: false, trustedProxyRanges: [] },
      mcpRequiredFields: [],
      unsetVariables: [],
    });
  });

  it('should name the client-side MCP auth header: LITELLM_MCP_CLIENT_SIDE_AUTH_HEADER_NAME, else general_settings, else x-mcp-auth', () => {
    const path = file(
      'auth-header.yaml',
      'general_settings:\n  mcp_client_side_auth_header_name: X-From-File\n',
    );
    const header = (env: Record<string, string>) =>
      loadConfig(env, ['--config', path]).gateway.mcpClientSideAuthHeader;
    expect(header({})).toBe('x-from-file');
    expect(header({ LITELLM_MCP_CLIENT_SIDE_AUTH_HEADER_NAME: 'X-From-Env' })).toBe('x-from-env');
    expect(header({ LITELLM_MCP_CLIENT_SIDE_AUTH_HEADER_NAME: '' })).toBe('x-from-file');
    expect(
      loadConfig({ LITELLM_MCP_CLIENT_SIDE_AUTH_HEADER_NAME: 'X-Env' }).gateway.mcpClientSideAuthHeader,
    ).toBe('x-env');
  });

  it("should read mcp_servers and LiteLLM's MCP settings, and extend the stdio commands from LITELLM_MCP_STDIO_EXTRA_COMMANDS", () => {
    const path = file(
      'mcp.yaml',
      `
mcp_servers:
  github:
    url: https://mcp.example.com/mcp
    transport: http
    auth_type: bearer_token
    auth_value: os.environ/GITHUB_TOKEN_FOR_TEST
  local_files:
    transport: stdio
    command: npx
    args: ["-y", "server-filesystem"]
litellm_settings:
  public_mcp_servers: [abc]
general_settings:
  mcp_internal_ip_ranges: ["10.0.0.0/8"]
  enable_mcp_registry: true
  user_mcp_management_mode: view_all
  use_x_forwarded_for: true
  mcp_trusted_proxy_ranges: ["10.1.0.0/16"]
  mcp_xff_num_trusted_hops: 2
  mcp_required_fields: [description, url]
`,
    );
    const { gateway } = loadConfig(
      {
        GITHUB_TOKEN_FOR_TEST: 'ghp-secret',
        LITELLM_MCP_STDIO_EXTRA_COMMANDS: 'bun, ,uvx',
        MCP_TRUSTED_NATIVE_REDIRECT_URIS:
          'cursor://anysphere.cursor-mcp/oauth/callback, https://app.example/cb*,',
      },
      ['--config', path],
    );
    expect(gateway.mcpServers).toEqual([
      {
        serverName: 'github',
        params: {
          url: 'https://mcp.example.com/mcp',
          transport: 'http',
          auth_type: 'bearer_token',
          auth_value: 'ghp-secret',
        },
      },
      {
        serverName: 'local_files',
        params: { transport: 'stdio', command: 'npx', args: ['-y', 'server-filesystem'] },
      },
    ]);
    expect(gateway.mcpStdioAllowedCommands).toEqual([
      'npx',
      'uvx',
      'python',
      'python3',
      'node',
      'docker',
      'deno',
      'bun',
    ]);
    expect(gateway).toMatchObject({
      publicMcpServers: ['abc'],
      mcpInternalIpRanges: ['10.0.0.0/8'],
      enableMcpRegistry: true,
      mcpViewAll: true,
      mcpClientIp: { useXForwardedFor: true, trustedProxyRanges: ['10.1.0.0/16'], numTrustedHops: 2 },
      mcpRequiredFields: ['description', 'url'],
      mcpTrustedRedirectUris: ['cursor://anysphere.cursor-mcp/oauth/callback', 'https://app.example/cb*'],
    });
  });

  it.each([
    ['mcp_servers: [a, b]', 'mcp_servers in'],
    ['mcp_servers:\n  s:\n    transport: websocket', 'mcp_servers.s.transport in'],
    ['mcp_servers:\n  s:\n    args: npx', 'mcp_servers.s.args in'],
    ['mcp_servers:\n  s:\n    allow_all_keys: "yes"', 'mcp_servers.s.allow_all_keys in'],
  ])('should refuse %j naming the field', (text, field) => {
    const path = file('bad-mcp.yaml', text);
    expect(() => loadConfig({}, ['--config', path])).toThrow(field);
  });

  it.each([
    ['--config <path>', (p: string) => ({ env: {}, argv: ['--config', p] })],
    ['--config=<path>', (p: string) => ({ env: {}, argv: [`--config=${p}`] })],
    ['-c <path>', (p: string) => ({ env: {}, argv: ['-c', p] })],
    ['CONFIG_FILE_PATH', (p: string) => ({ env: { CONFIG_FILE_PATH: p }, argv: [] })],
  ])('should read the models and router settings of the file named by %s', (_, how) => {
    const { env, argv } = how(file('config.yaml', CONFIG));
    const { gateway } = loadConfig({ ...env, OPENAI_KEY_FOR_TEST: 'sk-openai' }, argv);
    expect(gateway.configPath).toBe(join(dir, 'config.yaml'));
    expect(gateway.models.map((m) => [m.modelName, m.litellmParams.model, m.litellmParams.api_key])).toEqual([
      ['gpt-4o', 'openai/gpt-4o', 'sk-openai'],
      ['claude', 'anthropic/claude-sonnet-4', undefined],
    ]);
    expect(gateway).toMatchObject({
      numRetries: 4,
      requestTimeoutMs: 12_500,
      dropParams: true,
      routingStrategy: 'least-busy',
      allowedFails: 1,
      cooldownTimeMs: 250,
      unsetVariables: ['UNSET_KEY_FOR_TEST'],
    });
    expect(gateway.fallbacks.get('gpt-4o')).toEqual(['claude']);
  });

  it("should take general_settings' master key and database URL only when the environment has none", () => {
    const path = file('general.yaml', CONFIG);
    expect(loadConfig({ CONFIG_FILE_PATH: path })).toMatchObject({
      masterKey: 'sk-from-file',
      databaseUrl: 'postgresql://file@db:5432/litellm',
    });
    expect(
      loadConfig({
        CONFIG_FILE_PATH: path,
        LITELLM_MASTER_KEY: 'sk-env',
        DATABASE_URL: 'postgresql://env/db',
      }),
    ).toMatchObject({ masterKey: 'sk-env', databaseUrl: 'postgresql://env/db' });
  });

  it('should let --config win over CONFIG_FILE_PATH', () => {
    const a = file('a.yaml', 'model_list: [{model_name: a, litellm_params: {model: openai/a}}]');
    const b = file('b.yaml', 'model_list: [{model_name: b, litellm_params: {model: openai/b}}]');
    expect(loadConfig({ CONFIG_FILE_PATH: a }, ['--config', b]).gateway.models[0].modelName).toBe('b');
  });

  it.each([
    ['a missing file', () => ['--config', join(dir, 'nope.yaml')], /config file .*nope\.yaml cannot be read/],
    ['--config without a path', () => ['--config'], /--config needs a path/],
    [
      'a wrongly typed entry',
      () => ['--config', file('bad.yaml', 'model_list: [{model_name: x, litellm_params: {model: 7}}]')],
      /model_list\[0\]\.litellm_params\.model .* must be a string/,
    ],
    [
      "a file master key without 'sk-'",
      () => ['--config', file('key.yaml', 'general_settings: {master_key: plain}')],
      /general_settings\.master_key in .*key\.yaml must start with 'sk-'/,
    ],
  ])('should stop start-up with one ConfigError line for %s', (_, argv, message) => {
    const args = argv();
    expect(() => loadConfig({}, args)).toThrow(ConfigError);
    expect(() => loadConfig({}, args)).toThrow(message);
    try {
      loadConfig({}, args);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });
});
