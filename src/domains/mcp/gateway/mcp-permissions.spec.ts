import type { McpRegistry, McpServer } from '../registry/mcp-server';
import {
  allowedServerIds,
  type McpGrants,
  type McpPermissions,
  toolAllowed,
  UNRESTRICTED,
} from './mcp-permissions';
import { findByName } from './mcp-admission';
import { internalRanges, type McpVisibility, visibleFrom } from './mcp-visibility';

function server(id: string, extra: Partial<McpServer> = {}): McpServer {
  return {
    serverId: id,
    serverName: id,
    alias: id,
    name: id,
    mcpAccessGroups: [],
    allowedTools: [],
    allowAllKeys: false,
    availableOnPublicInternet: true,
    ...extra,
  } as McpServer;
}

function registryOf(...servers: McpServer[]): McpRegistry {
  const visibility: McpVisibility = { internal: internalRanges(undefined), publicServerIds: new Set() };
  return {
    all: () => servers,
    find: (n) => servers.find((s) => s.serverId === n || s.name === n),
    userCredential: () => Promise.resolve(undefined),
    visibleFrom: (s, ip) => visibleFrom(s, ip, visibility),
    publicServerIds: () => visibility.publicServerIds,
  };
}

function grants(g: Partial<McpGrants> = {}): McpGrants {
  return {
    servers: [],
    accessGroups: [],
    toolPermissions: null,
    blockedTools: [],
    accessGroupServerIds: [],
    ...g,
  };
}

const perms = (key: Partial<McpGrants>, team?: Partial<McpGrants>): McpPermissions => ({
  unrestricted: false,
  key: grants(key),
  team: team ? grants(team) : null,
});

const registry = registryOf(
  server('a'),
  server('b', { mcpAccessGroups: ['g1'] }),
  server('c'),
  server('open', { allowAllKeys: true }),
);

describe('allowedServerIds (spec §2.4)', () => {
  it('takes the key set when the team grants nothing, by id or name, plus allow_all_keys servers', () => {
    expect([...allowedServerIds(perms({ servers: ['a'] }, {}), registry)].sort()).toEqual(['a', 'open']);
  });

  it('takes the team set when the key grants nothing, and the intersection when both do', () => {
    expect([...allowedServerIds(perms({}, { servers: ['a', 'c'] }), registry)].sort()).toEqual([
      'a',
      'c',
      'open',
    ]);
    expect(
      [...allowedServerIds(perms({ servers: ['a', 'b'] }, { servers: ['a', 'c'] }), registry)].sort(),
    ).toEqual(['a', 'open']);
  });

  it('expands access groups, tool-permission servers and the all-proxy-mcpservers sentinel', () => {
    expect([...allowedServerIds(perms({ accessGroups: ['g1'] }), registry)].sort()).toEqual(['b', 'open']);
    expect([...allowedServerIds(perms({ toolPermissions: { c: ['x'] } }), registry)].sort()).toEqual([
      'c',
      'open',
    ]);
    expect(allowedServerIds(perms({}, { servers: ['all-proxy-mcpservers'] }), registry).size).toBe(4);
  });

  it("adds the key's unified access-group servers beyond the team's cap", () => {
    const p = perms({ servers: ['a'], accessGroupServerIds: ['c'] }, { servers: ['a'] });
    expect([...allowedServerIds(p, registry)].sort()).toEqual(['a', 'c', 'open']);
  });

  it('gives nothing but allow_all_keys servers to a key without grants; the master key everything', () => {
    expect([...allowedServerIds(perms({}), registry)]).toEqual(['open']);
    expect(allowedServerIds(UNRESTRICTED, registry).size).toBe(4);
  });
});

describe('toolAllowed', () => {
  const a = server('a');
  it('applies key ∩ team tool lists, [] allowing nothing, and no list allowing all', () => {
    expect(toolAllowed(perms({}), a, 'x')).toBe(true);
    expect(toolAllowed(perms({ toolPermissions: { a: ['x'] } }), a, 'x')).toBe(true);
    expect(toolAllowed(perms({ toolPermissions: { a: ['x'] } }), a, 'y')).toBe(false);
    expect(toolAllowed(perms({ toolPermissions: { a: [] } }), a, 'x')).toBe(false);
    expect(
      toolAllowed(perms({ toolPermissions: { a: ['x', 'y'] } }, { toolPermissions: { a: ['y'] } }), a, 'x'),
    ).toBe(false);
  });

  it("refuses blocked tools and tools outside the server's allowed_tools, even for the master key", () => {
    expect(toolAllowed(perms({ blockedTools: ['x'] }), a, 'x')).toBe(false);
    expect(toolAllowed(perms({}, { blockedTools: ['x'] }), a, 'x')).toBe(false);
    expect(toolAllowed(UNRESTRICTED, server('a', { allowedTools: ['y'] }), 'x')).toBe(false);
  });
});

describe('findByName (IP visibility)', () => {
  const internal = registryOf(server('hidden', { availableOnPublicInternet: false }));
  it('hides an internal-only server from a public address, shows it to private ones and internal calls', () => {
    expect(findByName(internal, 'hidden', '8.8.8.8')).toBeUndefined();
    expect(findByName(internal, 'hidden', '10.1.2.3')?.serverId).toBe('hidden');
    expect(findByName(internal, 'hidden', '::1')?.serverId).toBe('hidden');
    expect(findByName(internal, 'hidden', null)?.serverId).toBe('hidden');
  });
});
