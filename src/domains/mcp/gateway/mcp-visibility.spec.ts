import type { McpServer } from '../registry/mcp-server';
import { clientIpPolicy, internalRanges, mcpClientIp, visibleFrom } from './mcp-visibility';

const hidden = { serverId: 'hidden', availableOnPublicInternet: false } as McpServer;

describe('visibleFrom (spec §2.4)', () => {
  it('uses mcp_internal_ip_ranges when set instead of the private ranges', () => {
    const custom = { internal: internalRanges(['203.0.113.0/24']), publicServerIds: new Set<string>() };
    expect(visibleFrom(hidden, '203.0.113.7', custom)).toBe(true);
    expect(visibleFrom(hidden, '10.0.0.1', custom)).toBe(false);
    const defaults = { internal: internalRanges(undefined), publicServerIds: new Set<string>() };
    expect(visibleFrom(hidden, '10.0.0.1', defaults)).toBe(true);
    expect(visibleFrom(hidden, 'fd00::1', defaults)).toBe(true);
    expect(visibleFrom(hidden, '8.8.8.8', defaults)).toBe(false);
    expect(visibleFrom(hidden, '', defaults)).toBe(false);
    expect(visibleFrom(hidden, null, defaults)).toBe(true);
  });

  it('shows a server named in public_mcp_servers to every address', () => {
    const open = { internal: internalRanges(undefined), publicServerIds: new Set(['hidden']) };
    expect(visibleFrom(hidden, '8.8.8.8', open)).toBe(true);
  });

  it('falls back to the private ranges when every configured range is invalid', () => {
    const bad = { internal: internalRanges(['not-a-cidr']), publicServerIds: new Set<string>() };
    expect(visibleFrom(hidden, '192.168.1.1', bad)).toBe(true);
  });
});

describe('mcpClientIp (X-Forwarded-For)', () => {
  const policy = (useXForwardedFor: boolean, trustedProxyRanges: string[], numTrustedHops?: number) =>
    clientIpPolicy({ mcpClientIp: { useXForwardedFor, trustedProxyRanges, numTrustedHops } });

  it('ignores the header unless use_x_forwarded_for is on', () => {
    expect(mcpClientIp('::ffff:127.0.0.1', '8.8.8.8', policy(false, ['127.0.0.1/32']))).toBe('127.0.0.1');
  });

  it('reads the leftmost entry from a trusted proxy, the Nth from the right with mcp_xff_num_trusted_hops', () => {
    expect(mcpClientIp('127.0.0.1', '8.8.8.8, 10.0.0.2', policy(true, ['127.0.0.0/8']))).toBe('8.8.8.8');
    expect(mcpClientIp('127.0.0.1', '10.0.0.9, 8.8.8.8', policy(true, ['127.0.0.0/8'], 1))).toBe('8.8.8.8');
    expect(mcpClientIp('127.0.0.1', '8.8.8.8', policy(true, ['127.0.0.0/8'], 2))).toBe('');
  });

  it('keeps the peer address when the peer is not a trusted proxy, and fails closed without trusted ranges', () => {
    expect(mcpClientIp('10.1.1.1', '8.8.8.8', policy(true, ['127.0.0.0/8']))).toBe('10.1.1.1');
    expect(mcpClientIp('127.0.0.1', '10.0.0.1', policy(true, []))).toBe('');
    expect(mcpClientIp('127.0.0.1', undefined, policy(true, []))).toBe('127.0.0.1');
    expect(mcpClientIp('127.0.0.1', 'garbage', policy(true, ['127.0.0.0/8']))).toBe('');
  });
});
