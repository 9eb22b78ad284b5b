import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { uniq } from './app.factory';
import { createKey, createMcpServer } from './factories';
import { STUB_401_BODY, startMcpUpstream, type FakeMcpUpstream } from './fakes/mcp-upstream';
import { startOAuthStub, type OAuthStub } from './fakes/oauth-server';
import { useE2e, type Headers } from './harness';

/**
 * Spec §2.6, one test per delegate_auth_to_upstream rule, against the fixture of the spec: stub
 * upstreams that answer 401 + WWW-Authenticate without `Bearer upstream-token`. Each test says who
 * answered (LiteLLM's 401 envelope vs the stub's own body) and whether the stub got the request.
 */
const TOKEN = 'upstream-token';
const suffix = uniq('').replace(/-/g, '_');
const n = (label: string) => `${label}${suffix}`;
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } },
};
const TOOLS_LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list' };

describe('MCP delegate_auth_to_upstream rules (spec §2.6)', () => {
  const h = useE2e({ freshDatabase: 'mcp_deleg' });
  let stub: FakeMcpUpstream;
  let plainStub: FakeMcpUpstream;
  let openStub: FakeMcpUpstream;
  let idp: OAuthStub;
  let good: string;
  let port: number;
  /** Server ids by fixture label (deleg, plain, m2m, …). */
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    stub = await startMcpUpstream({ tools: [{ name: 'deleg_tool' }], requireBearer: TOKEN });
    plainStub = await startMcpUpstream({ tools: [{ name: 'plain_tool' }], requireBearer: TOKEN });
    openStub = await startMcpUpstream({ tools: [{ name: 'open_tool' }] });
    // The delegate servers' authorization server (rules 16-18 reach it through the OAuth routes).
    idp = await startOAuthStub();
    const oauth = { transport: 'http', auth_type: 'oauth2', url: stub.url };
    const deleg = {
      ...oauth,
      delegate_auth_to_upstream: true,
      authorization_url: `${idp.url}/authorize`,
      token_url: `${idp.url}/token`,
    };
    const servers = await Promise.all([
      createMcpServer(h.prisma, { ...deleg, alias: n('deleg') }),
      createMcpServer(h.prisma, { ...deleg, alias: n('deleg2') }),
      createMcpServer(h.prisma, { ...oauth, alias: n('plain'), url: plainStub.url }),
      createMcpServer(h.prisma, { ...deleg, alias: n('apik'), auth_type: 'api_key' }),
      createMcpServer(h.prisma, {
        ...deleg,
        alias: n('m2m'),
        mcp_info: { oauth2_flow: 'client_credentials' },
        credentials: { client_id: 'cid', client_secret: 'csecret' },
        token_url: 'https://idp.example/token',
      }),
      createMcpServer(h.prisma, {
        ...oauth,
        delegate_auth_to_upstream: true,
        alias: n('legacym2m'),
        credentials: { client_id: 'cid', client_secret: 'csecret' },
        token_url: 'https://idp.example/token',
      }),
      createMcpServer(h.prisma, { ...deleg, alias: n('internal'), available_on_public_internet: false }),
      createMcpServer(h.prisma, {
        transport: 'http',
        alias: n('open'),
        url: openStub.url,
        allow_all_keys: true,
      }),
    ]);
    for (const s of servers) ids[s.alias!.slice(0, -suffix.length)] = s.server_id;
    const permission = await h.prisma.liteLLM_ObjectPermissionTable.create({
      data: { mcp_servers: servers.map((s) => s.server_id) },
    });
    good = (await createKey(h.prisma, { object_permission_id: permission.object_permission_id })).raw;
    await h.app.get(McpRegistryService).reload();
    const server = h.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await Promise.all([stub?.close(), plainStub?.close(), openStub?.close(), idp?.close()]);
  });

  /** POSTs a JSON-RPC message; returns the response and how many requests the stubs got meanwhile. */
  async function post(path: string, headers: Headers = {}, body: object = INITIALIZE) {
    const before = stub.requests.length + plainStub.requests.length;
    const res = await h
      .http()
      .post(path)
      .set({ accept: 'application/json, text/event-stream', ...headers })
      .send(body);
    return { res, reachedStub: stub.requests.length + plainStub.requests.length > before };
  }

  function expectLiteLlm401({ res, reachedStub }: { res: Response; reachedStub: boolean }) {
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ type: 'auth_error', code: '401' });
    expect(reachedStub).toBe(false);
  }

  function expectStub401({ res, reachedStub }: { res: Response; reachedStub: boolean }) {
    expect(res.status).toBe(401);
    expect(res.body).toEqual(STUB_401_BODY);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\//);
    expect(reachedStub).toBe(true);
  }

  it('rule 1: a qualifying delegate server is reached without a LiteLLM key (legacy and standard path); the stub answers', async () => {
    expectStub401(await post(`/${n('deleg')}/mcp`));
    expectStub401(await post(`/mcp/${n('deleg')}`));
    // With the upstream's token the whole exchange goes through, the token forwarded as is.
    const { res } = await post(`/mcp/${n('deleg')}`, { Authorization: `Bearer ${TOKEN}` }, TOOLS_LIST);
    expect(res.status).toBe(200);
    expect(res.body.result.tools.map((t: { name: string }) => t.name)).toEqual([`${n('deleg')}-deleg_tool`]);
    expect(stub.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('rule 2: only auth_type oauth2 delegates (api_key with the flag → LiteLLM 401)', async () => {
    expectLiteLlm401(await post(`/${n('apik')}/mcp`));
  });

  it('rule 3: a server whose flag is not true does not delegate', async () => {
    expectLiteLlm401(await post(`/${n('plain')}/mcp`));
  });

  it('rule 4: never for machine-to-machine servers, stamped or shaped like one', async () => {
    expectLiteLlm401(await post(`/${n('m2m')}/mcp`));
    expectLiteLlm401(await post(`/${n('legacym2m')}/mcp`));
  });

  it('rule 5: only public servers delegate (internal-only → LiteLLM 401, even from a private address)', async () => {
    expectLiteLlm401(await post(`/${n('internal')}/mcp`));
  });

  it('rule 6: every target must qualify', async () => {
    expectLiteLlm401(await post(`/mcp/${n('deleg')},${n('plain')}`));
    expectStub401(await post(`/mcp/${n('deleg')},${n('deleg2')}`));
    expectLiteLlm401(await post('/mcp', { 'x-mcp-servers': `${n('deleg')},${n('plain')}` }));
  });

  it('rule 7: unresolvable targets fail closed', async () => {
    expectLiteLlm401(await post(`/mcp/${n('deleg')},${n('nosuch')}`));
    expectLiteLlm401(await post(`/mcp/${n('nosuch')}`));
  });

  it('rule 8: no targets fail closed', async () => {
    expectLiteLlm401(await post('/mcp'));
    expectLiteLlm401(await post('/mcp', { 'x-mcp-servers': '' }));
  });

  it('rule 9: x-mcp-servers targets when the path has none', async () => {
    expectStub401(await post('/mcp', { 'x-mcp-servers': n('deleg') }));
  });

  it('rule 10: the path wins over x-mcp-servers (no header/path TOCTOU)', async () => {
    expectLiteLlm401(await post(`/${n('plain')}/mcp`, { 'x-mcp-servers': n('deleg') }));
    expectLiteLlm401(await post(`/mcp/${n('plain')}`, { 'x-mcp-servers': n('deleg') }));
  });

  it('rule 11: admission parses the path as routing does', async () => {
    expectLiteLlm401(await post(`/mcp/${n('deleg')}/extra/garbage`));
    expectStub401(await post(`/${n('deleg')}/mcp/anything`));
  });

  it('rule 12: a key in x-litellm-api-key disables the bypass: a good key is that key, a bad one is LiteLLM 401', async () => {
    const ok = await post(`/${n('deleg')}/mcp`, { 'x-litellm-api-key': good });
    expect(ok.res.status).toBe(200);
    expect(ok.res.body.result.serverInfo).toEqual({ name: 'litellm-mcp-server', version: '1.0.0' });
    expect(ok.reachedStub).toBe(false);
    expectLiteLlm401(await post(`/${n('deleg')}/mcp`, { 'x-litellm-api-key': 'sk-bad' }));
  });

  it('rule 13: a key in Authorization: Bearer authenticates as that key and is never forwarded upstream', async () => {
    const { res, reachedStub } = await post(
      `/${n('deleg')}/mcp`,
      { Authorization: `Bearer ${good}` },
      TOOLS_LIST,
    );
    expect(res.status).toBe(200);
    expect(reachedStub).toBe(true);
    const sent = stub.requests.map((r) => JSON.stringify(r.headers)).join('\n');
    expect(sent).not.toContain(good);
    expectLiteLlm401(await post(`/${n('deleg')}/mcp`, { Authorization: 'Bearer sk-bad' }));
  });

  it('a bearer that is not a LiteLLM key is the upstream token on qualifying delegate targets only (spec §8: our choice)', async () => {
    // Delegate target: forwarded, and the upstream (not LiteLLM) refuses a wrong token.
    expectStub401(await post(`/${n('deleg')}/mcp`, { Authorization: 'Bearer not-a-litellm-key' }));
    expect(stub.requests.at(-1)?.headers.authorization).toBe('Bearer not-a-litellm-key');
    // Any other target: it must be a LiteLLM credential, and is not one.
    expectLiteLlm401(await post(`/${n('plain')}/mcp`, { Authorization: `Bearer ${TOKEN}` }));
    expectLiteLlm401(await post(`/mcp/${n('deleg')},${n('plain')}`, { Authorization: `Bearer ${TOKEN}` }));
  });

  it('rule 14 (first half): /.well-known/ discovery of a delegate server is public (200 without a credential)', async () => {
    // Forwarded headers are ignored: this app trusts no proxy (no use_x_forwarded_for).
    const res = await h
      .http()
      .get(`/.well-known/oauth-protected-resource/mcp/${n('deleg')}`)
      .set({ host: 'gw.test', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'elsewhere.example' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      resource: `http://gw.test/mcp/${n('deleg')}`,
      authorization_servers: [`http://gw.test/${n('deleg')}`],
      scopes_supported: [],
    });
  });

  it('rule 14 (second half): /.well-known/ in the query string does not make a request public', async () => {
    expectLiteLlm401(await post(`/mcp/${n('plain')}?x=/.well-known/`));
  });

  it('rule 15: two Authorization headers are refused with 400 before any upstream is called', async () => {
    const before = stub.requests.length;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/${n('deleg')}/mcp`,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      });
      req.setHeader('Authorization', [`Bearer ${TOKEN}`, `Bearer ${good}`]);
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify(INITIALIZE));
    });
    expect(status).toBe(400);
    expect(stub.requests.length).toBe(before);
  });

  it('rule 19: an anonymous delegate caller sees only its targeted delegate servers (no plain, no allow_all_keys)', async () => {
    const { res } = await post(`/${n('deleg')}/mcp`, { Authorization: `Bearer ${TOKEN}` }, TOOLS_LIST);
    expect(res.status).toBe(200);
    expect(res.body.result.tools.map((t: { name: string }) => t.name)).toEqual([`${n('deleg')}-deleg_tool`]);
    expect(openStub.rpcs()).not.toContain('tools/list');
    // The key sees the allow_all_keys server beside its own.
    const keyed = await post(`/mcp/${n('deleg')},${n('open')}`, { 'x-litellm-api-key': good }, TOOLS_LIST);
    expect(keyed.res.body.result.tools.map((t: { name: string }) => t.name)).toContain(
      `${n('open')}-open_tool`,
    );
  });

  /** GET of the management /authorize (E14) of a fixture server; the stub IdP must not be called either way. */
  async function oauthAuthorize(label: string, headers: Headers = {}) {
    const before = idp.requests.length;
    const query = new URLSearchParams({
      redirect_uri: 'http://localhost:5555/cb',
      code_challenge: 'x',
      code_challenge_method: 'S256',
      client_id: 'mcp-client', // the fixture's delegate servers store no client_id
    });
    const res = await h.http().get(`/v1/mcp/server/oauth/${ids[label]}/authorize?${query}`).set(headers);
    return { res, reachedIdp: idp.requests.length > before };
  }

  /** POST of the management /token (E15), form-encoded; and whether the stub IdP got a token request. */
  async function oauthToken(label: string, form: Record<string, string>, headers: Headers = {}) {
    const before = idp.calls('/token').length;
    const res = await h
      .http()
      .post(`/v1/mcp/server/oauth/${ids[label]}/token`)
      .type('form')
      .set(headers)
      .send(form);
    return { res, reachedIdp: idp.calls('/token').length > before };
  }

  function expectLiteLlm401Oauth({ res, reachedIdp }: { res: Response; reachedIdp: boolean }) {
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ type: 'auth_error', code: '401' });
    expect(res.headers.location).toBeUndefined();
    expect(reachedIdp).toBe(false);
  }

  it("rule 16: the management /authorize redirects anonymously only for a qualifying delegate server; others are LiteLLM's 401", async () => {
    const { res, reachedIdp } = await oauthAuthorize('deleg');
    expect(res.status).toBe(302);
    const location = new URL(res.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe(`${idp.url}/authorize`);
    expect(location.searchParams.get('code_challenge')).toBe('x');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(reachedIdp).toBe(false); // a redirect for the browser, not a call
    for (const label of ['plain', 'm2m', 'internal']) expectLiteLlm401Oauth(await oauthAuthorize(label));
  });

  it('rule 17: the management /token without a key accepts only grant_type=authorization_code', async () => {
    // The exchange is attempted: the stub IdP refuses the made-up code, and its OAuth error comes back.
    const exchange = await oauthToken('deleg', {
      grant_type: 'authorization_code',
      code: 'made-up-code',
      code_verifier: 'v',
      client_id: 'mcp-client',
    });
    expect(exchange.res.status).toBe(400);
    expect(exchange.res.body).toEqual({ error: 'invalid_grant', error_description: 'unknown code' });
    expect(exchange.reachedIdp).toBe(true);
    // A refresh would spend the stored client secret for anyone: LiteLLM's 401, nothing upstream.
    expectLiteLlm401Oauth(
      await oauthToken('deleg', { grant_type: 'refresh_token', refresh_token: 'r', client_id: 'mcp-client' }),
    );
    expectLiteLlm401Oauth(
      await oauthToken('deleg', { grant_type: 'client_credentials', client_id: 'mcp-client' }),
    );
    expectLiteLlm401Oauth(await oauthToken('deleg', { grant_type: '', code: 'c' }));
    expectLiteLlm401Oauth(await oauthToken('deleg', { code: 'c' }));
    // With a key the refresh grant goes through LiteLLM auth and upstream.
    const keyed = await oauthToken(
      'deleg',
      { grant_type: 'refresh_token', refresh_token: 'r', client_id: 'mcp-client' },
      { 'x-litellm-api-key': good },
    );
    expect(keyed.res.status).toBe(400);
    expect(keyed.res.body.error).toBe('invalid_grant');
    expect(keyed.reachedIdp).toBe(true);
  });

  it("rule 18: a credential presented on the OAuth management routes is validated (garbage → LiteLLM's 401, no anonymous fallback)", async () => {
    expectLiteLlm401Oauth(await oauthAuthorize('deleg', { Authorization: 'Bearer garbage' }));
    expectLiteLlm401Oauth(await oauthAuthorize('deleg', { 'x-litellm-api-key': 'sk-bad' }));
    expectLiteLlm401Oauth(
      await oauthToken(
        'deleg',
        { grant_type: 'authorization_code', code: 'c', client_id: 'mcp-client' },
        { Authorization: 'Bearer garbage' },
      ),
    );
    // A good key is that key: the redirect is served.
    expect((await oauthAuthorize('deleg', { Authorization: `Bearer ${good}` })).res.status).toBe(302);
  });
});
