import { BUS_TRANSPORTS, TEST_REDIS_URL, useTwoApps } from './two-apps';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import nacl from 'tweetnacl';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { encryptSecret } from '../src/platform/common/secrets';
import { MASTER_KEY } from './app.factory';
import { bearer, createKey, createMcpServer, createTeam, createUserWithKey } from './factories';
import { FakeMcpUpstream, startMcpUpstream } from './fakes/mcp-upstream';
import { useE2e } from './harness';
import { eventually } from './pods';

interface Listed {
  server_id: string;
  allow_all_keys: boolean;
  url: string | null;
}

/** Server names may not contain "-" (the tool-prefix separator), so no `uniq()` here. */
const name = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;
const SALT = MASTER_KEY; // no LITELLM_SALT_KEY in tests: LiteLLM falls back to the master key

/** LiteLLM's legacy writer: NaCl secretbox under sha256(salt key), urlsafe base64. */
function legacyEncrypt(plain: string): string {
  const nonce = randomBytes(24);
  const box = nacl.secretbox(Buffer.from(plain), nonce, createHash('sha256').update(SALT).digest());
  return Buffer.concat([nonce, Buffer.from(box)]).toString('base64url');
}

describe('MCP server registry (/v1/mcp/server)', () => {
  const h = useE2e();
  const registry = () => h.app.get(McpRegistryService);
  const secrets: string[] = [];
  const secret = (label: string) => {
    const value = `${label}-${randomBytes(8).toString('hex')}`;
    secrets.push(value);
    return value;
  };
  const expectNoSecret = (body: unknown) => {
    const text = JSON.stringify(body);
    for (const s of secrets) expect(text).not.toContain(s);
  };
  const create = (body: Record<string, unknown>, headers = h.master) =>
    h.post('/v1/mcp/server', { transport: 'http', url: 'https://mcp.example.com/mcp', ...body }, headers);

  /** A user whose key is granted exactly these servers. */
  async function keyFor(role: string, servers: string[], extra: { allowed_routes?: string[] } = {}) {
    const { userId } = await createUserWithKey(h.prisma, role);
    const perm = await h.prisma.liteLLM_ObjectPermissionTable.create({ data: { mcp_servers: servers } });
    const { raw } = await createKey(h.prisma, {
      user_id: userId,
      object_permission_id: perm.object_permission_id,
      ...extra,
    });
    return bearer(raw);
  }

  it('should store credentials encrypted, serve them decrypted, and never return or audit them', async () => {
    const token = secret('tok');
    const res = await create({
      server_name: 'My Tools ' + name('s'),
      credentials: { auth_value: token },
    }).expect(201);
    expect(res.body).toMatchObject({ credentials: null, approval_status: 'active', transport: 'http' });
    expect(res.body.alias).toMatch(/^My_Tools_s_/);
    const row = await h.prisma.liteLLM_MCPServerTable.findUniqueOrThrow({
      where: { server_id: res.body.server_id },
    });
    expect((row.credentials as { auth_value: string }).auth_value).toMatch(/^v3:gcm:/);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(registry().find(res.body.alias)?.credentials.authValue).toBe(token);
    expect(registry().find(res.body.server_id)?.name).toBe(res.body.alias);

    const listed = await h.get('/v1/mcp/server').expect(200);
    const got = await h.get(`/v1/mcp/server/${res.body.server_id}`).expect(200);
    expect(got.body).toMatchObject({ server_id: res.body.server_id, credentials: null });
    const audit = await h.prisma.liteLLM_AuditLog.findMany({ where: { object_id: res.body.server_id } });
    expect(audit.map((a) => a.action)).toEqual(['created']);
    for (const body of [res.body, listed.body, got.body, audit]) expectNoSecret(body);
  });

  it.each([
    [{ server_name: 'has-dash' }, 400],
    [{ server_name: name('ok'), alias: 'al-ias' }, 400],
    [{ server_id: 'all-team-mcpservers', server_name: name('r') }, 400],
    [{ server_name: name('n'), url: null }, 422],
    [{ server_name: name('n'), transport: 'stdio', command: 'npx', args: [] }, 400],
    [{ server_name: name('n'), transport: 'stdio', command: '/bin/sh', args: ['-c', 'id'] }, 400],
    [{ server_name: name('n'), auth_type: 'api_key', credentials: { auth_value: 42 } }, 422],
  ])('should refuse %j with %i', async (body, status) => {
    await create(body).expect(status);
  });

  it('should refuse a stdio server even with an allowed command (config file only; LiteLLM stores it)', async () => {
    const res = await create({
      server_name: name('fs'),
      transport: 'stdio',
      url: null,
      command: '/usr/bin/npx',
      args: ['-y', 'server-filesystem'],
    }).expect(400);
    expect(JSON.stringify(res.body)).toContain('config file only');
  });

  it('should refuse a second server with the same id, and non-admins after validating', async () => {
    const id = name('dup');
    await create({ server_id: id, server_name: name('a') }).expect(201);
    const again = await create({ server_id: id, server_name: name('b') }).expect(400);
    expect(again.body.error.message).toContain('already exists');
    const raced = name('race');
    const both = await Promise.all([1, 2].map(() => create({ server_id: raced, server_name: name('r') })));
    expect(both.map((r) => r.status).sort()).toEqual([201, 400]); // the loser is told, not a 500
    const member = (await createUserWithKey(h.prisma, 'internal_user')).headers;
    await create({ server_name: 'bad-name' }, member).expect(400); // validation first
    const refused = await create({ server_name: name('c') }, member).expect(403);
    expect(refused.body.error.message).toContain('PROXY_ADMIN');
    await h.put('/v1/mcp/server', { server_id: id }, member).expect(403);
    await h.delete(`/v1/mcp/server/${id}`, member).expect(403);
  });

  it('should sanitise per caller: admin view, non-admin, restricted key', async () => {
    const created = await create({
      server_name: name('view'),
      static_headers: { 'X-Internal': 'v' },
      extra_headers: ['x-user'],
      mcp_access_groups: ['eng'],
      allowed_tools: ['read'],
      mcp_info: { owner: 'platform' },
      authorization_url: 'https://auth.example.com/authorize',
    }).expect(201);
    const id = created.body.server_id;
    const admin = (await h.get(`/v1/mcp/server/${id}`).expect(200)).body;
    expect(admin).toMatchObject({
      url: 'https://mcp.example.com/mcp',
      static_headers: { 'X-Internal': 'v' },
      extra_headers: ['x-user'],
      authorization_url: 'https://auth.example.com/authorize',
    });

    const member = await keyFor('internal_user', [id]);
    const seen = (await h.get(`/v1/mcp/server/${id}`, member).expect(200)).body;
    expect(seen).toMatchObject({
      server_id: id,
      url: null,
      static_headers: null,
      authorization_url: null,
      extra_headers: [],
      args: [],
      allowed_tools: ['read'],
      mcp_access_groups: ['eng'],
    });
    // Other files share the database: their allow_all_keys servers are listed to every key.
    const granted = (body: Listed[]) => body.filter((s) => !s.allow_all_keys);
    const listed = granted((await h.get('/v1/mcp/server', member).expect(200)).body);
    expect(listed.map((s) => s.server_id)).toEqual([id]);
    expect(listed[0].url).toBeNull();

    const restricted = await keyFor('internal_user', [id], { allowed_routes: ['/v1/mcp/server'] });
    const little = (await h.get(`/v1/mcp/server/${id}`, restricted).expect(200)).body;
    expect(little).toMatchObject({
      url: null,
      allowed_tools: [],
      mcp_access_groups: [],
      mcp_info: null,
      created_at: null,
      created_by: null,
      credentials: null,
    });
    await h.get(`/v1/mcp/server?team_id=any`, restricted).expect(403);

    const stranger = await keyFor('internal_user', []);
    const refused = await h.get(`/v1/mcp/server/${id}`, stranger).expect(403);
    expect(refused.body.error.message).toContain(`view mcp server with id ${id}`);
    expect(granted((await h.get('/v1/mcp/server', stranger).expect(200)).body)).toEqual([]);
    await h.get('/v1/mcp/server/no-such-server').expect(404);
    await h.http().get('/v1/mcp/registry.json').expect(404); // not enabled, and no key needed to learn it
  });

  it('should read rows LiteLLM wrote: fields encrypted one by one (legacy), JSON text, one ciphertext of the map; only active rows are served', async () => {
    const [a, b, c] = [secret('legacy'), secret('whole'), secret('pending')];
    const legacy = await createMcpServer(h.prisma, {
      server_name: name('legacy'),
      auth_type: 'bearer_token',
      credentials: JSON.stringify({ auth_value: legacyEncrypt(a) }),
    });
    const whole = await createMcpServer(h.prisma, {
      server_name: name('whole'),
      auth_type: 'oauth2',
      token_url: 'https://auth.example.com/token',
      credentials: encryptSecret(JSON.stringify({ client_id: 'cid', client_secret: b }), SALT),
    });
    const pending = await createMcpServer(h.prisma, {
      server_name: name('pending'),
      approval_status: 'pending_review',
      credentials: { auth_value: encryptSecret(c, SALT) },
    });
    await registry().reload();
    expect(registry().find(legacy.server_name!)?.credentials.authValue).toBe(a);
    expect(registry().find(whole.server_id)).toMatchObject({
      credentials: { clientId: 'cid', clientSecret: b },
      oauth2Flow: 'client_credentials', // LiteLLM's unstamped M2M shape
    });
    expect(registry().find(pending.server_id)).toBeUndefined();
    const got = await h.get(`/v1/mcp/server/${pending.server_id}`).expect(200);
    expect(got.body.approval_status).toBe('pending_review');
    expectNoSecret((await h.get('/v1/mcp/server').expect(200)).body);
    expectNoSecret(got.body);
  });

  it('should clear delegate_auth_to_upstream and the credentials when auth_type leaves oauth2, and merge credentials otherwise', async () => {
    const [id1, s1, s2] = [secret('cid'), secret('cs1'), secret('cs2')];
    const created = await create({
      server_name: name('deleg'),
      auth_type: 'oauth2',
      delegate_auth_to_upstream: true,
      available_on_public_internet: false,
      credentials: { client_id: id1, client_secret: s1 },
    }).expect(201);
    const id = created.body.server_id;
    const merged = await h
      .put('/v1/mcp/server', {
        server_id: id,
        auth_type: 'oauth2',
        delegate_auth_to_upstream: true,
        credentials: { client_secret: s2 },
      })
      .expect(202);
    expect(merged.body).toMatchObject({
      delegate_auth_to_upstream: true,
      available_on_public_internet: true,
    });
    expect(registry().find(id)?.credentials).toMatchObject({ clientId: id1, clientSecret: s2 });

    const switched = await h
      .put('/v1/mcp/server', { server_id: id, auth_type: 'api_key', delegate_auth_to_upstream: true })
      .expect(202);
    expect(switched.body).toMatchObject({ auth_type: 'api_key', delegate_auth_to_upstream: false });
    const row = await h.prisma.liteLLM_MCPServerTable.findUniqueOrThrow({ where: { server_id: id } });
    expect(row).toMatchObject({ delegate_auth_to_upstream: false, credentials: null });
    expect(registry().find(id)).toMatchObject({ delegateAuthToUpstream: false, credentials: {} });
    const audit = await h.prisma.liteLLM_AuditLog.findMany({
      where: { object_id: id },
      orderBy: { updated_at: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['created', 'updated', 'updated']);
    expectNoSecret([merged.body, switched.body, audit]);
    await h.put('/v1/mcp/server', { server_id: 'no-such-server' }).expect(404);
  });

  it('should log a warning when an internal-only delegate server is created', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      const res = await create({
        server_name: name('internal'),
        auth_type: 'oauth2',
        delegate_auth_to_upstream: true,
        available_on_public_internet: false,
      }).expect(201);
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ server_id: res.body.server_id }));
      warn.mockClear();
      await create({
        server_name: name('public'),
        auth_type: 'oauth2',
        delegate_auth_to_upstream: true,
      }).expect(201);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('should delete a server: 202, then gone from the routes and the registry', async () => {
    const created = await create({ server_name: name('gone') }).expect(201);
    const id = created.body.server_id;
    expect(registry().find(id)).toBeDefined();
    const res = await h.delete(`/v1/mcp/server/${id}`).expect(202);
    expect(res.text).toBe('');
    expect(registry().find(id)).toBeUndefined();
    await h.get(`/v1/mcp/server/${id}`).expect(404);
    await h.delete(`/v1/mcp/server/${id}`).expect(404);
  });
});

