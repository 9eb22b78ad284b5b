import { encryptSecret } from '../../../platform/common/secrets';
import { configServerId, McpServerRow, serverFromConfig, serverFromRow } from './mcp-server-builder';

const SALT = 'sk-salt-for-builder-spec';

function row(over: Partial<McpServerRow> = {}): McpServerRow {
  return {
    server_id: 'srv-1',
    server_name: 'GitHub Tools',
    alias: null,
    description: null,
    instructions: null,
    url: 'https://mcp.example.com/mcp',
    spec_path: null,
    transport: 'http',
    auth_type: 'oauth2',
    credentials: {},
    created_at: null,
    created_by: null,
    updated_at: null,
    updated_by: null,
    mcp_info: {},
    mcp_access_groups: [],
    allowed_tools: [],
    tool_name_to_display_name: {},
    tool_name_to_description: {},
    extra_headers: [],
    static_headers: {},
    status: 'unknown',
    last_health_check: null,
    health_check_error: null,
    command: null,
    args: [],
    env: {},
    authorization_url: null,
    token_url: null,
    registration_url: null,
    allow_all_keys: false,
    available_on_public_internet: true,
    delegate_auth_to_upstream: false,
    is_byok: false,
    byok_description: [],
    byok_api_key_help_url: null,
    source_url: null,
    approval_status: 'active',
    ...over,
  };
}

describe('MCP servers as the gateway sees them', () => {
  it('should name a row by alias, else server name, else id', () => {
    expect(serverFromRow(row({ alias: 'gh' }), SALT).name).toBe('gh');
    expect(serverFromRow(row(), SALT).name).toBe('GitHub Tools');
    expect(serverFromRow(row({ server_name: null }), SALT).name).toBe('srv-1');
  });

  it('should decrypt stored credentials and read JSON columns LiteLLM wrote as text', () => {
    const server = serverFromRow(
      row({
        credentials: { auth_value: encryptSecret('tok', SALT) },
        static_headers: JSON.stringify({ 'X-Team': 'a' }),
        mcp_info: JSON.stringify({ description: 'from info' }),
      }),
      SALT,
    );
    expect(server.credentials).toEqual({ authValue: 'tok' });
    expect(server.staticHeaders).toEqual({ 'X-Team': 'a' });
    expect(server.description).toBe('from info');
  });

  it.each([
    [
      'a stamped client_credentials flow',
      { mcp_info: { oauth2_flow: 'client_credentials' } },
      'client_credentials',
    ],
    [
      "LiteLLM's unstamped M2M shape",
      {
        credentials: { client_id: encryptSecret('c', SALT), client_secret: encryptSecret('s', SALT) },
        token_url: 'https://auth/token',
      },
      'client_credentials',
    ],
    [
      'client credentials with an authorization URL',
      {
        credentials: { client_id: 'c', client_secret: 's' },
        token_url: 'https://auth/token',
        authorization_url: 'https://auth/authorize',
      },
      'authorization_code',
    ],
    ['no stored client', {}, 'authorization_code'],
    ['a non-oauth2 server', { auth_type: 'api_key' }, null],
  ])('should give %s the effective flow %s', (_, over, flow) => {
    expect(serverFromRow(row(over as Partial<McpServerRow>), SALT).oauth2Flow).toBe(flow);
  });

  it('should take delegate_auth_to_upstream only when it is true', () => {
    expect(serverFromRow(row({ delegate_auth_to_upstream: true }), SALT).delegateAuthToUpstream).toBe(true);
    expect(serverFromRow(row(), SALT).delegateAuthToUpstream).toBe(false);
  });

  it("should give a config server LiteLLM's stable id and http transport by default", () => {
    const server = serverFromConfig({
      serverName: 'zapier',
      params: { url: 'https://z/mcp', auth_type: 'api_key', auth_value: 'zk', access_groups: ['ops'] },
    });
    expect(server.serverId).toBe(configServerId('zapier', 'https://z/mcp', 'http', 'api_key', null));
    expect(server.serverId).toMatch(/^[0-9a-f]{32}$/);
    expect(server).toMatchObject({
      name: 'zapier',
      transport: 'http',
      credentials: { authValue: 'zk' },
      mcpAccessGroups: ['ops'],
      availableOnPublicInternet: true,
      source: 'config',
      mcpInfo: { server_name: 'zapier' },
    });
  });
});
