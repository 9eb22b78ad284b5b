import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { McpHealthJob } from '../src/domains/mcp/registry/mcp-health.job';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { CronLeaseService } from '../src/scheduler/cron-lease.service';
import { SchedulerService } from '../src/scheduler/scheduler.service';
import { MASTER_KEY } from './app.factory';
import {
  bearer,
  createKey,
  createKeyWithPermission,
  createMcpServer,
  createTeam,
  createUserWithKey,
  mcpServerName,
} from './factories';
import { startMcpUpstream, type FakeMcpUpstream } from './fakes/mcp-upstream';
import { useE2e } from './harness';
import { eventually } from './pods';
import { BUS_TRANSPORTS, TEST_REDIS_URL, useTwoApps } from './two-apps';

describe('GET /v1/mcp/tools and the MCP REST façade (/mcp-rest/tools/list, /mcp-rest/tools/call)', () => {
  // Own database: allow_all_keys servers of other files would join every key's list.
  const h = useE2e({ freshDatabase: 'mcp_rest' });
  let alpha: FakeMcpUpstream;
  let beta: FakeMcpUpstream;
  const alphaName = mcpServerName('alpha');
  const betaName = mcpServerName('beta');
  let alphaId: string;
  let betaId: string;
  let key: { raw: string; token: string };
  const calls = (u: FakeMcpUpstream) => u.rpcs().filter((m) => m === 'tools/call').length;

  beforeAll(async () => {
    alpha = await startMcpUpstream({
      tools: [
        { name: 'add', description: 'Adds', answer: (a) => String(Number(a.a) + Number(a.b)) },
        { name: 'echo' },
      ],
      requireHeaders: { 'x-api-key': 'alpha-secret' },
    });
    beta = await startMcpUpstream({ tools: [{ name: 'secret' }] });
    alphaId = (
      await createMcpServer(h.prisma, {
        alias: alphaName,
        url: alpha.url,
        transport: 'http',
        auth_type: 'api_key',
        credentials: { auth_value: 'alpha-secret' },
        mcp_info: { logo_url: 'https://example.com/logo.png' },
      })
    ).server_id;
    betaId = (await createMcpServer(h.prisma, { alias: betaName, url: beta.url, transport: 'http' }))
      .server_id;
    key = await createKeyWithPermission(h.prisma, { mcp_servers: [alphaId] });
    await h.app.get(McpRegistryService).reload();
  });
  afterAll(async () => {
    await alpha?.close();
    await beta?.close();
  });

  it("should list, under GET /v1/mcp/tools, the permitted servers' tools prefixed with the server name", async () => {
    const res = await h.get('/v1/mcp/tools', bearer(key.raw)).expect(200);
    expect(res.body.tools.map((t: { name: string }) => t.name).sort()).toEqual([
      `${alphaName}-add`,
      `${alphaName}-echo`,
    ]);
    expect(res.body.tools.find((t: { name: string }) => t.name === `${alphaName}-add`)).toMatchObject({
      description: 'Adds',
      inputSchema: { type: 'object' },
    });
    expect(beta.rpcs()).not.toContain('tools/list');
    const all = await h.get('/v1/mcp/tools').expect(200);
    expect(all.body.tools.map((t: { name: string }) => t.name)).toContain(`${betaName}-secret`);
  });

  it('should list tools by their upstream names with the server in mcp_info, and one server by server_id', async () => {
    const res = await h.get('/mcp-rest/tools/list', bearer(key.raw)).expect(200);
    expect(res.body).toMatchObject({ error: null, message: 'Successfully retrieved tools' });
    expect(res.body.tools.map((t: { name: string }) => t.name).sort()).toEqual(['add', 'echo']);
    expect(res.body.tools[0].mcp_info).toEqual({
      logo_url: 'https://example.com/logo.png',
      server_name: alphaName,
      server_id: alphaId,
    });
    const one = await h.get(`/mcp-rest/tools/list?server_id=${betaId}`).expect(200);
    expect(one.body.tools.map((t: { name: string }) => t.name)).toEqual(['secret']);
    // A server the key may not use does not exist for it.
    const theirs = await h.get(`/mcp-rest/tools/list?server_id=${betaId}`, bearer(key.raw)).expect(200);
    expect(theirs.body).toEqual({
      tools: [],
      error: 'server_not_found',
      message: `Server with id ${betaId} not found`,
    });
  });

  it('should report a failing server as LiteLLM does: server_error when asked for, partial_failure when all fail', async () => {
    const down = (
      await createMcpServer(h.prisma, {
        alias: mcpServerName('down'),
        url: 'http://127.0.0.1:9/mcp',
        transport: 'http',
      })
    ).server_id;
    await h.app.get(McpRegistryService).reload();
    const both = await createKeyWithPermission(h.prisma, { mcp_servers: [alphaId, down] });
    const onlyDown = await createKeyWithPermission(h.prisma, { mcp_servers: [down] });
    const some = await h.get('/mcp-rest/tools/list', bearer(both.raw)).expect(200);
    expect(some.body).toMatchObject({ error: null, message: 'Successfully retrieved tools' });
    expect(some.body.tools.map((t: { name: string }) => t.name).sort()).toEqual(['add', 'echo']);
    const one = await h.get(`/mcp-rest/tools/list?server_id=${down}`, bearer(both.raw)).expect(200);
    expect(one.body).toMatchObject({ tools: [], error: 'server_error' });
    expect(one.body.message).toMatch(/^Failed to get tools from server down_/);
    const none = await h.get('/mcp-rest/tools/list', bearer(onlyDown.raw)).expect(200);
    expect(none.body).toMatchObject({ tools: [], error: 'partial_failure' });
    expect(none.body.message).toMatch(/^Failed to get tools from servers: down_/);
  });

  it('should call a tool by its prefixed name, or by server_id and its upstream name, and log a call_mcp_tool spend row each', async () => {
    const byName = await h
      .post('/mcp-rest/tools/call', { name: `${alphaName}-add`, arguments: { a: 2, b: 3 } }, bearer(key.raw))
      .expect(200);
    expect(byName.body).toMatchObject({ content: [{ type: 'text', text: '5' }] });
    expect(byName.body.isError).toBeFalsy();
    const byId = await h
      .post(
        '/mcp-rest/tools/call',
        { name: 'add', server_id: alphaId, arguments: { a: 1, b: 1 } },
        bearer(key.raw),
      )
      .expect(200);
    expect(byId.body.content).toEqual([{ type: 'text', text: '2' }]);
    const rows = await h.prisma.liteLLM_SpendLogs.findMany({
      where: { api_key: key.token, call_type: 'call_mcp_tool' },
    });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ status: 'success', requester_ip_address: '127.0.0.1' });
  });

  it("should refuse with LiteLLM's 403 a tool the key may not call, before anything goes upstream", async () => {
    const before = calls(beta);
    const res = await h
      .post('/mcp-rest/tools/call', { name: `${betaName}-secret`, arguments: {} }, bearer(key.raw))
      .expect(403);
    expect(res.body.error.message).toBe(
      `User not allowed to call this tool. Allowed MCP servers: [${alphaName}]`,
    );
    await h.post('/mcp-rest/tools/call', { name: 'secret', server_id: betaId }, bearer(key.raw)).expect(403);
    const narrow = await createKeyWithPermission(h.prisma, {
      mcp_servers: [],
      mcp_tool_permissions: { [alphaId]: ['echo'] },
    });
    const alphaBefore = calls(alpha);
    await h.post('/mcp-rest/tools/call', { name: `${alphaName}-add` }, bearer(narrow.raw)).expect(403);
    await h.post('/mcp-rest/tools/call', { name: `${alphaName}-echo` }, bearer(narrow.raw)).expect(200);
    expect(calls(beta)).toBe(before);
    expect(calls(alpha)).toBe(alphaBefore + 1);
    await h.post('/mcp-rest/tools/call', { arguments: {} }, bearer(key.raw)).expect(422);
  });

  it("should apply the key's rpm_limit: the second call in the minute is 429 and never reaches the upstream", async () => {
    const limited = await createKeyWithPermission(h.prisma, { mcp_servers: [alphaId] }, { rpm_limit: 1 });
    const before = calls(alpha);
    await h.post('/mcp-rest/tools/call', { name: `${alphaName}-echo` }, bearer(limited.raw)).expect(200);
    await h.post('/mcp-rest/tools/call', { name: `${alphaName}-echo` }, bearer(limited.raw)).expect(429);
    expect(calls(alpha)).toBe(before + 1);
  });
});

