import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import { Logger } from '@nestjs/common';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpTokenRefreshService } from '../src/domains/mcp/oauth/mcp-token-refresh.service';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { McpUserCredentialsService } from '../src/domains/mcp/registry/mcp-user-credentials.service';
import type { AppConfig } from '../src/platform/config/app-config';
import { APP_CONFIG } from '../src/platform/config/config.module';
import { decryptSecret, encryptSecret, secretsKey } from '../src/platform/common/secrets';
import { uniq } from './app.factory';
import { createMcpServer, createUserWithKey } from './factories';
import { startMcpUpstream, type FakeMcpUpstream } from './fakes/mcp-upstream';
import { startOAuthStub, type OAuthStub } from './fakes/oauth-server';
import { useE2e } from './harness';
import { TEST_REDIS_URL, useTwoApps } from './two-apps';

const suffix = uniq('').replace(/-/g, '_');
const GH = `gh${suffix}`;
const CLIENT_REDIRECT = 'http://localhost:7777/cb';
const TRUSTED_NATIVE = 'cursor://anysphere.cursor-mcp/oauth/callback';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * The MCP gateway's OAuth (spec §2.7, issue 13): a full authorization-code flow with PKCE through
 * the gateway against a stub authorization server, the token stored per user (encrypted) and used
 * by the next tools/call of the official SDK client, refreshed when it is about to expire; the
 * discovery documents; redirect_uri validation; no-cache token answers.
 */