describe('MCP user credentials (BYOK and OAuth, /v1/mcp/server/{id}/…credential)', () => {
  const h = useE2e();
  const registry = () => h.app.get(McpRegistryService);
  const server = async (body: Record<string, unknown>) =>
    (
      await h
        .post('/v1/mcp/server', {
          transport: 'http',
          url: 'https://mcp.example.com/mcp',
          server_name: name('byok'),
          ...body,
        })
        .expect(201)
    ).body.server_id as string;

  it('should store a BYOK credential encrypted for the caller, hand it to the gateway, and never show it', async () => {
    const byok = await server({ is_byok: true, mcp_access_groups: ['byok_group'] });
    const plain = await server({});
    const alice = await createUserWithKey(h.prisma, 'internal_user');
    const value = `byok-${randomBytes(8).toString('hex')}`;
    await h.post(`/v1/mcp/server/${plain}/user-credential`, { credential: value }, alice.headers).expect(400);
    await h
      .post('/v1/mcp/server/no-such-server/user-credential', { credential: value }, alice.headers)
      .expect(404);
    const saved = await h
      .post(`/v1/mcp/server/${byok}/user-credential`, { credential: value }, alice.headers)
      .expect(200);
    expect(saved.body).toEqual({ server_id: byok, has_credential: true });
    const row = await h.prisma.liteLLM_MCPUserCredentials.findUniqueOrThrow({
      where: { user_id_server_id: { user_id: alice.userId, server_id: byok } },
    });
    expect(row.credential_b64).toMatch(/^v3:gcm:/);
    expect(await registry().userCredential(alice.userId, byok)).toBe(value);
    const listed = await h.get('/v1/mcp/server').expect(200);
    const audit = await h.prisma.liteLLM_AuditLog.findMany({ where: { object_id: row.id } });
    expect(audit).toHaveLength(1);
    for (const body of [saved.body, listed.body, audit, row])
      expect(JSON.stringify(body)).not.toContain(value);
    expect((await h.get('/v1/mcp/network/client-ip', alice.headers).expect(200)).body.ip).toBe('127.0.0.1');
    const groups = await h.get('/v1/mcp/access_groups', alice.headers).expect(200);
    expect(groups.body.access_groups).toContain('byok_group');
    expect(groups.body.access_groups).toEqual([...groups.body.access_groups].sort());

    const check = await h
      .post(`/v1/mcp/server/${byok}/user-credential`, { credential: 'other', save: false }, alice.headers)
      .expect(200);
    expect(check.body.has_credential).toBe(false);
    expect(await registry().userCredential(alice.userId, byok)).toBe(value);

    await h.delete(`/v1/mcp/server/${byok}/user-credential`, alice.headers).expect(200);
    expect(await registry().userCredential(alice.userId, byok)).toBeUndefined();
    await h.delete(`/v1/mcp/server/${byok}/user-credential`, alice.headers).expect(200);
  });

  it("should read an older LiteLLM's plain base64 credential_b64", async () => {
    const byok = await server({ is_byok: true });
    const { userId } = await createUserWithKey(h.prisma, 'internal_user');
    await h.prisma.liteLLM_MCPUserCredentials.create({
      data: {
        user_id: userId,
        server_id: byok,
        credential_b64: Buffer.from('old-plain-key').toString('base64url'),
      },
    });
    expect(await registry().userCredential(userId, byok)).toBe('old-plain-key');
  });

  it('should keep OAuth tokens apart from BYOK credentials', async () => {
    const byok = await server({ is_byok: true, auth_type: 'oauth2' });
    const bob = await createUserWithKey(h.prisma, 'internal_user');
    const token = `at-${randomBytes(8).toString('hex')}`;
    await h.post(`/v1/mcp/server/${byok}/user-credential`, { credential: 'k' }, bob.headers).expect(200);
    await h
      .post(`/v1/mcp/server/${byok}/oauth-user-credential`, { access_token: token }, bob.headers)
      .expect(400); // a BYOK credential is not overwritten
    await h.delete(`/v1/mcp/server/${byok}/oauth-user-credential`, bob.headers).expect(200);
    expect(await registry().userCredential(bob.userId, byok)).toBe('k'); // not an OAuth row: left alone
    await h.delete(`/v1/mcp/server/${byok}/user-credential`, bob.headers).expect(200);

    const saved = await h
      .post(
        `/v1/mcp/server/${byok}/oauth-user-credential`,
        { access_token: token, expires_in: 3600 },
        bob.headers,
      )
      .expect(200);
    expect(saved.body).toMatchObject({ server_id: byok, has_credential: true, is_expired: false });
    const status = await h
      .get(`/v1/mcp/server/${byok}/oauth-user-credential/status`, bob.headers)
      .expect(200);
    expect(status.body).toMatchObject({
      has_credential: true,
      is_expired: false,
      expires_at: expect.any(String),
    });
    const mine = await h.get('/v1/mcp/user-credentials', bob.headers).expect(200);
    expect(mine.body).toEqual([expect.objectContaining({ server_id: byok, credential_type: 'oauth2' })]);
    for (const body of [saved.body, status.body, mine.body])
      expect(JSON.stringify(body)).not.toContain(token);
    expect(JSON.parse((await registry().userCredential(bob.userId, byok))!)).toMatchObject({
      type: 'oauth2',
      access_token: token,
    });
    await h.delete(`/v1/mcp/server/${byok}/oauth-user-credential`, bob.headers).expect(200);
    expect((await h.get('/v1/mcp/user-credentials', bob.headers).expect(200)).body).toEqual([]);
  });
});

