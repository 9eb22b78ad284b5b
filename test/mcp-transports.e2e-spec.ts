import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { McpSseSessions } from '../src/domains/mcp/gateway/mcp-sse-sessions';
import { McpUpstreamService } from '../src/domains/mcp/gateway/mcp-upstream.service';
import { createKeyWithPermission, createMcpServer, mcpServerName } from './factories';
import { startMcpUpstream, type FakeMcpUpstream } from './fakes/mcp-upstream';
import { useE2e } from './harness';
import { alive } from './pods';

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
  const alphaName = mcpServerName('alpha');
  const betaName = mcpServerName('beta');
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
    key = await createKeyWithPermission(h.prisma, { mcp_servers: [a.server_id] });
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

  it('refuses the next message of an open stream once its key is blocked', async () => {
    const own = await createKeyWithPermission(h.prisma, { mcp_servers: [] });
    const client = await sseClient(`${base}/mcp/sse`, { 'x-litellm-api-key': own.raw });
    await client.listTools();
    await h.post('/key/block', { key: own.raw }).expect(200);
    await expect(client.listTools()).rejects.toThrow(/401/);
    await client.close();
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

  it("sends the client's x-mcp-auth upstream in place of the stored value, as the auth_type says", async () => {
    const gamma = await startMcpUpstream({ tools: [{ name: 'who' }], requireBearer: 'from-the-client' });
    try {
      const row = await createMcpServer(h.prisma, {
        alias: mcpServerName('gamma'),
        url: gamma.url,
        transport: 'http',
        auth_type: 'bearer_token',
        credentials: { auth_value: 'stored-value' },
      });
      await h.app.get(McpRegistryService).reload();
      const own = await createKeyWithPermission(h.prisma, { mcp_servers: [row.server_id] });
      const client = await sseClient(`${base}/mcp/sse`, {
        'x-litellm-api-key': own.raw,
        'x-mcp-auth': 'from-the-client',
      });
      const result = await client.callTool({ name: `${row.alias}-who`, arguments: {} });
      await client.close();
      expect(result.content).toEqual([{ type: 'text', text: 'who ok' }]);
      const call = gamma.requests.find((r) => r.rpc === 'tools/call');
      expect(call?.headers.authorization).toBe('Bearer from-the-client');
    } finally {
      await gamma.close();
    }
  });

  it('serves an anonymous delegate-auth caller over SSE (its bearer goes upstream), writing no spend row', async () => {
    const deleg = await startMcpUpstream({ tools: [{ name: 'mine' }], requireBearer: 'upstream-token' });
    try {
      const row = await createMcpServer(h.prisma, {
        alias: mcpServerName('deleg'),
        url: deleg.url,
        transport: 'http',
        auth_type: 'oauth2',
        delegate_auth_to_upstream: true,
        available_on_public_internet: true,
      });
      await h.app.get(McpRegistryService).reload();
      const rows = () => h.prisma.liteLLM_SpendLogs.count({ where: { call_type: 'call_mcp_tool' } });
      const before = await rows();
      const client = await sseClient(`${base}/mcp/sse`, {
        Authorization: 'Bearer upstream-token',
        'x-mcp-servers': row.alias!,
      });
      const names = (await client.listTools()).tools.map((t) => t.name);
      const result = await client.callTool({ name: `${row.alias}-mine`, arguments: {} });
      await client.close();
      expect(names).toEqual([`${row.alias}-mine`]);
      expect(result.content).toEqual([{ type: 'text', text: 'mine ok' }]);
      // LiteLLM's cost callback skips a request with no key, user, team or end user.
      expect(await rows()).toBe(before);
    } finally {
      await deleg.close();
    }
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

describe('stdio MCP servers: config file only, allowed commands only, one child per server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-stdio-'));
  const configPath = join(dir, 'config.yaml');
  const script = join(__dirname, 'fakes', 'mcp-stdio-server.mjs');
  writeFileSync(
    configPath,
    [
      'mcp_servers:',
      '  local_tools:',
      '    transport: stdio',
      '    command: node',
      `    args: [${JSON.stringify(script)}]`,
      '    env: { GREETING: hello-from-config }',
      '  blocked_tools:',
      '    transport: stdio',
      '    command: /bin/sh',
      `    args: ["-c", "node ${script}"]`,
    ].join('\n'),
  );
  const h = useE2e({ env: { CONFIG_FILE_PATH: configPath } });
  let base: string;
  const master = { Authorization: 'Bearer sk-1234' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    const server = h.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
    const result = await client.callTool({ name, arguments: args });
    return (result.content as { text: string }[])[0].text;
  }

  async function connect(path: string, extra: Record<string, string> = {}): Promise<Client> {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    const headers = { ...master, ...extra };
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}${path}`), { requestInit: { headers } }),
    );
    return client;
  }

  it('lists and calls the tools of a config stdio server, started with its args and env', async () => {
    const client = await connect('/mcp/local_tools');
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    const sum = await call(client, 'local_tools-add', { a: 3, b: 4 });
    const greeting = await call(client, 'local_tools-greet');
    await client.close();
    expect(names).toEqual(['local_tools-add', 'local_tools-exit', 'local_tools-greet', 'local_tools-pid']);
    expect(sum).toBe('7');
    expect(greeting).toBe('hello-from-config');
  });

  it('keeps one child for every caller, starts a new one after it exits, and kills it at shutdown', async () => {
    const client = await connect('/mcp/local_tools');
    const first = await call(client, 'local_tools-pid');
    // Other upstream headers (x-mcp-{alias}-…) would be another HTTP connection; never another child.
    const other = await connect('/mcp/local_tools', { 'x-mcp-local_tools-x-trace': 'other' });
    expect(await call(other, 'local_tools-pid')).toBe(first);
    await other.close();
    expect(await call(client, 'local_tools-exit')).toBe('bye');
    for (let i = 0; i < 40 && alive(Number(first)); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
    // The exited child was dropped when it closed: the next call starts a new one, and does not fail.
    const next = await call(client, 'local_tools-pid');
    await client.close();
    expect(next).not.toBe(first);
    expect(alive(Number(next))).toBe(true);
    await h.app.get(McpUpstreamService).onModuleDestroy();
    for (let i = 0; i < 40 && alive(Number(next)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(Number(next))).toBe(false);
  });

  it('never starts a config stdio server whose command is not allowed (403 naming it)', async () => {
    const client = await connect('/mcp/blocked_tools');
    expect((await client.listTools()).tools).toEqual([]);
    await client.close();
    const res = await fetch(`${base}/mcp/blocked_tools`, {
      method: 'POST',
      headers: {
        ...master,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'blocked_tools-pid', arguments: {} },
      }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("MCP stdio command '/bin/sh' is not in the allowlist");
  });

  it('never starts a stdio server stored in the database, and the API refuses to create one (400)', async () => {
    const row = await createMcpServer(h.prisma, {
      alias: mcpServerName('stored_stdio'),
      transport: 'stdio',
      command: 'node',
      args: [script],
    });
    await h.app.get(McpRegistryService).reload();
    const client = await connect(`/mcp/${row.alias}`);
    expect((await client.listTools()).tools).toEqual([]);
    await client.close();
    const created = await h
      .post('/v1/mcp/server', {
        server_name: mcpServerName('api_stdio'),
        transport: 'stdio',
        command: 'node',
        args: [script],
      })
      .expect(400);
    expect(JSON.stringify(created.body)).toContain('config file');
  });
});