describe('MCP OAuth through the gateway (authorization code + PKCE, stored and refreshed per user)', () => {
  // X-Forwarded-For from the test's own address is believed: requests can come "from" a public IP.
  const dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      'general_settings:',
      '  use_x_forwarded_for: true',
      '  mcp_trusted_proxy_ranges: ["127.0.0.0/8", "::1/128"]',
    ].join('\n'),
  );
  const h = useE2e({
    freshDatabase: 'mcp_oauth',
    env: { MCP_TRUSTED_NATIVE_REDIRECT_URIS: TRUSTED_NATIVE, CONFIG_FILE_PATH: configPath },
  });
  const PUBLIC_IP = { 'x-forwarded-for': '8.8.8.8' };
  let stub: OAuthStub;
  let upstream: FakeMcpUpstream;
  let base: string;
  let serverId: string;
  let user: { userId: string; key: string };
  let saltKey: string;

  beforeAll(async () => {
    stub = await startOAuthStub({ clientId: 'gw-client', clientSecret: 'gw-secret' });
    upstream = await startMcpUpstream({
      tools: [{ name: 'whoami', answer: () => 'octocat' }],
      requireBearer: () => stub.currentAccessToken(),
    });
    const server = h.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Through E12, so the client credentials are stored encrypted as in production.
    const created = await h
      .post('/v1/mcp/server', {
        alias: GH,
        transport: 'http',
        url: upstream.url,
        auth_type: 'oauth2',
        authorization_url: `${stub.url}/authorize`,
        token_url: `${stub.url}/token`,
        credentials: { client_id: 'gw-client', client_secret: 'gw-secret', scopes: ['read'] },
      })
      .expect(201);
    serverId = created.body.server_id;
    await createMcpServer(h.prisma, {
      alias: `apik${suffix}`,
      transport: 'http',
      url: upstream.url,
      auth_type: 'api_key',
    });
    await createMcpServer(h.prisma, {
      alias: `inner${suffix}`,
      transport: 'http',
      url: upstream.url,
      auth_type: 'oauth2',
      authorization_url: `${stub.url}/authorize`,
      available_on_public_internet: false,
    });
    await h.app.get(McpRegistryService).reload();
    const u = await createUserWithKey(h.prisma);
    const permission = await h.prisma.liteLLM_ObjectPermissionTable.create({
      data: { mcp_servers: [serverId] },
    });
    await h.prisma.liteLLM_VerificationToken.update({
      where: { token: u.token },
      data: { object_permission_id: permission.object_permission_id },
    });
    user = { userId: u.userId, key: u.key };
    saltKey = secretsKey(h.app.get<AppConfig>(APP_CONFIG));
  });
  // What the app's services log (the harness turns output off; the calls are still made).
  const logged: string[] = [];
  beforeAll(() => {
    for (const level of ['log', 'warn', 'error', 'debug', 'verbose'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push(JSON.stringify(args));
      });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await Promise.all([stub?.close(), upstream?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function get(url: string, headers: Record<string, string> = {}) {
    return fetch(url, { redirect: 'manual', headers });
  }

  async function token(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  async function storedPayload() {
    const row = await h.prisma.liteLLM_MCPUserCredentials.findUniqueOrThrow({
      where: { user_id_server_id: { user_id: user.userId, server_id: serverId } },
    });
    return { row, payload: JSON.parse(decryptSecret(row.credential_b64, saltKey)) };
  }

  async function callWhoami() {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp/${GH}`), {
        requestInit: { headers: { 'x-litellm-api-key': user.key } },
      }),
    );
    const result = await client.callTool({ name: `${GH}-whoami`, arguments: {} });
    await client.close();
    return result;
  }

  it('runs the authorization-code flow with PKCE through the gateway and stores the token for the user, encrypted', async () => {
    const { verifier, challenge } = pkce();
    // 1. The client's /authorize: redirected upstream with the gateway's callback and its own state.
    const authorize = await get(
      `${base}/${GH}/authorize?${new URLSearchParams({
        redirect_uri: CLIENT_REDIRECT,
        client_id: 'any-client',
        state: 'client-state',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        response_type: 'code',
      })}`,
    );
    expect(authorize.status).toBe(302);
    const upstreamAuthorize = new URL(authorize.headers.get('location')!);
    expect(`${upstreamAuthorize.origin}${upstreamAuthorize.pathname}`).toBe(`${stub.url}/authorize`);
    expect(Object.fromEntries(upstreamAuthorize.searchParams)).toMatchObject({
      client_id: 'gw-client', // the server's stored client_id wins
      redirect_uri: `${base}/callback`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      response_type: 'code',
      scope: 'read',
    });
    const gatewayState = upstreamAuthorize.searchParams.get('state')!;
    expect(gatewayState).not.toContain('client-state');
    expect(gatewayState).not.toContain(CLIENT_REDIRECT);
    // 2. The stub "consents" and returns to the gateway's /callback, which returns to the client.
    const consent = await get(upstreamAuthorize.toString());
    const callback = await get(consent.headers.get('location')!);
    expect(callback.status).toBe(302);
    const back = new URL(callback.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(CLIENT_REDIRECT);
    expect(back.searchParams.get('state')).toBe('client-state');
    const code = back.searchParams.get('code')!;
    // 3. The token exchange with the user's key: the token comes back uncached and is stored.
    const res = await token(
      `/${GH}/token`,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CLIENT_REDIRECT,
        client_id: 'any-client',
        code_verifier: verifier,
      },
      { 'x-litellm-api-key': user.key },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(await res.json()).toMatchObject({
      access_token: 'access-1',
      refresh_token: 'refresh-1',
      token_type: 'Bearer',
    });
    const exchange = stub.calls('/token').at(-1)!;
    expect(exchange.form).toMatchObject({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: `${base}/callback`,
      client_id: 'gw-client',
      client_secret: 'gw-secret',
    });
    const { row, payload } = await storedPayload();
    expect(row.credential_b64.startsWith('v3:gcm:')).toBe(true);
    expect(row.credential_b64).not.toContain('access-1');
    expect(payload).toMatchObject({
      type: 'oauth2',
      access_token: 'access-1',
      refresh_token: 'refresh-1',
      scopes: ['read'],
    });
    expect(Date.parse(payload.expires_at)).toBeGreaterThan(Date.now() + 3500_000);
  });

  it("uses the stored token on the user's next tools/call through the official SDK client", async () => {
    const result = await callWhoami();
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: 'text', text: 'octocat' }]);
    const call = upstream.requests.find((r) => r.rpc === 'tools/call');
    expect(call?.headers.authorization).toBe('Bearer access-1');
  });

  it('refreshes a stored token that has expired before the call, stores the new one and uses it', async () => {
    const { payload } = await storedPayload();
    const expired = { ...payload, expires_at: new Date(Date.now() - 1000).toISOString() };
    await h.prisma.liteLLM_MCPUserCredentials.update({
      where: { user_id_server_id: { user_id: user.userId, server_id: serverId } },
      data: { credential_b64: encryptSecret(JSON.stringify(expired), saltKey) },
    });
    const refreshesBefore = stub.calls('/token').filter((r) => r.form.grant_type === 'refresh_token').length;
    const result = await callWhoami();
    expect(result.content).toEqual([{ type: 'text', text: 'octocat' }]);
    const refreshes = stub.calls('/token').filter((r) => r.form.grant_type === 'refresh_token');
    expect(refreshes).toHaveLength(refreshesBefore + 1);
    expect(refreshes.at(-1)!.form).toMatchObject({
      refresh_token: 'refresh-1',
      client_id: 'gw-client',
      client_secret: 'gw-secret',
    });
    expect(upstream.requests.filter((r) => r.rpc === 'tools/call').at(-1)?.headers.authorization).toBe(
      'Bearer access-2',
    );
    const after = await storedPayload();
    expect(after.payload).toMatchObject({ access_token: 'access-2', refresh_token: 'refresh-2' });
    expect(Date.parse(after.payload.expires_at)).toBeGreaterThan(Date.now());
    // Fresh again: the next call refreshes nothing.
    await callWhoami();
    expect(stub.calls('/token').filter((r) => r.form.grant_type === 'refresh_token')).toHaveLength(
      refreshesBefore + 1,
    );
  });

  it('keeps using the stored token when a refresh is refused, and logs the failure without the token', async () => {
    const { payload } = await storedPayload();
    const stale = {
      ...payload,
      refresh_token: 'refresh-unknown',
      expires_at: new Date(Date.now() + 30_000).toISOString(),
    };
    await h.prisma.liteLLM_MCPUserCredentials.update({
      where: { user_id_server_id: { user_id: user.userId, server_id: serverId } },
      data: { credential_b64: encryptSecret(JSON.stringify(stale), saltKey) },
    });
    const from = logged.length;
    // Within 60 s of expiry: a refresh is tried, refused (invalid_grant), and the current token used.
    const result = await callWhoami();
    expect(result.content).toEqual([{ type: 'text', text: 'octocat' }]);
    expect(stub.calls('/token').at(-1)!.form).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-unknown',
    });
    expect(upstream.requests.filter((r) => r.rpc === 'tools/call').at(-1)?.headers.authorization).toBe(
      `Bearer ${payload.access_token}`,
    );
    const lines = logged.slice(from);
    expect(lines.some((line) => line.includes('MCP OAuth token refresh failed'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/refresh-unknown|access-\d|gw-secret/);
    // Put the good refresh token back for the tests below.
    await h.prisma.liteLLM_MCPUserCredentials.update({
      where: { user_id_server_id: { user_id: user.userId, server_id: serverId } },
      data: { credential_b64: encryptSecret(JSON.stringify(payload), saltKey) },
    });
  });

  it("refreshes a token once when two pods find it due at the same moment (the second uses the first one's)", async () => {
    const { payload } = await storedPayload();
    const due = JSON.stringify({ ...payload, expires_at: new Date(Date.now() - 1000).toISOString() });
    await h.prisma.liteLLM_MCPUserCredentials.update({
      where: { user_id_server_id: { user_id: user.userId, server_id: serverId } },
      data: { credential_b64: encryptSecret(due, saltKey) },
    });
    const refreshes = () => stub.calls('/token').filter((r) => r.form.grant_type === 'refresh_token').length;
    const before = refreshes();
    // Each service de-duplicates only its own refreshes, as each pod does: two of them are two pods.
    const credentials = h.app.get(McpUserCredentialsService);
    const pods = [new McpTokenRefreshService(credentials), new McpTokenRefreshService(credentials)];
    const server = h.app.get(McpRegistryService).byId(serverId)!;
    const [a, b] = (await Promise.all(pods.map((pod) => pod.fresh(user.userId, server, due)))).map(
      (text) => JSON.parse(text) as { access_token: string },
    );
    expect(refreshes()).toBe(before + 1);
    expect(a.access_token).not.toBe(payload.access_token);
    expect(b.access_token).toBe(a.access_token);
    expect((await storedPayload()).payload.access_token).toBe(a.access_token);
  });

  it('serves the discovery documents for an oauth2 server, and 404 for other or unknown names', async () => {
    const prm = await h
      .http()
      .get(`/.well-known/oauth-protected-resource/mcp/${GH}`)
      .set('host', 'proxy.test')
      .expect(200);
    expect(prm.body).toEqual({
      resource: `http://proxy.test/mcp/${GH}`,
      authorization_servers: [`http://proxy.test/${GH}`],
      scopes_supported: ['read'],
    });
    const legacy = await h
      .http()
      .get(`/.well-known/oauth-protected-resource/${GH}/mcp`)
      .set('host', 'proxy.test')
      .expect(200);
    expect(legacy.body.resource).toBe(`http://proxy.test/${GH}/mcp`);
    for (const path of [
      `/.well-known/oauth-authorization-server/mcp/${GH}`,
      `/.well-known/oauth-authorization-server/${GH}`,
      `/.well-known/oauth-authorization-server/${GH}/mcp`,
    ]) {
      const as = await h.http().get(path).set('host', 'proxy.test').expect(200);
      expect(as.body).toEqual({
        issuer: `http://proxy.test/${GH}`,
        authorization_endpoint: `http://proxy.test/${GH}/authorize`,
        token_endpoint: `http://proxy.test/${GH}/token`,
        registration_endpoint: `http://proxy.test/${GH}/register`,
        response_types_supported: ['code'],
        scopes_supported: ['read'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
    }
    const root = await h
      .http()
      .get('/.well-known/oauth-authorization-server')
      .set('host', 'proxy.test')
      .expect(200);
    expect(root.body).toMatchObject({
      issuer: 'http://proxy.test',
      token_endpoint: 'http://proxy.test/token',
    });
    const oidc = await h
      .http()
      .get('/.well-known/openid-configuration')
      .set('host', 'proxy.test')
      .expect(200);
    expect(oidc.body).toEqual(root.body);
    expect((await h.http().get('/.well-known/jwks.json').expect(200)).body).toEqual({ keys: [] });
    // From a public address only one oauth2 server is visible: the root document resolves to it.
    expect(
      (
        await h
          .http()
          .get('/.well-known/oauth-protected-resource')
          .set('host', 'proxy.test')
          .set(PUBLIC_IP)
          .expect(200)
      ).body.resource,
    ).toBe(`http://proxy.test/mcp/${GH}`);
    // An api_key server and an unknown name look the same: 404.
    await h.http().get(`/.well-known/oauth-protected-resource/mcp/apik${suffix}`).expect(404);
    await h.http().get(`/.well-known/oauth-protected-resource/mcp/nosuch${suffix}`).expect(404);
    await h.http().get(`/.well-known/oauth-authorization-server/apik${suffix}`).expect(404);
  });

  it("builds its URLs from X-Forwarded-Proto/Host of a trusted proxy (the test's own address), else from Host", async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gw.example.com' };
    const prm = await h
      .http()
      .get(`/.well-known/oauth-protected-resource/mcp/${GH}`)
      .set(forwarded)
      .expect(200);
    expect(prm.body.resource).toBe(`https://gw.example.com/mcp/${GH}`);
    const authorize = await h
      .http()
      .get(`/${GH}/authorize`)
      .query({ redirect_uri: 'https://gw.example.com/ui/cb' }) // same origin as the forwarded one
      .set(forwarded)
      .expect(302);
    expect(new URL(authorize.headers.location).searchParams.get('redirect_uri')).toBe(
      'https://gw.example.com/callback',
    );
    // A forged host value is not used.
    const odd = await h
      .http()
      .get('/.well-known/oauth-authorization-server')
      .set({ host: 'proxy.test', 'x-forwarded-host': 'evil.example/path?' })
      .expect(200);
    expect(odd.body.issuer).toBe('http://proxy.test');
  });

  it('treats an internal-only server as unknown to callers outside the internal ranges (discovery and /authorize 404)', async () => {
    const inner = `inner${suffix}`;
    await h.http().get(`/.well-known/oauth-protected-resource/mcp/${inner}`).set(PUBLIC_IP).expect(404);
    await h.http().get(`/.well-known/oauth-authorization-server/${inner}`).set(PUBLIC_IP).expect(404);
    const before = stub.calls('/authorize').length;
    await h
      .http()
      .get(`/${inner}/authorize`)
      .query({ redirect_uri: CLIENT_REDIRECT, client_id: 'c' })
      .set(PUBLIC_IP)
      .expect(404);
    expect(stub.calls('/authorize')).toHaveLength(before);
    // From inside (a private address) it exists.
    const inside = { 'x-forwarded-for': '10.1.2.3' };
    await h.http().get(`/.well-known/oauth-protected-resource/mcp/${inner}`).set(inside).expect(200);
    await h
      .http()
      .get(`/${inner}/authorize`)
      .query({ redirect_uri: CLIENT_REDIRECT, client_id: 'c' })
      .set(inside)
      .expect(302);
  });

  it('refuses a redirect_uri that is not on the proxy, loopback or allow-listed with 400, before going upstream', async () => {
    const before = stub.calls('/authorize').length;
    for (const bad of [
      'https://evil.example/cb',
      'http://localhost.evil.example/cb',
      'javascript:alert(1)',
      'http://localhost:7777/cb#frag',
    ]) {
      const res = await get(
        `${base}/${GH}/authorize?${new URLSearchParams({ redirect_uri: bad, state: 's' })}`,
      );
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect(((await res.json()) as { error: unknown }).error).toMatchObject({
        param: 'redirect_uri',
        code: '400',
      });
    }
    expect(stub.calls('/authorize')).toHaveLength(before);
    // Same origin, loopback and the allow-list are fine.
    for (const good of [`${base}/ui/cb`, 'http://127.0.0.1:9/cb', 'http://[::1]:9/cb', TRUSTED_NATIVE]) {
      const res = await get(`${base}/${GH}/authorize?${new URLSearchParams({ redirect_uri: good })}`);
      expect({ good, status: res.status }).toEqual({ good, status: 302 });
    }
  });

  it("passes the upstream's OAuth error on as a 4xx (invalid_grant → 400), uncached, never a 500", async () => {
    const res = await token(`/${GH}/token`, {
      grant_type: 'authorization_code',
      code: 'no-such-code',
      code_verifier: 'x',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'unknown code' });
    const odd = await token(`/${GH}/token`, { grant_type: 'password', username: 'u', password: 'p' });
    expect(odd.status).toBe(400);
    expect(await odd.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('resolves /authorize without a server name (by client_id, else the only oauth2 server) and relays an upstream error through /callback', async () => {
    const redirect = { redirect_uri: CLIENT_REDIRECT, state: 'st' };
    // Two oauth2 servers are visible from inside: without a client_id there is no telling which.
    await h.http().get('/authorize').query(redirect).expect(404);
    const byClient = await get(
      `${base}/authorize?${new URLSearchParams({ ...redirect, client_id: 'gw-client' })}`,
    );
    expect(byClient.status).toBe(302);
    // From a public address only one is visible.
    const only = await h.http().get('/authorize').query(redirect).set(PUBLIC_IP).expect(302);
    expect(new URL(only.headers.location).origin).toBe(stub.url);
    // PKCE is S256 only.
    await h
      .http()
      .get(`/${GH}/authorize`)
      .query({ ...redirect, code_challenge: 'abc', code_challenge_method: 'plain' })
      .expect(400);
    // A named server that is not oauth2 is a 400.
    const notOauth = await h.http().get(`/apik${suffix}/authorize`).query(redirect).expect(400);
    expect(notOauth.body.error.param).toBe('server_not_oauth2');
    // The user refuses upstream: the error goes back to the client with its state.
    const state = new URL(byClient.headers.get('location')!).searchParams.get('state')!;
    const refused = await get(
      `${base}/callback?${new URLSearchParams({ error: 'access_denied', error_description: 'no', state })}`,
    );
    expect(refused.status).toBe(302);
    const back = new URL(refused.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(CLIENT_REDIRECT);
    expect(Object.fromEntries(back.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'no',
      state: 'st',
    });
    // No code and no error: HTML 400.
    expect((await get(`${base}/callback?${new URLSearchParams({ state })}`)).status).toBe(400);
  });

  it('refuses a /callback whose state the gateway did not issue with an HTML 400', async () => {
    const res = await get(`${base}/callback?code=abc&state=forged`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('location')).toBeNull();
  });

  it('still refuses form bodies on every other route (422)', async () => {
    const res = await fetch(`${base}/key/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer sk-1234' },
      body: 'key_alias=x',
    });
    expect(res.status).toBe(422);
  });

  it('runs the admin UI flow on a temporary server (E13 → E14 → E15) and registers clients (E16, E39)', async () => {
    const session = await h
      .post('/v1/mcp/server/oauth/session', {
        server_name: `tmp${suffix}`,
        transport: 'http',
        url: upstream.url,
        auth_type: 'oauth2',
        authorization_url: `${stub.url}/authorize`,
        token_url: `${stub.url}/token`,
        credentials: { client_id: 'gw-client', client_secret: 'gw-secret' },
      })
      .expect(200);
    expect(session.body.credentials).toBeNull();
    expect(JSON.stringify(session.body)).not.toContain('gw-secret');
    const tmpId = session.body.server_id;
    expect(await h.prisma.liteLLM_MCPServerTable.findUnique({ where: { server_id: tmpId } })).toBeNull();
    // A non-admin may not create one (validated first, as E12).
    await h
      .post(
        '/v1/mcp/server/oauth/session',
        { server_name: 'x', transport: 'http', url: upstream.url },
        { Authorization: `Bearer ${user.key}` },
      )
      .expect(403);
    // A non-admin key: only servers it may use (403 otherwise), never a temporary one.
    const asUser = { Authorization: `Bearer ${user.key}` };
    const q = `redirect_uri=${encodeURIComponent(CLIENT_REDIRECT)}`;
    expect((await get(`${base}/v1/mcp/server/oauth/${serverId}/authorize?${q}`, asUser)).status).toBe(302);
    expect((await get(`${base}/v1/mcp/server/oauth/inner${suffix}/authorize?${q}`, asUser)).status).toBe(403);
    expect((await get(`${base}/v1/mcp/server/oauth/${tmpId}/authorize?${q}`, asUser)).status).toBe(403);
    await h.post(`/v1/mcp/server/oauth/inner${suffix}/register`, {}, asUser).expect(403);
    const { verifier, challenge } = pkce();
    const authorize = await get(
      `${base}/v1/mcp/server/oauth/${tmpId}/authorize?${new URLSearchParams({ redirect_uri: CLIENT_REDIRECT, state: 'ui', code_challenge: challenge, code_challenge_method: 'S256' })}`,
      { authorization: 'Bearer sk-1234' },
    );
    expect(authorize.status).toBe(302);
    const consent = await get(authorize.headers.get('location')!);
    const back = new URL((await get(consent.headers.get('location')!)).headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('ui');
    const res = await token(
      `/v1/mcp/server/oauth/${tmpId}/token`,
      {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: CLIENT_REDIRECT,
      },
      { authorization: 'Bearer sk-1234' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(((await res.json()) as { access_token: string }).access_token).toMatch(/^access-/);
    // Registration: a stored client_id answers the placeholder client, never the stored secret.
    const registered = await h
      .post(`/v1/mcp/server/oauth/${serverId}/register`, { client_name: 'ui' })
      .expect(200);
    expect(registered.body).toEqual({
      client_id: 'gw-client',
      client_secret: 'dummy',
      redirect_uris: [expect.stringMatching(/\/callback$/)],
    });
    await h.post(`/v1/mcp/server/oauth/nosuch${suffix}/register`, {}).expect(404);
    const dcr = await fetch(`${base}/${GH}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'cli', redirect_uris: [CLIENT_REDIRECT] }),
    });
    expect(dcr.status).toBe(201);
    expect(await dcr.json()).toEqual({
      client_id: 'gw-client',
      client_secret: 'dummy',
      redirect_uris: [`${base}/callback`],
    });
  });

  it("completes the official SDK client's own OAuth flow (discovery, registration, PKCE, token) against the gateway", async () => {
    const saved: { client?: any; tokens?: any; verifier?: string; redirect?: URL } = {};
    const provider: OAuthClientProvider = {
      redirectUrl: CLIENT_REDIRECT,
      clientMetadata: { client_name: 'sdk-e2e', redirect_uris: [CLIENT_REDIRECT] },
      clientInformation: () => saved.client,
      saveClientInformation: (info) => void (saved.client = info),
      tokens: () => saved.tokens,
      saveTokens: (tokens) => void (saved.tokens = tokens),
      redirectToAuthorization: (url) => void (saved.redirect = url),
      saveCodeVerifier: (verifier) => void (saved.verifier = verifier),
      codeVerifier: () => saved.verifier!,
    };
    // The user's key rides along, so the gateway stores the token for them.
    const withKey: typeof fetch = (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), 'x-litellm-api-key': user.key },
      });
    const serverUrl = `${base}/mcp/${GH}`;
    expect(await auth(provider, { serverUrl, fetchFn: withKey })).toBe('REDIRECT');
    expect(saved.client).toMatchObject({ client_id: 'gw-client' }); // registered at our /register
    expect(`${saved.redirect!.origin}${saved.redirect!.pathname}`).toBe(`${base}/${GH}/authorize`);
    // The browser's part: our /authorize → the IdP → our /callback → the client's redirect URI.
    const upstreamAuthorize = await get(saved.redirect!.toString());
    const callback = await get(
      (await get(upstreamAuthorize.headers.get('location')!)).headers.get('location')!,
    );
    const code = new URL(callback.headers.get('location')!).searchParams.get('code')!;
    expect(await auth(provider, { serverUrl, authorizationCode: code, fetchFn: withKey })).toBe('AUTHORIZED');
    const issued = saved.tokens.access_token as string;
    expect(issued).toBe(stub.currentAccessToken());
    expect((await storedPayload()).payload.access_token).toBe(issued);
    const result = await callWhoami();
    expect(result.content).toEqual([{ type: 'text', text: 'octocat' }]);
    expect(upstream.requests.filter((r) => r.rpc === 'tools/call').at(-1)?.headers.authorization).toBe(
      `Bearer ${issued}`,
    );
  });

  it('logs no client secret, code verifier, authorization code or token in any of the flows above', () => {
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).not.toMatch(/gw-secret|access-\d|refresh-\d|code-[0-9a-f]{12}/);
  });
});

