import type { McpServer } from '../registry/mcp-server';
import type { McpCaller } from './mcp-admission';
import { upstreamHeaders } from './mcp-upstream-headers';

function server(authType: string | null, authValue?: string): McpServer {
  return {
    serverId: 'id1',
    name: 'gh',
    authType,
    credentials: authValue ? { authValue } : {},
    staticHeaders: {},
    extraHeaders: [],
  } as unknown as McpServer;
}

const key = { kind: 'key', auth: {} } as McpCaller;

describe('upstreamHeaders: the deprecated client-side auth header (x-mcp-auth)', () => {
  it.each([
    ['bearer_token', { Authorization: 'Bearer client-tok' }],
    ['api_key', { 'X-API-Key': 'client-tok' }],
    ['authorization', { Authorization: 'client-tok' }],
    ['token', { Authorization: 'token client-tok' }],
    [null, {}],
  ])('replaces the stored auth value of a %s server, sent as its auth_type says', (authType, expected) => {
    const headers = upstreamHeaders(server(authType, 'stored'), key, { 'x-mcp-auth': 'client-tok' });
    expect(headers).toEqual(expected);
  });

  it('leaves the stored value when the client sends none', () => {
    expect(upstreamHeaders(server('bearer_token', 'stored'), key, {})).toEqual({
      Authorization: 'Bearer stored',
    });
  });

  it("gives way to the client's x-mcp-{alias}-… headers for this server, and to the caller's own credential", () => {
    const client = { 'x-mcp-auth': 'client-tok', 'x-mcp-gh-x-trace': 't1' };
    expect(upstreamHeaders(server('bearer_token', 'stored'), key, client)).toEqual({
      Authorization: 'Bearer stored',
      'x-trace': 't1',
    });
    const byok = upstreamHeaders(server('api_key', 'stored'), key, { 'x-mcp-auth': 'client-tok' }, 'own');
    expect(byok).toEqual({ 'X-API-Key': 'own' });
  });

  it('reads the configured header name instead', () => {
    const client = { 'x-mcp-auth': 'ignored', 'x-upstream-auth': 'custom' };
    expect(upstreamHeaders(server('api_key', 'stored'), key, client, undefined, 'x-upstream-auth')).toEqual({
      'X-API-Key': 'custom',
    });
  });

  it('never sends a LiteLLM key upstream when the name is configured as authorization', () => {
    const viaAuthorization = { authorization: 'Bearer sk-litellm-key' };
    expect(
      upstreamHeaders(server('api_key', 'stored'), key, viaAuthorization, undefined, 'authorization'),
    ).toEqual({
      'X-API-Key': 'stored',
    });
    const withKeyHeader = { authorization: 'upstream-tok', 'x-litellm-api-key': 'sk-litellm-key' };
    expect(
      upstreamHeaders(server('api_key', 'stored'), key, withKeyHeader, undefined, 'authorization'),
    ).toEqual({
      'X-API-Key': 'upstream-tok',
    });
  });
});
