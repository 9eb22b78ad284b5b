import type { AuthContext } from '../../../platform/auth/auth-context';
import { normaliseAlias, validateServerFields } from './mcp-server-rules';
import { configView, sanitiseView } from './mcp-server-views';
import { serverFromConfig } from './mcp-server-builder';

const COMMANDS = ['npx', 'uvx'];
const status = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as { status: number }).status;
  }
};

describe('MCP server rules', () => {
  it.each([
    [{ server_name: 'tools', url: 'https://x' }, 'ok'],
    [{ server_name: 'my tools', url: 'https://x' }, 'ok'],
    [{ server_name: 'my-tools', url: 'https://x' }, 400],
    [{ alias: 'a-b', url: 'https://x' }, 400],
    [{ alias: 'a,b', url: 'https://x' }, 400],
    [{ server_id: 'all-proxy-mcpservers', url: 'https://x' }, 400],
    [{ server_name: 'x' }, 422],
    [{ server_name: 'x', spec_path: '/spec.json' }, 'ok'],
    [{ transport: 'stdio', command: 'npx', args: ['-y', 'pkg'] }, 400],
    [{ transport: 'stdio', command: '/opt/bin/uvx', args: ['pkg'] }, 400],
    [{ transport: 'stdio', command: 'bash', args: ['-c', 'id'] }, 400],
    [{ transport: 'stdio', command: 'npx' }, 400],
  ] as const)('%j → %s', (body, expected) => {
    expect(status(() => validateServerFields(body as never, COMMANDS))).toBe(expected);
  });

  it('should refuse an update of a stored stdio row (stdio servers come from the config file only)', () => {
    const stored = { transport: 'stdio', url: null, spec_path: null };
    expect(status(() => validateServerFields({ description: 'd' }, COMMANDS, stored))).toBe(400);
  });

  it("should take the stored row's transport and url on an update", () => {
    const stored = { transport: 'http', url: 'https://stored', spec_path: null };
    expect(status(() => validateServerFields({}, COMMANDS, stored))).toBe('ok');
  });

  it('should serve a server under its alias, else its name, spaces as "_"', () => {
    expect(normaliseAlias(null, 'My Tools')).toBe('My_Tools');
    expect(normaliseAlias('gh', 'My Tools')).toBe('gh');
    expect(normaliseAlias(undefined, undefined)).toBeNull();
  });
});

describe('MCP server views per caller (spec §1.2)', () => {
  const view = configView(
    serverFromConfig({
      serverName: 'cfg',
      params: {
        url: 'https://cfg',
        static_headers: { 'X-A': '1' },
        extra_headers: ['x-b'],
        allowed_tools: ['t'],
        access_groups: ['g'],
        mcp_info: { is_public: true, owner: 'o' },
      },
    }),
  );
  const caller = (role: AuthContext['role'], allowedRoutes: string[] = []): AuthContext => ({
    apiKey: 'hash',
    isMasterKey: false,
    userId: 'u',
    role,
    teamId: null,
    organizationId: null,
    key: { allowedRoutes } as AuthContext['key'],
    team: null,
  });

  it('should show admins everything but credentials', () => {
    expect(sanitiseView(view, caller('proxy_admin_viewer'))).toMatchObject({
      url: 'https://cfg',
      static_headers: { 'X-A': '1' },
      credentials: null,
    });
  });

  it('should hide where and how the upstream is reached from others', () => {
    expect(sanitiseView(view, caller('internal_user'))).toMatchObject({
      url: null,
      static_headers: null,
      extra_headers: [],
      allowed_tools: ['t'],
      mcp_access_groups: ['g'],
      mcp_info: { is_public: true, owner: 'o' },
    });
  });

  it('should leave a restricted key little more than the name, even an admin', () => {
    expect(sanitiseView(view, caller('proxy_admin', ['/v1/mcp/server']))).toMatchObject({
      server_name: 'cfg',
      url: null,
      allowed_tools: [],
      mcp_access_groups: [],
      mcp_info: { is_public: true },
    });
  });
});
