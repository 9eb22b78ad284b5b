import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { uniq } from './app.factory';
import { createKey, createKeyWithPermission, createMcpServer, mcpServerName } from './factories';
import { startMcpSseUpstream, startMcpUpstream, type FakeMcpUpstream } from './fakes/mcp-upstream';
import { useE2e } from './harness';

async function connect(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe('MCP gateway through the official MCP SDK (two SDK upstreams)', () => {
  // Own database: allow_all_keys servers of other runs would otherwise join every key's list.
  const h = useE2e({ freshDatabase: 'mcp_gw' });
  let base: string;
  let alpha: FakeMcpUpstream;
  let beta: FakeMcpUpstream;
  const alphaName = mcpServerName('alpha');
  const betaName = mcpServerName('beta');
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
    key = await createKeyWithPermission(h.prisma, { mcp_servers: [alphaId] });
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
    expect(rows[0]).toMatchObject({
      spend: 0,
      model: 'MCP: add',
      custom_llm_provider: alphaName,
      mcp_namespaced_tool_name: `${alphaName}-add`,
      status: 'success',
      requester_ip_address: '127.0.0.1',
    });
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

  it("narrows a server's tools by the key's mcp_tool_permissions and refuses the others", async () => {
    const narrow = await createKeyWithPermission(h.prisma, {
      mcp_servers: [],
      mcp_tool_permissions: { [alphaId]: ['echo'] },
    });
    const client = await connect(`${base}/mcp`, { 'x-litellm-api-key': narrow.raw });
    const names = (await client.listTools()).tools.map((t) => t.name);
    const calls = alpha.rpcs().filter((m) => m === 'tools/call').length;
    const refused = await client.callTool({ name: `${alphaName}-add`, arguments: { a: 1, b: 1 } });
    await client.close();
    expect(names).toEqual([`${alphaName}-echo`]);
    expect(refused.isError).toBe(true);
    expect(alpha.rpcs().filter((m) => m === 'tools/call').length).toBe(calls);
  });

  it('grants the servers of an MCP access group named in the key permission', async () => {
    const grouped = await createMcpServer(h.prisma, {
      alias: mcpServerName('grouped'),
      url: beta.url,
      transport: 'http',
      mcp_access_groups: ['e2e-group'],
    });
    await h.app.get(McpRegistryService).reload();
    const member = await createKeyWithPermission(h.prisma, {
      mcp_servers: [],
      mcp_access_groups: ['e2e-group'],
    });
    const client = await connect(`${base}/mcp`, { 'x-litellm-api-key': member.raw });
    const names = (await client.listTools()).tools.map((t) => t.name);
    await client.close();
    expect(names).toEqual([`${grouped.alias}-secret`]);
  });

  it("applies the key's rpm_limit to tool calls: the second call in the minute is 429 and never reaches the upstream", async () => {
    const limited = await createKey(h.prisma, {
      rpm_limit: 1,
      object_permission_id: (
        await h.prisma.liteLLM_ObjectPermissionTable.create({ data: { mcp_servers: [alphaId] } })
      ).object_permission_id,
    });
    const client = await connect(`${base}/mcp`, { 'x-litellm-api-key': limited.raw });
    const calls = () => alpha.rpcs().filter((m) => m === 'tools/call').length;
    const before = calls();
    await client.callTool({ name: `${alphaName}-echo`, arguments: {} });
    await expect(client.callTool({ name: `${alphaName}-echo`, arguments: {} })).rejects.toThrow(/429/);
    await client.close();
    expect(calls()).toBe(before + 1);
  });

  it('sends the stored bearer token, static headers, named extra headers and x-mcp-{alias}-* headers upstream', async () => {
    const gamma = await startMcpUpstream({ tools: [{ name: 'ping' }] });
    try {
      const alias = mcpServerName('gamma');
      await createMcpServer(h.prisma, {
        alias,
        url: gamma.url,
        transport: 'http',
        auth_type: 'bearer_token',
        credentials: { auth_value: 'gamma-token' },
        static_headers: { 'x-static': 'fixed' },
        extra_headers: ['x-trace'],
        allow_all_keys: true,
      });
      await h.app.get(McpRegistryService).reload();
      const client = await connect(`${base}/mcp/${alias}`, {
        'x-litellm-api-key': key.raw,
        'x-trace': 'trace-1',
        [`x-mcp-${alias}-x-user`]: 'u-7',
        'x-not-forwarded': 'no',
      });
      await client.callTool({ name: `${alias}-ping`, arguments: {} });
      await client.close();
      const sent = gamma.requests.find((r) => r.rpc === 'tools/call')!.headers;
      expect(sent).toMatchObject({
        authorization: 'Bearer gamma-token',
        'x-static': 'fixed',
        'x-trace': 'trace-1',
        'x-user': 'u-7',
      });
      expect(sent['x-not-forwarded']).toBeUndefined();
      expect(sent['x-litellm-api-key']).toBeUndefined();
    } finally {
      await gamma.close();
    }
  });

  it("sends a user's own stored credential: the BYOK value, or the access token of a per-user OAuth token", async () => {
    const byokUp = await startMcpUpstream({
      tools: [{ name: 'mine' }],
      requireHeaders: { 'x-api-key': 'user-own-key' },
    });
    const oauthUp = await startMcpUpstream({
      tools: [{ name: 'theirs' }],
      requireBearer: 'user-oauth-token',
    });
    try {
      const byok = await createMcpServer(h.prisma, {
        alias: mcpServerName('byok'),
        url: byokUp.url,
        transport: 'http',
        auth_type: 'api_key',
        is_byok: true,
      });
      const oauth = await createMcpServer(h.prisma, {
        alias: mcpServerName('oauth'),
        url: oauthUp.url,
        transport: 'http',
        auth_type: 'oauth2',
      });
      await h.app.get(McpRegistryService).reload();
      const user = uniq('mcp-user');
      await h.prisma.liteLLM_UserTable.create({ data: { user_id: user } });
      const stored = (text: string) => Buffer.from(text).toString('base64');
      await h.prisma.liteLLM_MCPUserCredentials.createMany({
        data: [
          { user_id: user, server_id: byok.server_id, credential_b64: stored('user-own-key') },
          {
            user_id: user,
            server_id: oauth.server_id,
            credential_b64: stored(JSON.stringify({ access_token: 'user-oauth-token' })),
          },
        ],
      });
      const permission = await h.prisma.liteLLM_ObjectPermissionTable.create({
        data: { mcp_servers: [byok.server_id, oauth.server_id] },
      });
      const own = await createKey(h.prisma, {
        user_id: user,
        object_permission_id: permission.object_permission_id,
      });
      const client = await connect(`${base}/mcp`, { 'x-litellm-api-key': own.raw });
      const mine = await client.callTool({ name: `${byok.alias}-mine`, arguments: {} });
      const theirs = await client.callTool({ name: `${oauth.alias}-theirs`, arguments: {} });
      await client.close();
      expect(mine.content).toEqual([{ type: 'text', text: 'mine ok' }]);
      expect(theirs.content).toEqual([{ type: 'text', text: 'theirs ok' }]);
    } finally {
      await Promise.all([byokUp.close(), oauthUp.close()]);
    }
  });

  it('opens a new upstream session when a stateful upstream forgot the pooled one (restart), without a second tool run', async () => {
    const runs: number[] = [];
    const up = await startMcpUpstream({
      stateful: true,
      tools: [{ name: 'count', answer: () => String(runs.push(1)) }],
    });
    try {
      const alias = mcpServerName('stateful');
      await createMcpServer(h.prisma, { alias, url: up.url, transport: 'http', allow_all_keys: true });
      await h.app.get(McpRegistryService).reload();
      const client = await connect(`${base}/mcp/${alias}`, { 'x-litellm-api-key': key.raw });
      const first = await client.callTool({ name: `${alias}-count`, arguments: {} });
      up.forgetSessions();
      const second = await client.callTool({ name: `${alias}-count`, arguments: {} });
      await client.close();
      expect([first.content, second.content]).toEqual([
        [{ type: 'text', text: '1' }],
        [{ type: 'text', text: '2' }],
      ]);
      expect(up.rpcs().filter((m) => m === 'initialize')).toHaveLength(2);
    } finally {
      await up.close();
    }
  });

  it('reads an upstream that answers streamable HTTP on an SSE stream, and keeps using its connection', async () => {
    const up = await startMcpUpstream({
      sseAnswers: true,
      tools: [{ name: 'add', answer: (a) => String(Number(a.a) + Number(a.b)) }],
    });
    try {
      const alias = mcpServerName('ssean');
      await createMcpServer(h.prisma, { alias, url: up.url, transport: 'http', allow_all_keys: true });
      await h.app.get(McpRegistryService).reload();
      const client = await connect(`${base}/mcp/${alias}`, { 'x-litellm-api-key': key.raw });
      const names = (await client.listTools()).tools.map((t) => t.name);
      const sums = [];
      for (const a of [1, 2, 3])
        sums.push((await client.callTool({ name: `${alias}-add`, arguments: { a, b: 10 } })).content);
      await client.close();
      expect(names).toEqual([`${alias}-add`]);
      expect(sums).toEqual([11, 12, 13].map((n) => [{ type: 'text', text: String(n) }]));
      // One handshake for the pooled connection, then one POST per request.
      expect(up.rpcs().filter((m) => m === 'initialize')).toHaveLength(1);
    } finally {
      await up.close();
    }
  });

  it('answers 502 while an upstream is down, logs the failed call, and reconnects once it is back', async () => {
    const tools = [{ name: 'ping', answer: () => 'pong' }];
    let up = await startMcpUpstream({ tools });
    const port = Number(new URL(up.url).port);
    try {
      const alias = mcpServerName('flaky');
      await createMcpServer(h.prisma, { alias, url: up.url, transport: 'http', allow_all_keys: true });
      await h.app.get(McpRegistryService).reload();
      const client = await connect(`${base}/mcp/${alias}`, { 'x-litellm-api-key': key.raw });
      const call = () => client.callTool({ name: `${alias}-ping`, arguments: {} });
      expect((await call()).content).toEqual([{ type: 'text', text: 'pong' }]);
      await up.close();
      const down = await call().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(down?.message).toContain('502');
      up = await startMcpUpstream({ tools, port });
      expect((await call()).content).toEqual([{ type: 'text', text: 'pong' }]);
      await client.close();
      // The pooled session was dropped with the failure: the new upstream got a handshake of its own.
      expect(up.rpcs()).toEqual(['initialize', 'notifications/initialized', 'tools/call']);
      const rows = await h.prisma.liteLLM_SpendLogs.findMany({
        where: { api_key: key.token, mcp_namespaced_tool_name: `${alias}-ping` },
        orderBy: { startTime: 'asc' },
      });
      expect(rows.map((r) => r.status)).toEqual(['success', 'failure', 'success']);
    } finally {
      await up.close();
    }
  });

  it("relays an upstream's JSON-RPC error as that error, and logs the call as a failure", async () => {
    const up = await startMcpUpstream({
      tools: [
        {
          name: 'strict',
          rpcError: { code: -32602, message: 'Invalid arguments for strict: a is required' },
        },
      ],
    });
    try {
      const alias = mcpServerName('rpcerr');
      await createMcpServer(h.prisma, { alias, url: up.url, transport: 'http', allow_all_keys: true });
      await h.app.get(McpRegistryService).reload();
      const client = await connect(`${base}/mcp/${alias}`, { 'x-litellm-api-key': key.raw });
      const failed = await client.callTool({ name: `${alias}-strict`, arguments: {} }).then(
        () => undefined,
        (e: unknown) => e as { code?: number; message?: string },
      );
      await client.close();
      expect(failed?.code).toBe(-32602);
      expect(failed?.message).toContain('Invalid arguments for strict: a is required');
      const rows = await h.prisma.liteLLM_SpendLogs.findMany({
        where: { api_key: key.token, mcp_namespaced_tool_name: `${alias}-strict` },
      });
      expect(rows.map((r) => r.status)).toEqual(['failure']);
    } finally {
      await up.close();
    }
  });

  it('reaches an upstream on the SSE transport (transport: sse)', async () => {
    const up = await startMcpSseUpstream({ tools: [{ name: 'old' }] });
    try {
      const alias = mcpServerName('sse');
      await createMcpServer(h.prisma, { alias, url: up.url, transport: 'sse', allow_all_keys: true });
      await h.app.get(McpRegistryService).reload();
      const client = await connect(`${base}/mcp/${alias}`, { 'x-litellm-api-key': key.raw });
      const names = (await client.listTools()).tools.map((t) => t.name);
      const result = await client.callTool({ name: `${alias}-old`, arguments: {} });
      await client.close();
      expect(names).toEqual([`${alias}-old`]);
      expect(result.content).toEqual([{ type: 'text', text: 'old ok' }]);
    } finally {
      await up.close();
    }
  });

  it('x-mcp-access-groups narrows the aggregate /mcp to the servers of those groups (still only allowed ones)', async () => {
    const tagged = await createMcpServer(h.prisma, {
      alias: mcpServerName('tagged'),
      url: beta.url,
      transport: 'http',
      mcp_access_groups: ['narrow-group'],
      allow_all_keys: true,
    });
    await h.app.get(McpRegistryService).reload();
    const client = await connect(`${base}/mcp`, {
      'x-litellm-api-key': key.raw,
      'x-mcp-access-groups': 'narrow-group',
    });
    const names = (await client.listTools()).tools.map((t) => t.name);
    await client.close();
    expect(names).toEqual([`${tagged.alias}-secret`]);
  });

  it('leaves the management routes under /v1/mcp to their own controller (not a legacy /{server}/mcp path)', async () => {
    const res = await h.get('/v1/mcp/server');
    expect(res.status).not.toBe(405);
    expect(res.status).not.toBe(401);
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