describe('MCP server submissions (register → approve / reject)', () => {
  const h = useE2e();
  const registry = () => h.app.get(McpRegistryService);
  const submission = (body: Record<string, unknown> = {}) => ({
    server_name: name('sub'),
    transport: 'http',
    url: 'https://mcp.example.com/mcp',
    ...body,
  });

  it('should take a team member submission as pending (not served) and let a proxy admin approve and reject it', async () => {
    const team = await createTeam(h.prisma);
    const { userId } = await createUserWithKey(h.prisma, 'internal_user');
    const member = bearer((await createKey(h.prisma, { user_id: userId, team_id: team.team_id })).raw);
    const loner = (await createUserWithKey(h.prisma, 'internal_user')).headers;
    const token = `sub-${randomBytes(8).toString('hex')}`;

    await h.post('/v1/mcp/server/register', submission()).expect(403); // proxy admins create directly
    await h.post('/v1/mcp/server/register', submission(), loner).expect(400); // no team
    await h.post('/v1/mcp/server/register', submission({ server_name: 'bad-name' }), member).expect(400);
    await h.post('/v1/mcp/server/register', submission({ url: null }), member).expect(400);
    await h
      .post(
        '/v1/mcp/server/register',
        submission({ transport: 'stdio', command: 'npx', args: ['x'] }),
        member,
      )
      .expect(400);
    const res = await h
      .post(
        '/v1/mcp/server/register',
        submission({ approval_status: 'active', credentials: { auth_value: token } }),
        member,
      )
      .expect(201);
    const id = res.body.server_id;
    expect(res.body).toMatchObject({
      approval_status: 'pending_review',
      submitted_by: userId,
      credentials: null,
    });
    expect(registry().find(id)).toBeUndefined();

    await h.get('/v1/mcp/server/submissions', member).expect(403);
    const listed = await h.get('/v1/mcp/server/submissions').expect(200);
    expect(listed.body.items.map((i: { server_id: string }) => i.server_id)).toContain(id);
    expect(listed.body.pending_review).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify([res.body, listed.body])).not.toContain(token);

    await h.put(`/v1/mcp/server/${id}/approve`, {}, member).expect(403);
    await h.put('/v1/mcp/server/no-such-server/approve', {}).expect(404);
    const approved = await h.put(`/v1/mcp/server/${id}/approve`, {}).expect(200);
    expect(approved.body).toMatchObject({ approval_status: 'active', reviewed_at: expect.any(String) });
    expect(registry().find(id)?.credentials.authValue).toBe(token);
    await h.put(`/v1/mcp/server/${id}/approve`, {}).expect(400);

    const rejected = await h.put(`/v1/mcp/server/${id}/reject`, { review_notes: 'duplicate' }).expect(200);
    expect(rejected.body).toMatchObject({ approval_status: 'rejected', review_notes: 'duplicate' });
    expect(registry().find(id)).toBeUndefined();
    await h.put(`/v1/mcp/server/${id}/reject`, {}).expect(400);
  });
});

