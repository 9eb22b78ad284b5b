/** The aggregate SSE transport's own paths (`GET /mcp/sse`, `POST /mcp/sse/messages`). */
const SSE_PATHS = /^\/mcp\/sse(?:\/messages)?\/?(?:[?#].*)?$/;

/**
 * The one parser of MCP request paths (spec §2.2): the admission decision and the routing both
 * call it, so they can never disagree about which servers a request targets (the seed commit's
 * delegate-auth bypass came from two parsers that did).
 *
 * - `/{server}/mcp[/…]` (legacy) → `[server]`
 * - `/mcp/{a},{b}[/sub/path]` → `[a, b]` (a trailing sub-path is stripped)
 * - `/mcp/{name}[/…]` → the name with at most one embedded `/` (`/mcp/custom/user_1/tools` →
 *   `custom/user_1`, which only resolves if a server is named that way)
 * - `/mcp`, `/mcp/`, the SSE transport's `/mcp/sse` and `/mcp/sse/messages`, anything else → `[]`
 *   (no targets in the path; `sse` is never a server name there, spec §2.1)
 */
export function serversInPath(path: string): string[] {
  if (SSE_PATHS.test(path)) return [];
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length >= 2 && segments[1] === 'mcp' && segments[0] !== 'mcp') return [segments[0]];
  const captured = /^\/mcp\/([^?#]+)(?:\?.*)?(?:#.*)?$/.exec(path)?.[1];
  if (captured === undefined) return [];
  if (captured.includes(',')) {
    const list = captured.replace(/\/([^/,]+(?:\/[^/,]+)*)$/, '');
    return list
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
  }
  const single = /^([^/]+(?:\/[^/]+)?)(?:\/.*)?$/.exec(captured)?.[1];
  return single ? [single] : [];
}

/**
 * The servers a request targets (spec §2.4): the path's when it names any (`x-mcp-servers` is then
 * ignored, by admission and routing alike), else the `x-mcp-servers` list (empty string = none),
 * else `undefined` (aggregate request, every allowed server).
 */
export function targetServerNames(path: string, serversHeader: string | undefined): string[] | undefined {
  const fromPath = serversInPath(path);
  if (fromPath.length > 0) return fromPath;
  if (serversHeader === undefined) return undefined;
  return serversHeader
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** `/.well-known/…` is public metadata: a prefix test on the path alone, never a substring of the URL. */
export function isWellKnownPath(path: string): boolean {
  return path.startsWith('/.well-known/');
}
