import { isIP } from 'node:net';
import type { Request } from 'express';
import { badRequest } from '../../../platform/common/errors/api-error';

/**
 * The gateway's own base URL as the client reached it: the `Host` header and the connection's
 * protocol; `X-Forwarded-Proto`/`X-Forwarded-Host` only when the direct peer is a trusted proxy
 * (`trustForwarded`: the MCP gateway's rule for X-Forwarded-For, `use_x_forwarded_for` and
 * `mcp_trusted_proxy_ranges`), since the app itself does not set express's `trust proxy`.
 */
export function baseUrlOf(req: Request, trustForwarded = false): string {
  const proto = trustForwarded ? firstOf(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const forwardedHost = trustForwarded ? firstOf(req.headers['x-forwarded-host']) : undefined;
  const scheme = proto === 'https' || proto === 'http' ? proto : req.protocol;
  const host = forwardedHost && HOST.test(forwardedHost) ? forwardedHost : (req.get('host') ?? 'localhost');
  return `${scheme}://${host}`;
}

const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** The first entry of a (possibly repeated, comma-separated) forwarded header. */
function firstOf(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text?.split(',')[0].trim() || undefined;
}

/**
 * Where the gateway may send an authorization code (spec §2.7 E37): the gateway's own origin, a
 * loopback address (native and CLI clients listen on one), or an entry of the allow-list (exact,
 * or a prefix ending in `*`). Anything else is a 400, before any upstream is contacted: an open
 * redirect here would hand a user's code to whoever wrote the link.
 */
export function checkRedirectUri(
  value: string | undefined,
  baseUrl: string,
  allowList: readonly string[],
): string {
  if (!value) throw badRequest('redirect_uri is required', 'redirect_uri');
  if (allowList.some((entry) => matches(entry, value))) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest('redirect_uri is not a valid URL', 'redirect_uri');
  }
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  const trusted =
    web &&
    !url.hash &&
    !url.username &&
    !url.password &&
    (url.origin === new URL(baseUrl).origin || isLoopback(url.hostname));
  if (!trusted)
    throw badRequest(
      'redirect_uri must be on this proxy, on a loopback address, or in MCP_TRUSTED_NATIVE_REDIRECT_URIS',
      'redirect_uri',
    );
  return value;
}

function matches(entry: string, value: string): boolean {
  return entry.endsWith('*') ? value.startsWith(entry.slice(0, -1)) : entry === value;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