describe('MCP toolsets (/v1/mcp/toolset)', () => {
  const h = useE2e();

  it('should let proxy admins create, change and delete toolsets, and others read only the ones granted', async () => {
    const toolsetName = name('triage');
    const tools = [{ server_id: 'srv', tool_name: 'create_issue' }];
    const member = (await createUserWithKey(h.prisma, 'internal_user')).headers;
    await h.post('/v1/mcp/toolset', { toolset_name: toolsetName, tools }, member).expect(403);
    const created = await h.post('/v1/mcp/toolset', { toolset_name: toolsetName, tools }).expect(201);
    expect(created.body).toMatchObject({ toolset_name: toolsetName, tools });
    const id = created.body.toolset_id;
    await h.post('/v1/mcp/toolset', { toolset_name: toolsetName, tools: [] }).expect(409);
    await h.post('/v1/mcp/toolset', { toolset_name: name('bad'), tools: [{ server_id: 'srv' }] }).expect(422);

    expect(
      (await h.get('/v1/mcp/toolset').expect(200)).body.map((t: { toolset_id: string }) => t.toolset_id),
    ).toContain(id);
    expect((await h.get('/v1/mcp/toolset', member).expect(200)).body).toEqual([]);
    await h.get(`/v1/mcp/toolset/${id}`, member).expect(403);
    const { userId } = await createUserWithKey(h.prisma, 'internal_user');
    const perm = await h.prisma.liteLLM_ObjectPermissionTable.create({ data: { mcp_toolsets: [id] } });
    const granted = bearer(
      (await createKey(h.prisma, { user_id: userId, object_permission_id: perm.object_permission_id })).raw,
    );
    expect((await h.get('/v1/mcp/toolset', granted).expect(200)).body).toEqual([
      expect.objectContaining({ toolset_id: id }),
    ]);
    await h.get(`/v1/mcp/toolset/${id}`, granted).expect(200);

    const other = await h.post('/v1/mcp/toolset', { toolset_name: name('other'), tools: [] }).expect(201);
    await h
      .put('/v1/mcp/toolset', { toolset_id: other.body.toolset_id, toolset_name: toolsetName })
      .expect(409);
    const changed = await h
      .put('/v1/mcp/toolset', { toolset_id: id, description: 'triage', tools: [] })
      .expect(202);
    expect(changed.body).toMatchObject({ toolset_name: toolsetName, description: 'triage', tools: [] });
    await h.put('/v1/mcp/toolset', { toolset_id: 'no-such-toolset' }).expect(404);
    await h.delete(`/v1/mcp/toolset/${id}`, member).expect(403);
    await h.delete(`/v1/mcp/toolset/${id}`).expect(202);
    await h.get(`/v1/mcp/toolset/${id}`).expect(404);
    await h.delete(`/v1/mcp/toolset/${id}`).expect(404);
  });
});