describe('MCP OAuth temporary servers across pods (E13 with Redis)', () => {
  const pods = useTwoApps({ REDIS_URL: TEST_REDIS_URL });

  it("serves pod A's temporary server on pod B, and keeps it encrypted in Redis", async () => {
    if (pods.skip) return;
    const created = await request(pods.podA.app.getHttpServer())
      .post('/v1/mcp/server/oauth/session')
      .set('Authorization', 'Bearer sk-1234')
      .send({
        server_name: `pods${suffix}`,
        transport: 'http',
        url: 'http://127.0.0.1:9/mcp',
        auth_type: 'oauth2',
        authorization_url: 'https://idp.example/authorize',
        token_url: 'https://idp.example/token',
        credentials: { client_id: 'pod-client', client_secret: 'pod-secret-value' },
      })
      .expect(200);
    const id: string = created.body.server_id;
    const res = await request(pods.podB.app.getHttpServer())
      .get(`/v1/mcp/server/oauth/${id}/authorize`)
      .query({ redirect_uri: CLIENT_REDIRECT })
      .set('Authorization', 'Bearer sk-1234')
      .expect(302);
    expect(new URL(res.headers.location).searchParams.get('client_id')).toBe('pod-client');
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const stored = await redis.get(`litellm:mcp:oauth:session:${id}`);
      expect(stored?.startsWith('v3:gcm:')).toBe(true);
      expect(stored).not.toContain('pod-secret-value');
      expect(stored).not.toContain('pod-client');
      expect(await redis.ttl(`litellm:mcp:oauth:session:${id}`)).toBeGreaterThan(250);
    } finally {
      redis.disconnect();
    }
  });
});
