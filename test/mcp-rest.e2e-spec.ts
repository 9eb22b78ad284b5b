import type { PrismaService } from '../src/platform/prisma/prisma.service';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { uniq } from './app.factory';
import { bearer, createKey, createMcpServer } from './factories';
import { startMcpUpstream, type FakeMcpUpstream } from './fakes/mcp-upstream';
import { useE2e } from './harness';

/** A server name without LiteLLM's tool-prefix separator (`-`), unique per run. */
const serverName = (label: string) => `${label}_${uniq('').replace(/-/g, '_')}`;

async function keyWith(
  prisma: PrismaService,
  permission: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  const p = await prisma.liteLLM_ObjectPermissionTable.create({ data: permission });
  return createKey(prisma, { object_permission_id: p.object_permission_id, ...extra });
}

describe('GET /v1/mcp/tools and the MCP REST façade (/mcp-rest/tools/list, /mcp-rest/tools/call)', () => {
  // Own database: allow_all_keys servers of other files would join every key's list.
  const h = useE2e({ freshDatabase: 'mcp_rest' });
  let alpha: FakeMcpUpstream;
  let beta: FakeMcpUpstream;
  const alphaName = serverName('alpha');
  const betaName = serverName('beta');
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
    key = await keyWith(h.prisma, { mcp_servers: [alphaId] });
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
    const narrow = await keyWith(h.prisma, {
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
    const limited = await keyWith(h.prisma, { mcp_servers: [alphaId] }, { rpm_limit: 1 });
    const before = calls(alpha);
    await h.post('/mcp-rest/tools/call', { name: `${alphaName}-echo` }, bearer(limited.raw)).expect(200);
    await h.post('/mcp-rest/tools/call', { name: `${alphaName}-echo` }, bearer(limited.raw)).expect(429);
    expect(calls(alpha)).toBe(before + 1);
  });
});