describe('MCP server health (/v1/mcp/server/health)', () => {
  const h = useE2e();
  let upstream: FakeMcpUpstream;
  beforeAll(async () => {
    upstream = await startMcpUpstream({ tools: [{ name: 'ping' }], requireBearer: 'health-token' });
  });
  afterAll(() => upstream?.close());
  const create = async (body: Record<string, unknown>) =>
    (await h.post('/v1/mcp/server', { server_name: name('health'), transport: 'http', ...body }).expect(201))
      .body.server_id as string;

  it('should initialize each server with its stored auth and record the result in its row', async () => {
    const good = await create({
      url: upstream.url,
      auth_type: 'bearer_token',
      credentials: { auth_value: 'health-token' },
    });
    const wrong = await create({
      url: upstream.url,
      auth_type: 'bearer_token',
      credentials: { auth_value: 'nope' },
    });
    const oauth = await create({ url: upstream.url, auth_type: 'oauth2' });
    const res = await h
      .get(`/v1/mcp/server/health?server_ids=${good}&server_ids=${wrong}&server_ids=${oauth}`)
      .expect(200);
    expect(res.body).toEqual(
      expect.arrayContaining([
        { server_id: good, status: 'healthy' },
        { server_id: wrong, status: 'unhealthy' },
        { server_id: oauth, status: 'unknown' },
      ]),
    );
    expect(res.body).toHaveLength(3);
    expect(upstream.requests.some((r) => r.headers.authorization === 'Bearer health-token')).toBe(true);
    const rows = await h.prisma.liteLLM_MCPServerTable.findMany({
      where: { server_id: { in: [good, wrong] } },
    });
    const byId = new Map(rows.map((r) => [r.server_id, r]));
    expect(byId.get(good)).toMatchObject({
      status: 'healthy',
      health_check_error: null,
      last_health_check: expect.any(Date),
    });
    expect(byId.get(wrong)).toMatchObject({ status: 'unhealthy', health_check_error: expect.any(String) });
    const viewed = await h.get(`/v1/mcp/server/${wrong}`).expect(200);
    expect(viewed.body.status).toBe('unhealthy');

    const member = (await createUserWithKey(h.prisma, 'internal_user')).headers;
    const theirs = await h.get(`/v1/mcp/server/health?server_ids=${good}`, member).expect(200);
    expect(theirs.body).toEqual([]);
  });
});

