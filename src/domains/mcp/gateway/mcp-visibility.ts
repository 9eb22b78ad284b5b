import { BlockList, isIP } from 'node:net';
import type { McpServer } from '../registry/mcp-server';

/** LiteLLM's default `mcp_internal_ip_ranges`: the private and loopback ranges. */
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['127.0.0.0', 8],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4');
}
INTERNAL.addSubnet('fc00::', 7, 'ipv6');
INTERNAL.addAddress('::1', 'ipv6');

/** The caller's address without the IPv4-mapped prefix Node reports on dual-stack sockets. */
export function normaliseIp(ip: string | undefined): string | null {
  if (!ip) return null;
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

export function isInternalIp(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return INTERNAL.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Spec §2.4 (`_is_server_accessible_from_ip`): no client IP (an internal call) or a public server
 * → visible; an internal-only server only to callers inside the internal ranges. An invisible
 * server does not exist for every lookup of the request.
 */
export function visibleFrom(server: McpServer, ip: string | null): boolean {
  if (ip === null || server.availableOnPublicInternet) return true;
  return isInternalIp(ip);
}
