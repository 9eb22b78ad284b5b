import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { PrismaService } from '../src/platform/prisma/prisma.service';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { uniq } from './app.factory';
import { createKey, createMcpServer } from './factories';
import { startMcpUpstream, type FakeMcpUpstream } from './fakes/mcp-upstream';
import { useE2e } from './harness';

/** A server name without LiteLLM's tool-prefix separator (`-`), unique per run. */
const serverName = (label: string) => `${label}_${uniq('').replace(/-/g, '_')}`;

/** A key whose object permission lists `servers` (ids or names) in `mcp_servers`. */
async function keyWithMcpServers(
  prisma: PrismaService,
  servers: string[],
  extra: Record<string, unknown> = {},
) {
  const permission = await prisma.liteLLM_ObjectPermissionTable.create({
    data: { mcp_servers: servers, ...extra },
  });
  return createKey(prisma, { object_permission_id: permission.object_permission_id });
}

async function connect(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe('MCP gateway through the official MCP SDK (two SDK upstreams)', () => {
  const h = useE2e();
  let base: string;
  let alpha: FakeMcpUpstream;
  let beta: FakeMcpUpstream;
  const alphaName = serverName('alpha');
  const betaName = serverName('beta');
  let alphaId: string;
  let key: { raw: string; token: string };

  beforeAll(async () => {
    const server = h.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    alpha = await startMcpUpstream({
      tools: [{ name: 'add', answer: (a) => String(Number(a.a) + Number(a.b)) }, { name: 'echo' }],
      requireHeaders: { 'x-api-key': 'alpha-secret' },
    });
    beta = await startMcpUpstream({ tools: [{ name: 'secret' }] });
    const a = await createMcpServer(h.prisma, {
      alias: alphaName,
      url: alpha.url,
      transport: 'http',
      auth_type: 'api_key',
      credentials: { auth_value: 'alpha-secret' },
    });
    await createMcpServer(h.prisma, { alias: betaName, url: beta.url, transport: 'http' });
    alphaId = a.server_id;
    key = await keyWithMcpServers(h.prisma, [alphaId]);
    // Rows written behind the API's back: the registry reloads as after a management change.
    await h.app.get(McpRegistryService).reload();
  });
  afterAll(async () => {
    await alpha?.close();
    await beta?.close();
  });

  it('lists only the permitted servers tools, prefixed with the server name', async () => {
    const client = await connect(`${base}/mcp`, { 'x-litellm-api-key': key.raw });
    const { tools } = await client.listTools();
    await client.close();
    expect(tools.map((t) => t.name).sort()).toEqual([`${alphaName}-add`, `${alphaName}-echo`]);
    expect(beta.rpcs()).not.toContain('tools/list');
  });

  it('calls a tool on the right upstream with the stored api_key, and logs a call_mcp_tool spend row', async () => {
    const client = await connect(`${base}/mcp/${alphaName}`, { Authorization: `Bearer ${key.raw}` });
    const result = await client.callTool({ name: `${alphaName}-add`, arguments: { a: 2, b: 3 } });
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: 'text', text: '5' }]);
    const call = alpha.requests.find((r) => r.rpc === 'tools/call');
    expect(call?.headers['x-api-key']).toBe('alpha-secret');
    // The LiteLLM key authenticated the caller and never went upstream.
    expect(alpha.requests.every((r) => !JSON.stringify(r.headers).includes(key.raw))).toBe(true);
    const rows = await h.prisma.liteLLM_SpendLogs.findMany({
      where: { api_key: key.token, call_type: 'call_mcp_tool' },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ spend: 0, model: `${alphaName}-add`, status: 'success' });
    expect(rows[0].metadata).toMatchObject({ mcp_namespaced_tool_name: `${alphaName}-add` });
  });

  it("refuses a tool of a server the key does not have with LiteLLM's error, without calling it", async () => {
    const client = await connect(`${base}/mcp`, { 'x-litellm-api-key': key.raw });
    const result = await client.callTool({ name: `${betaName}-secret`, arguments: {} });
    await client.close();
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('User not allowed to call this tool');
    expect(beta.rpcs()).not.toContain('tools/call');
  });

  it('gives the master key every server', async () => {
    const client = await connect(`${base}/mcp/${alphaName},${betaName}`, { Authorization: 'Bearer sk-1234' });
    const names = (await client.listTools()).tools.map((t) => t.name);
    const result = await client.callTool({ name: `${betaName}-secret`, arguments: {} });
    await client.close();
    expect(names).toEqual(expect.arrayContaining([`${alphaName}-add`, `${betaName}-secret`]));
    expect(result.content).toEqual([{ type: 'text', text: 'secret ok' }]);
  });

  it('answers a LiteLLM 401 to a request without a key on a server that does not delegate', async () => {
    const res = await h
      .http()
      .post(`/mcp/${alphaName}`)
      .set('accept', 'application/json, text/event-stream')
      .send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ type: 'auth_error' });
  });
});