describe('config.yaml mcp_servers and registry.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-config-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      'mcp_servers:',
      '  cfg_tools:',
      '    url: https://cfg.example.com/mcp',
      '    auth_type: api_key',
      '    auth_value: os.environ/CFG_MCP_KEY_FOR_TEST',
      '    access_groups: [cfg_group]',
      '  cfg_internal:',
      '    url: https://internal.example.com/mcp',
      '    available_on_public_internet: false',
      'general_settings:',
      '  enable_mcp_registry: true',
      '  user_mcp_management_mode: view_all',
    ].join('\n'),
  );
  const h = useE2e({ env: { CONFIG_FILE_PATH: configPath, CFG_MCP_KEY_FOR_TEST: 'cfg-secret-value' } });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should serve config.yaml servers beside the rows, with their credentials, never shown', async () => {
    const server = h.app.get(McpRegistryService).find('cfg_tools');
    expect(server).toMatchObject({
      source: 'config',
      transport: 'http',
      credentials: { authValue: 'cfg-secret-value' },
    });
    const listed = await h.get('/v1/mcp/server').expect(200);
    expect(listed.body.map((s: { server_id: string }) => s.server_id)).toContain(server!.serverId);
    const got = await h.get(`/v1/mcp/server/${server!.serverId}`).expect(200);
    expect(got.body).toMatchObject({
      server_name: 'cfg_tools',
      url: 'https://cfg.example.com/mcp',
      credentials: null,
    });
    expect((await h.get('/v1/mcp/server/cfg_tools').expect(200)).body.server_id).toBe(server!.serverId);
    expect((await h.get('/v1/mcp/access_groups').expect(200)).body.access_groups).toContain('cfg_group');
    expect(JSON.stringify([listed.body, got.body])).not.toContain('cfg-secret-value');
    // view_all: a key granted nothing still lists every server (sanitised); a restricted key does not.
    const member = (await createUserWithKey(h.prisma, 'internal_user')).headers;
    const seen = (await h.get('/v1/mcp/server', member).expect(200)).body;
    expect(seen.find((s: Listed) => s.server_id === server!.serverId)).toMatchObject({ url: null });
    const { userId } = await createUserWithKey(h.prisma, 'internal_user');
    const restricted = bearer(
      (await createKey(h.prisma, { user_id: userId, allowed_routes: ['/v1/mcp/server'] })).raw,
    );
    const few = (await h.get('/v1/mcp/server', restricted).expect(200)).body;
    expect(few.map((s: Listed) => s.server_id)).not.toContain(server!.serverId);
  });

  it('should publish registry.json without a key, the aggregate first; a loopback caller is internal and sees internal-only servers', async () => {
    const res = await h.http().get('/v1/mcp/registry.json').expect(200);
    const names = res.body.servers.map((s: { server: { name: string } }) => s.server.name);
    expect(names[0]).toBe('litellm-mcp-server');
    expect(res.body.servers[0].server.remotes[0].url).toMatch(/\/mcp$/);
    expect(names).toEqual(expect.arrayContaining(['cfg_tools', 'cfg_internal']));
    const cfg = res.body.servers.find((s: { server: { name: string } }) => s.server.name === 'cfg_tools');
    expect(cfg.server).toMatchObject({
      version: '1.0.0',
      remotes: [{ type: 'streamable-http', url: expect.stringMatching(/\/cfg_tools\/mcp$/) }],
    });
  });
});

describe.each(BUS_TRANSPORTS)('MCP server registry across pods (%s)', (_transport, env) => {
  const pods = useTwoApps(env);
  it('should serve a server created on pod A from pod B within a second, and drop it when A deletes it', async () => {
    if (pods.skip) return console.warn(`skipped: no Redis at ${TEST_REDIS_URL}`);
    const onB = () => pods.podB.app.get(McpRegistryService);
    const serverName = name('pods');
    const res = await request(pods.podA.app.getHttpServer())
      .post('/v1/mcp/server')
      .set(bearer(MASTER_KEY))
      .send({ server_name: serverName, transport: 'http', url: 'https://mcp.example.com/mcp' })
      .expect(201);
    expect(await eventually(async () => onB().find(serverName) !== undefined, 1000)).toBeLessThan(1000);
    await request(pods.podA.app.getHttpServer())
      .delete(`/v1/mcp/server/${res.body.server_id}`)
      .set(bearer(MASTER_KEY))
      .expect(202);
    await eventually(async () => onB().find(serverName) === undefined, 1000);
  });
});
