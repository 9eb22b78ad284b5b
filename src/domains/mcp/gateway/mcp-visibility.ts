import { BlockList, isIP } from 'node:net';
import type { GatewayConfig } from '../../../platform/config/gateway-config';
import type { McpServer } from '../registry/mcp-server';

/** LiteLLM's default `mcp_internal_ip_ranges`: the private and loopback ranges. */
const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '::1/128',
  'fc00::/7',
];

/**
 * CIDR ranges as a BlockList; an entry that is not a CIDR (or a bare address) is skipped, as
 * LiteLLM skips it (with a warning there; config start-up lists the file's entries).
 */
export function ipRanges(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.trim().split('/');
    const family = isIP(net);
    if (family === 0) continue;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) continue;
    list.addSubnet(net, prefix, type);
  }
  return list;
}

/** `general_settings.mcp_internal_ip_ranges`, or LiteLLM's private ranges when unset (or all invalid). */
export function internalRanges(configured: readonly string[] | undefined): BlockList {
  const valid = (configured ?? []).filter((c) => isIP(c.trim().split('/')[0]) !== 0);
  return ipRanges(valid.length > 0 ? valid : PRIVATE_RANGES);
}

/** The caller's address without the IPv4-mapped prefix Node reports on dual-stack sockets. */
export function normaliseIp(ip: string | undefined): string | null {
  if (!ip) return null;
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

export function inRanges(ip: string, ranges: BlockList): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return ranges.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** What decides whose address a request is (spec §2.4, LiteLLM's `get_mcp_client_ip`). */
export interface McpClientIpPolicy {
  useXForwardedFor: boolean;
  trustedProxies: BlockList;
  anyTrustedProxy: boolean;
  numTrustedHops?: number;
}

export function clientIpPolicy(gateway: Pick<GatewayConfig, 'mcpClientIp'>): McpClientIpPolicy {
  const { useXForwardedFor, trustedProxyRanges, numTrustedHops } = gateway.mcpClientIp;
  return {
    useXForwardedFor,
    trustedProxies: ipRanges(trustedProxyRanges),
    anyTrustedProxy: trustedProxyRanges.length > 0,
    numTrustedHops: numTrustedHops !== undefined && numTrustedHops >= 1 ? numTrustedHops : undefined,
  };
}

/**
 * The client's address for MCP visibility. X-Forwarded-For is read only when
 * `use_x_forwarded_for` is on and the direct peer is one of `mcp_trusted_proxy_ranges`; then the
 * entry `mcp_xff_num_trusted_hops` from the right (a client can prepend, not append), else the
 * leftmost. On but no trusted range configured, or a chain too short: `''`, an address inside no
 * range (fail closed: only public servers), as LiteLLM. A forwarded header from an untrusted peer
 * is ignored (the peer's own address).
 */
export function mcpClientIp(
  directIp: string | undefined,
  forwardedFor: string | string[] | undefined,
  policy: McpClientIpPolicy,
): string | null {
  const direct = normaliseIp(directIp);
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  if (!policy.useXForwardedFor || header === undefined) return direct;
  if (!policy.anyTrustedProxy) return '';
  if (!direct || !inRanges(direct, policy.trustedProxies)) return direct;
  const entries = header
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const hops = policy.numTrustedHops;
  const picked = hops === undefined ? entries[0] : entries[entries.length - hops];
  return picked !== undefined && isIP(picked) !== 0 ? normaliseIp(picked) : '';
}

/** Who sees what (spec §2.4): the internal ranges and `public_mcp_servers` (config ∪ stored). */
export interface McpVisibility {
  internal: BlockList;
  publicServerIds: ReadonlySet<string>;
}

/**
 * Spec §2.4 (`_is_server_accessible_from_ip`): no client IP (an internal call), a public server, or
 * one listed in `public_mcp_servers` → visible; an internal-only server only to callers inside the
 * internal ranges. An invisible server does not exist for every lookup of the request. Callers
 * with a registry use `registry.visibleFrom(server, ip)`, which passes the configured ranges and
 * the public list.
 */
export function visibleFrom(server: McpServer, ip: string | null, visibility: McpVisibility): boolean {
  if (ip === null || server.availableOnPublicInternet) return true;
  if (visibility.publicServerIds.has(server.serverId)) return true;
  return inRanges(ip, visibility.internal);
}
