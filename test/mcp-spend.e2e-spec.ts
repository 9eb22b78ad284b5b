import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { SpendAggregatorService } from '../src/domains/spend/ledger/spend-aggregator.service';
import { SpendLedgerService } from '../src/domains/spend/ledger/spend-ledger.service';
import { uniq } from './app.factory';
import { createKeyWithPermission, createMcpServer, createUser, mcpServerName } from './factories';
import { startMcpUpstream, type FakeMcpUpstream } from './fakes/mcp-upstream';
import { useE2e } from './harness';

/** The app's base URL, listening on a free port. */
async function listen(h: { app: { getHttpServer(): import('node:http').Server } }): Promise<string> {
  const server = h.app.getHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function connect(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe('MCP tool calls in the spend ledger', () => {
  const h = useE2e();
  let base: string;
  let upstream: FakeMcpUpstream;
  const name = mcpServerName('spend');
  let serverId: string;

  beforeAll(async () => {
    base = await listen(h);
    upstream = await startMcpUpstream({
      tools: [
        { name: 'search', answer: () => 'found' },
        { name: 'fetch', answer: () => 'fetched' },
      ],
    });
    const row = await createMcpServer(h.prisma, {
      alias: name,
      url: upstream.url,
      transport: 'http',
      mcp_info: {
        mcp_server_cost_info: { default_cost_per_query: 0.01, tool_name_to_cost_per_query: { search: 0.25 } },
      },
    });
    serverId = row.server_id;
    await h.app.get(McpRegistryService).reload();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  async function call(rawKey: string, tool: string) {
    const client = await connect(`${base}/mcp/${name}`, { 'x-litellm-api-key': rawKey });
    try {
      return await client.callTool({ name: `${name}-${tool}`, arguments: {} });
    } finally {
      await client.close();
    }
  }

  it('should write mcp_namespaced_tool_name, one tool index row and a Daily row keyed by the tool', async () => {
    const user = await createUser(h.prisma);
    const key = await createKeyWithPermission(
      h.prisma,
      { mcp_servers: [serverId] },
      { user_id: user.user_id },
    );
    await call(key.raw, 'fetch');
    const [log] = await h.prisma.liteLLM_SpendLogs.findMany({
      where: { api_key: key.token, call_type: 'call_mcp_tool' },
    });
    expect(log).toMatchObject({
      mcp_namespaced_tool_name: `${name}-fetch`,
      model: 'MCP: fetch',
      custom_llm_provider: name,
      user: user.user_id,
    });
    const index = await h.prisma.liteLLM_SpendLogToolIndex.findMany({
      where: { request_id: log.request_id },
    });
    expect(index).toEqual([
      { request_id: log.request_id, tool_name: `${name}-fetch`, start_time: log.startTime },
    ]);
    await h.app.get(SpendAggregatorService).drain();
    const daily = await h.prisma.liteLLM_DailyUserSpend.findMany({ where: { user_id: user.user_id } });
    expect(daily).toEqual([
      expect.objectContaining({
        api_key: key.token,
        model: 'MCP: fetch',
        custom_llm_provider: name,
        mcp_namespaced_tool_name: `${name}-fetch`,
        endpoint: '/mcp',
        api_requests: 1n,
        successful_requests: 1n,
      }),
    ]);
  });

  it("should keep an LLM row's mcp_namespaced_tool_name NULL, write no tool index row, and key its Daily row by ''", async () => {
    const user = await createUser(h.prisma);
    const requestId = uniq('llm');
    const now = new Date();
    await h.app.get(SpendLedgerService).record({
      requestId,
      callType: 'acompletion',
      apiKey: uniq('tok'),
      keyAlias: null,
      spend: 0.5,
      promptTokens: 1,
      completionTokens: 1,
      totalTokens: 2,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
      startTime: now,
      endTime: now,
      completionStartTime: null,
      model: 'openai/gpt-4o',
      modelGroup: 'gpt-4o',
      modelId: 'd1',
      customLlmProvider: 'openai',
      apiBase: '',
      userId: user.user_id,
      teamId: null,
      teamAlias: null,
      organizationId: null,
      projectId: null,
      endUser: null,
      sessionId: requestId,
      requestTags: [],
      requesterIp: null,
      status: 'success',
      endpoint: '/chat/completions',
    });
    const log = await h.prisma.liteLLM_SpendLogs.findUniqueOrThrow({ where: { request_id: requestId } });
    expect(log.mcp_namespaced_tool_name).toBeNull();
    expect(await h.prisma.liteLLM_SpendLogToolIndex.count({ where: { request_id: requestId } })).toBe(0);
    await h.app.get(SpendAggregatorService).drain();
    const daily = await h.prisma.liteLLM_DailyUserSpend.findMany({ where: { user_id: user.user_id } });
    expect(daily).toEqual([
      expect.objectContaining({ mcp_namespaced_tool_name: '', model: 'openai/gpt-4o' }),
    ]);
  });
  it("should price a call from mcp_server_cost_info (the tool's own price, else the default) and count it in the key and user spend", async () => {
    const user = await createUser(h.prisma);
    const key = await createKeyWithPermission(
      h.prisma,
      { mcp_servers: [serverId] },
      { user_id: user.user_id },
    );
    await call(key.raw, 'search');
    await call(key.raw, 'fetch');
    const logs = await h.prisma.liteLLM_SpendLogs.findMany({
      where: { api_key: key.token },
      orderBy: { startTime: 'asc' },
    });
    expect(logs.map((l) => [l.model, l.spend])).toEqual([
      ['MCP: search', 0.25],
      ['MCP: fetch', 0.01],
    ]);
    expect((logs[0].metadata as Record<string, any>).mcp_tool_call_metadata.mcp_server_cost_info).toEqual({
      default_cost_per_query: 0.01,
      tool_name_to_cost_per_query: { search: 0.25 },
    });
    await h.app.get(SpendAggregatorService).drain();
    const row = await h.prisma.liteLLM_VerificationToken.findUniqueOrThrow({ where: { token: key.token } });
    expect(row.spend).toBeCloseTo(0.26, 10);
    const owner = await h.prisma.liteLLM_UserTable.findUniqueOrThrow({ where: { user_id: user.user_id } });
    expect(owner.spend).toBeCloseTo(0.26, 10);
  });

  it("should refuse the next call of a key whose priced tool calls reached its max_budget, with LiteLLM's budget error, without calling upstream", async () => {
    const key = await createKeyWithPermission(h.prisma, { mcp_servers: [serverId] }, { max_budget: 0.6 });
    for (let i = 0; i < 3; i++) expect((await call(key.raw, 'search')).isError).toBeFalsy();
    const before = upstream.rpcs().filter((r) => r === 'tools/call').length;
    const res = await fetch(`${base}/mcp/${name}`, {
      method: 'POST',
      headers: {
        'x-litellm-api-key': key.raw,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: `${name}-search`, arguments: {} },
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: 'Budget has been exceeded! Current cost: 0.75, Max budget: 0.6',
        type: 'budget_exceeded',
        param: null,
        code: '400',
      },
    });
    expect(upstream.rpcs().filter((r) => r === 'tools/call').length).toBe(before);
    expect(await h.prisma.liteLLM_SpendLogs.count({ where: { api_key: key.token } })).toBe(3);
  });
});

describe('MCP tool prices of config.yaml servers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-cost-'));
  const configPath = join(dir, 'config.yaml');
  let upstream: FakeMcpUpstream;
  // Before the app starts (hooks run in order): the config names the upstream's URL.
  beforeAll(async () => {
    upstream = await startMcpUpstream({ tools: [{ name: 'lookup', answer: () => 'ok' }] });
    writeFileSync(
      configPath,
      [
        'mcp_servers:',
        '  cfg_priced:',
        `    url: ${upstream.url}`,
        '    transport: http',
        '    mcp_info:',
        '      mcp_server_cost_info:',
        '        default_cost_per_query: 0.5',
      ].join('\n'),
    );
  });
  const h = useE2e({ env: { CONFIG_FILE_PATH: configPath } });
  afterAll(async () => {
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should charge the default_cost_per_query of a config.yaml server', async () => {
    const base = await listen(h);
    const key = await createKeyWithPermission(h.prisma, { mcp_servers: ['cfg_priced'] });
    const client = await connect(`${base}/mcp/cfg_priced`, { 'x-litellm-api-key': key.raw });
    await client.callTool({ name: 'cfg_priced-lookup', arguments: {} });
    await client.close();
    const [log] = await h.prisma.liteLLM_SpendLogs.findMany({ where: { api_key: key.token } });
    expect(log).toMatchObject({ spend: 0.5, mcp_namespaced_tool_name: 'cfg_priced-lookup' });
  });
});