describe('MCP visibility by address: mcp_internal_ip_ranges, X-Forwarded-For, public_mcp_servers and make_public', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-ip-'));
  const configPath = join(dir, 'config.yaml');
  let upstream: FakeMcpUpstream;
  // Registered before useE2e's, so the upstream is up (and its URL in the environment) when the app reads config.yaml.
  beforeAll(async () => {
    upstream = await startMcpUpstream({ tools: [{ name: 'inside' }] });
    process.env.MCP_IP_TEST_URL = upstream.url;
  });
  const h = useE2e({ freshDatabase: 'mcp_ip', env: { CONFIG_FILE_PATH: configPath } });
  const registry = () => h.app.get(McpRegistryService);
  const from = (ip: string, headers = h.master) => ({ ...headers, 'x-forwarded-for': ip });
  const toolNames = async (ip: string) =>
    (await h.get('/v1/mcp/tools', from(ip)).expect(200)).body.tools.map((t: { name: string }) => t.name);

  afterAll(async () => {
    delete process.env.MCP_IP_TEST_URL;
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(
    configPath,
    [
      'mcp_servers:',
      '  cfg_inside:',
      '    url: os.environ/MCP_IP_TEST_URL',
      '    transport: http',
      '    available_on_public_internet: false',
      'general_settings:',
      '  use_x_forwarded_for: true',
      '  mcp_trusted_proxy_ranges: ["127.0.0.0/8", "::1/128"]',
      '  mcp_internal_ip_ranges: ["203.0.113.0/24"]',
      '  enable_mcp_registry: true',
      '  mcp_required_fields: [description, auth_type]',
    ].join('\n'),
  );

  it('should read the client address from X-Forwarded-For of a trusted proxy', async () => {
    expect((await h.get('/v1/mcp/network/client-ip', from('8.8.8.8')).expect(200)).body).toEqual({
      ip: '8.8.8.8',
    });
    expect((await h.get('/v1/mcp/network/client-ip').expect(200)).body).toEqual({ ip: '127.0.0.1' });
  });

  it('should hide an internal-only server from a public address and from private ones outside mcp_internal_ip_ranges', async () => {
    expect(await toolNames('203.0.113.9')).toEqual(['cfg_inside-inside']);
    expect(await toolNames('8.8.8.8')).toEqual([]);
    // 10.0.0.0/8 is private, but mcp_internal_ip_ranges replaced LiteLLM's default ranges.
    expect(await toolNames('10.0.0.1')).toEqual([]);
    const json = await h.http().get('/v1/mcp/registry.json').set('x-forwarded-for', '8.8.8.8').expect(200);
    expect(json.body.servers.map((s: { server: { name: string } }) => s.server.name)).toEqual([
      'litellm-mcp-server',
    ]);
    const rest = await h.get('/mcp-rest/tools/list', from('8.8.8.8')).expect(200);
    expect(rest.body.tools).toEqual([]);
  });

  it('should make a server public for every address with POST /v1/mcp/make_public, stored in LiteLLM_Config', async () => {
    const id = registry().find('cfg_inside')!.serverId;
    const { userId } = await createUserWithKey(h.prisma, 'internal_user');
    const member = bearer((await createKey(h.prisma, { user_id: userId })).raw);
    await h.post('/v1/mcp/make_public', { mcp_server_ids: [id] }, member).expect(403);
    await h.post('/v1/mcp/make_public', { mcp_server_ids: ['no-such-server'] }).expect(404);
    await h.prisma.liteLLM_Config.create({
      data: { param_name: 'litellm_settings', param_value: { drop_params: true } },
    });
    const res = await h.post('/v1/mcp/make_public', { mcp_server_ids: [id, id] }).expect(202);
    expect(res.body).toMatchObject({ public_mcp_servers: [id], updated_by: expect.any(String) });
    const row = await h.prisma.liteLLM_Config.findUniqueOrThrow({
      where: { param_name: 'litellm_settings' },
    });
    expect(row.param_value).toEqual({ drop_params: true, public_mcp_servers: [id] });
    expect(await toolNames('8.8.8.8')).toEqual(['cfg_inside-inside']);
    const listed = (await h.get('/v1/mcp/server').expect(200)).body.find(
      (s: { server_id: string }) => s.server_id === id,
    );
    expect(listed.mcp_info).toMatchObject({ is_public: true });
    await h.post('/v1/mcp/make_public', { mcp_server_ids: [] }).expect(202);
    expect(await toolNames('8.8.8.8')).toEqual([]);
    const audit = await h.prisma.liteLLM_AuditLog.findMany({
      where: { table_name: 'LiteLLM_Config', object_id: 'litellm_settings' },
      orderBy: { updated_at: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.before_value, a.updated_values])).toEqual([
      ['updated', { public_mcp_servers: [] }, { public_mcp_servers: [id] }],
      ['updated', { public_mcp_servers: [id] }, { public_mcp_servers: [] }],
    ]);
  });

  it('should health-check a server live on GET /v1/mcp/server/{id}, and hide an internal-only config server from a public address', async () => {
    const id = registry().find('cfg_inside')!.serverId;
    await h.get(`/v1/mcp/server/${id}`, from('8.8.8.8')).expect(404);
    await h.get('/v1/mcp/server/cfg_inside', from('8.8.8.8')).expect(404);
    const inside = await h.get(`/v1/mcp/server/${id}`, from('203.0.113.9')).expect(200);
    expect(inside.body).toMatchObject({ status: 'healthy', health_check_error: null });
    expect(Date.parse(inside.body.last_health_check)).toBeGreaterThan(Date.now() - 60_000);
    const initializes = upstream.rpcs().filter((m) => m === 'initialize').length;
    await h.get(`/v1/mcp/server/${id}`, from('203.0.113.9')).expect(200);
    expect(upstream.rpcs().filter((m) => m === 'initialize').length).toBe(initializes + 1);
    // A stored server whose upstream is down: the answer says so, the row is left to the list and the job.
    const down = await h
      .post('/v1/mcp/server', {
        server_name: mcpServerName('down'),
        transport: 'http',
        url: 'http://127.0.0.1:9/mcp',
      })
      .expect(201);
    const got = await h.get(`/v1/mcp/server/${down.body.server_id}`).expect(200);
    expect(got.body).toMatchObject({ status: 'unhealthy', health_check_error: expect.any(String) });
  });

  it('should refuse a submission missing a field of mcp_required_fields (auth_type "none" counts as missing)', async () => {
    const team = await createTeam(h.prisma);
    const { userId } = await createUserWithKey(h.prisma, 'internal_user');
    const member = bearer((await createKey(h.prisma, { user_id: userId, team_id: team.team_id })).raw);
    const submission = (body: Record<string, unknown>) => ({
      server_name: mcpServerName('sub'),
      transport: 'http',
      url: 'https://mcp.example.com/mcp',
      ...body,
    });
    const res = await h
      .post('/v1/mcp/server/register', submission({ auth_type: 'none' }), member)
      .expect(400);
    expect(res.body.error.message).toBe('Submission is missing required fields: ["description","auth_type"]');
    await h
      .post('/v1/mcp/server/register', submission({ description: 'Docs', auth_type: 'api_key' }), member)
      .expect(201);
  });

  it('should answer the curated discover and openapi-registry lists to the admin view only', async () => {
    const all = await h.get('/v1/mcp/discover').expect(200);
    expect(all.body.servers.length).toBeGreaterThan(0);
    expect(all.body.categories).toContain('Developer tools');
    const some = await h.get('/v1/mcp/discover?query=Pull%20Requests&category=developer%20tools').expect(200);
    expect(some.body.servers.map((s: { name: string }) => s.name)).toEqual(['github']);
    expect((await h.get('/v1/mcp/openapi-registry').expect(200)).body.apis.length).toBeGreaterThan(0);
    const { headers } = await createUserWithKey(h.prisma, 'internal_user');
    await h.get('/v1/mcp/discover', headers).expect(403);
    await h.get('/v1/mcp/openapi-registry', headers).expect(403);
  });
});

describe.each(BUS_TRANSPORTS)('make_public across pods (%s)', (_transport, env) => {
  const pods = useTwoApps(env);
  it('should show a server made public on pod A as public on pod B within a second', async () => {
    if (pods.skip) return console.warn(`skipped: no Redis at ${TEST_REDIS_URL}`);
    const created = await request(pods.podA.app.getHttpServer())
      .post('/v1/mcp/server')
      .set(bearer(MASTER_KEY))
      .send({
        server_name: mcpServerName('pub'),
        transport: 'http',
        url: 'https://mcp.example.com/mcp',
        available_on_public_internet: false,
      })
      .expect(201);
    const id = created.body.server_id as string;
    await request(pods.podA.app.getHttpServer())
      .post('/v1/mcp/make_public')
      .set(bearer(MASTER_KEY))
      .send({ mcp_server_ids: [id] })
      .expect(202);
    const onB = () => pods.podB.app.get(McpRegistryService);
    expect(await eventually(async () => onB().publicServerIds().has(id), 1000)).toBeLessThan(1000);
  });
});

describe('the scheduled MCP health job (registered by the MCP module with the scheduler)', () => {
  // Own database: the job checks every served server, and the lease must be free.
  const h = useE2e({ freshDatabase: 'mcp_job', env: { MCP_HEALTH_CHECK_INTERVAL_SECONDS: '600' } });
  let upstream: FakeMcpUpstream;
  beforeAll(async () => {
    upstream = await startMcpUpstream({ tools: [{ name: 'ping' }], requireBearer: 'job-token' });
  });
  afterAll(() => upstream?.close());

  it('should check every served server once per window on the leader and write status, last_health_check and health_check_error', async () => {
    const make = async (body: Record<string, unknown>) =>
      (
        await createMcpServer(h.prisma, {
          alias: mcpServerName('job'),
          url: upstream.url,
          transport: 'http',
          ...body,
        })
      ).server_id;
    const good = await make({ auth_type: 'bearer_token', credentials: { auth_value: 'job-token' } });
    const wrong = await make({ auth_type: 'bearer_token', credentials: { auth_value: 'nope' } });
    const oauth = await make({ auth_type: 'oauth2' });
    const pending = await make({ approval_status: 'pending_review' });
    await h.app.get(McpRegistryService).reload();

    const scheduler = h.app.get(SchedulerService);
    const job = h.app.get(McpHealthJob);
    expect((await scheduler.status()).jobs).toContainEqual(
      expect.objectContaining({ name: 'mcp_health_check', enabled: true, window_seconds: 600 }),
    );
    const lease = (await h.app.get(CronLeaseService).acquire())!;
    const now = new Date();
    expect(await scheduler.runWindow(job, lease, now)).toBe('ran');
    const rows = new Map(
      (
        await h.prisma.liteLLM_MCPServerTable.findMany({
          where: { server_id: { in: [good, wrong, oauth, pending] } },
        })
      ).map((r) => [r.server_id, r]),
    );
    expect(rows.get(good)).toMatchObject({ status: 'healthy', health_check_error: null });
    expect(rows.get(good)!.last_health_check!.getTime()).toBeGreaterThanOrEqual(now.getTime() - 1000);
    expect(rows.get(wrong)).toMatchObject({ status: 'unhealthy', health_check_error: expect.any(String) });
    expect(rows.get(oauth)).toMatchObject({ status: 'unknown' });
    // Not served, so not checked: the column default stays.
    expect(rows.get(pending)).toMatchObject({ status: 'unknown', last_health_check: null });
    // Once per window: a second run in the same window does nothing.
    const initializes = upstream.rpcs().filter((m) => m === 'initialize').length;
    expect(await scheduler.runWindow(job, lease, now)).toBe('skipped');
    expect(upstream.rpcs().filter((m) => m === 'initialize').length).toBe(initializes);
  });
});
