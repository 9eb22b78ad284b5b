import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { PrismaService } from '../src/platform/prisma/prisma.service';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { McpSseSessions } from '../src/domains/mcp/gateway/mcp-sse-sessions';
import { uniq } from './app.factory';
import { createKey, createMcpServer } from './factories';
import { startMcpUpstream, type FakeMcpUpstream } from './fakes/mcp-upstream';
import { useE2e } from './harness';

/** A server name without LiteLLM's tool-prefix separator (`-`), unique per run. */
const serverName = (label: string) => `${label}_${uniq('').replace(/-/g, '_')}`;

async function keyWithMcpServers(prisma: PrismaService, servers: string[]) {
  const permission = await prisma.liteLLM_ObjectPermissionTable.create({ data: { mcp_servers: servers } });
  return createKey(prisma, { object_permission_id: permission.object_permission_id });
}

async function sseClient(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'e2e-sse', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe('MCP gateway over the legacy SSE transport (GET /mcp/sse + POST /mcp/sse/messages)', () => {
  const h = useE2e({ freshDatabase: 'mcp_sse' });
  let base: string;
  let alpha: FakeMcpUpstream;
  let beta: FakeMcpUpstream;
  const alphaName = serverName('alpha');
  const betaName = serverName('beta');
  let key: { raw: string; token: string };

  beforeAll(async () => {
    const server = h.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    alpha = await startMcpUpstream({
      tools: [{ name: 'add', answer: (a) => String(Number(a.a) + Number(a.b)) }],
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
    key = await keyWithMcpServers(h.prisma, [a.server_id]);
    await h.app.get(McpRegistryService).reload();
  });
  afterAll(async () => {
    await alpha?.close();
    await beta?.close();
  });

  it('lists and calls through the SDK SSE client; the call has a spend row', async () => {
    const client = await sseClient(`${base}/mcp/sse`, { 'x-litellm-api-key': key.raw });
    const { tools } = await client.listTools();
    const result = await client.callTool({ name: `${alphaName}-add`, arguments: { a: 4, b: 5 } });
    await client.close();
    expect(tools.map((t) => t.name)).toEqual([`${alphaName}-add`]);
    expect(result.content).toEqual([{ type: 'text', text: '9' }]);
    expect(alpha.requests.find((r) => r.rpc === 'tools/call')?.headers['x-api-key']).toBe('alpha-secret');
    const rows = await h.prisma.liteLLM_SpendLogs.findMany({
      where: { api_key: key.token, call_type: 'call_mcp_tool' },
    });
    expect(rows).toHaveLength(1);
  });

  it("refuses a tool of a server the key does not have with LiteLLM's error, without calling it", async () => {
    const client = await sseClient(`${base}/mcp/sse`, {
      'x-litellm-api-key': key.raw,
      'x-mcp-servers': betaName,
    });
    const { tools } = await client.listTools();
    const result = await client.callTool({ name: `${betaName}-secret`, arguments: {} });
    await client.close();
    expect(tools).toEqual([]);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('User not allowed to call this tool');
    expect(beta.rpcs()).not.toContain('tools/call');
  });

  it("refuses the stream without a key (LiteLLM's 401, no stream opened)", async () => {
    const before = h.app.get(McpSseSessions).size;
    const res = await fetch(`${base}/mcp/sse`, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('No api key passed in');
    // Streams of the tests before may still be closing: none was added.
    expect(h.app.get(McpSseSessions).size).toBeLessThanOrEqual(before);
  });

  it('refuses a message without a session, or for a session it does not hold (404)', async () => {
    const headers = { 'content-type': 'application/json', 'x-litellm-api-key': key.raw };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const missing = await fetch(`${base}/mcp/sse/messages`, { method: 'POST', headers, body });
    const unknown = await fetch(`${base}/mcp/sse/messages?session_id=nope`, {
      method: 'POST',
      headers,
      body,
    });
    expect(missing.status).toBe(400);
    expect(unknown.status).toBe(404);
  });

  it('answers streamable HTTP on /mcp/sse as the aggregate /mcp (sse is never a server name)', async () => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp/sse`), {
        requestInit: { headers: { 'x-litellm-api-key': key.raw } },
      }),
    );
    const { tools } = await client.listTools();
    await client.close();
    expect(tools.map((t) => t.name)).toEqual([`${alphaName}-add`]);
  });
});
