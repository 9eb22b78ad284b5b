import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Test } from '@nestjs/testing';
import nacl from 'tweetnacl';
import { AppModule } from '../src/app.module';
import { setupApp } from '../src/app.setup';
import { McpRegistryService } from '../src/domains/mcp/registry/mcp-registry.service';
import { JsonLogger } from '../src/platform/common/logging/json-logger';
import { loadConfig } from '../src/platform/config/app-config';
import { runMigrations } from '../src/platform/prisma/migrations';
import { PrismaService } from '../src/platform/prisma/prisma.service';
import { MASTER_KEY } from './app.factory';
import { createEmptyDatabase } from './database';
import { createKey, createUser } from './factories';
import { startMcpUpstream, type FakeMcpUpstream } from './fakes/mcp-upstream';

/**
 * Every credential an MCP server can hold is given a distinctive value; the app (its log captured at
 * debug, plus anything written to stdout/stderr) is driven through every MCP route, with upstreams
 * that work, fail, refuse or echo what they receive, and bad input. At the end no response body,
 * response header or log line may contain any of the values.
 */

const SALT = 'salt-for-the-secrets-test';
const name = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

const secrets = new Map<string, string>();
const secret = (label: string) => {
  const value = `${label}-${randomBytes(12).toString('hex')}`;
  secrets.set(label, value);
  return value;
};

/** LiteLLM's legacy writer: NaCl secretbox under sha256(salt key), urlsafe base64. */
function legacyEncrypt(plain: string): string {
  const nonce = randomBytes(24);
  const box = nacl.secretbox(Buffer.from(plain), nonce, createHash('sha256').update(SALT).digest());
  return Buffer.concat([nonce, Buffer.from(box)]).toString('base64url');
}

/** LiteLLM's `v2:gcm:` writer: AES-256-GCM under sha256(salt key), nonce ‖ ciphertext ‖ tag. */
function v2Encrypt(plain: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', createHash('sha256').update(SALT).digest(), nonce);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return 'v2:gcm:' + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
}

type EchoMode = 'tool' | 'fail' | 'fail-call' | 'refuse';

/**
 * A hand-written MCP upstream that echoes the headers it receives: in a tool's answer (`tool`), in
 * a 500 body (`fail`; `fail-call`: only for tools/call, after a good handshake) or in a 401 body
 * (`refuse`).
 */
async function echoUpstream(mode: EchoMode): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const echoed = JSON.stringify({ headers: req.headers });
      if (mode === 'fail') return void res.writeHead(500, { 'content-type': 'text/plain' }).end(echoed);
      if (mode === 'refuse') return void res.writeHead(401, { 'content-type': 'text/plain' }).end(echoed);
      const message = (body ? JSON.parse(body) : {}) as { id?: unknown; method?: string };
      if (mode === 'fail-call' && message.method === 'tools/call')
        return void res.writeHead(500, { 'content-type': 'text/plain' }).end(echoed);
      if (message.id === undefined) return void res.writeHead(202).end();
      const result =
        message.method === 'initialize'
          ? {
              protocolVersion: '2025-03-26',
              capabilities: { tools: {} },
              serverInfo: { name: 'echo', version: '1' },
            }
          : message.method === 'tools/list'
            ? { tools: [{ name: 'headers', inputSchema: { type: 'object' } }] }
            : { content: [{ type: 'text', text: echoed }] };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
  });
}

/** A URL nothing listens on. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}/mcp`;
}

describe('MCP credentials never leave the gateway (responses, headers, logs)', () => {
  const logLines: string[] = [];
  /** Response bodies and headers; `adminView`: a proxy admin's view of a server (LiteLLM shows static headers there). */
  const seen: { what: string; text: string; adminView: boolean }[] = [];
  const upstreams: FakeMcpUpstream[] = [];
  const echoes: Server[] = [];
  let app: Awaited<ReturnType<typeof startApp>>;
  let base: string;
  let prisma: PrismaService;
  let userKey: string;
  const ids: Record<string, string> = {};
  const names: Record<string, string> = {};
  let restoreStd: () => void;

  let dropDatabase: (() => Promise<void>) | undefined;

  /** The app on a database of its own: its rows are encrypted under another salt key than other files'. */
  async function startApp() {
    const db = await createEmptyDatabase('mcp_secrets');
    dropDatabase = () => db.drop();
    await runMigrations(db.url);
    const logger = new JsonLogger('debug', (line) => logLines.push(line));
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: db.url,
      LITELLM_MASTER_KEY: MASTER_KEY,
      LITELLM_SALT_KEY: SALT,
      LOG_LEVEL: 'debug',
      SCHEDULER_ENABLED: 'false',
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.register(config)] }).compile();
    moduleRef.useLogger(logger);
    const nest = setupApp(moduleRef.createNestApplication({ logger }));
    await nest.init();
    return nest;
  }

  /** One HTTP exchange, its response body and headers kept for the final grep. */
  async function hit(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const adminView = headers.authorization === admin.authorization && path.startsWith('/v1/mcp/server');
    seen.push({ what: `${method} ${path} → ${res.status} body`, text, adminView });
    seen.push({
      what: `${method} ${path} → ${res.status} headers`,
      text: JSON.stringify([...res.headers]),
      adminView,
    });
    return { status: res.status, text, json: () => JSON.parse(text) as Record<string, any> };
  }

  const admin = { authorization: `Bearer ${MASTER_KEY}` };
  const rpc = (method: string, params: Record<string, unknown> = {}) => ({
    jsonrpc: '2.0',
    id: 1,
    method,
    params,
  });
  const callTool = (path: string, tool: string) =>
    hit('POST', path, { 'x-litellm-api-key': userKey }, rpc('tools/call', { name: tool, arguments: {} }));

  beforeAll(async () => {
    // Anything written straight to stdout/stderr (a stray console.log, the SDK) is captured too.
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const grab = (chunk: unknown) => {
      logLines.push(String(chunk));
      return true;
    };
    process.stdout.write = grab as typeof process.stdout.write;
    process.stderr.write = grab as typeof process.stderr.write;
    restoreStd = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
    app = await startApp();
    prisma = app.get(PrismaService);
    const http = app.getHttpServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await dropDatabase?.();
    restoreStd?.();
    await Promise.all(upstreams.map((u) => u.close()));
    echoes.forEach((s) => s.closeAllConnections());
    await Promise.all(echoes.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('should set up servers holding every kind of credential (through the API, and rows LiteLLM wrote)', async () => {
    const apiSecret = secret('auth-value');
    const staticSecret = secret('static-header');
    const byokSecret = secret('byok');
    const clientSecret = secret('client-secret');
    const oauthToken = secret('oauth-access');
    const refreshToken = secret('oauth-refresh');
    const failSecret = secret('fail-auth');
    const refuseSecret = secret('refuse-auth');
    const downSecret = secret('down-auth');
    const legacySecret = secret('legacy-auth');
    const v2Secret = secret('v2-auth');

    const good = async (require: Record<string, string>) => {
      const u = await startMcpUpstream({
        tools: [{ name: 'ping', answer: () => 'pong' }],
        requireHeaders: require,
      });
      upstreams.push(u);
      return u.url;
    };
    const echo = async (mode: EchoMode) => {
      const e = await echoUpstream(mode);
      echoes.push(e.server);
      return e.url;
    };
    const create = async (label: string, body: Record<string, unknown>) => {
      names[label] = name(label);
      const res = await hit('POST', '/v1/mcp/server', admin, {
        alias: names[label],
        transport: 'http',
        ...body,
      });
      expect(res.status).toBe(201);
      ids[label] = res.json().server_id as string;
    };

    await create('api', {
      url: await good({ 'x-api-key': apiSecret, 'x-static': staticSecret }),
      auth_type: 'api_key',
      credentials: { auth_value: apiSecret },
      static_headers: { 'x-static': staticSecret },
    });
    await create('byok', {
      url: await good({ authorization: `Bearer ${byokSecret}` }),
      auth_type: 'bearer_token',
      is_byok: true,
    });
    await create('oauth', {
      url: await good({ authorization: `Bearer ${oauthToken}` }),
      auth_type: 'oauth2',
      credentials: { client_id: 'client-id', client_secret: clientSecret },
      authorization_url: 'https://auth.example.com/authorize',
      token_url: 'https://auth.example.com/token',
    });
    await create('fail', {
      url: await echo('fail'),
      auth_type: 'bearer_token',
      credentials: { auth_value: failSecret },
      static_headers: { 'x-static': staticSecret },
    });
    await create('failcall', {
      url: await echo('fail-call'),
      auth_type: 'bearer_token',
      credentials: { auth_value: secret('fail-call-auth') },
    });
    await create('refuse', {
      url: await echo('refuse'),
      auth_type: 'api_key',
      credentials: { auth_value: refuseSecret },
    });
    await create('down', {
      url: await deadUrl(),
      auth_type: 'api_key',
      credentials: { auth_value: downSecret },
    });
    await create('echo', { url: await echo('tool') });
    for (const [label, value, encrypt] of [
      ['legacy', legacySecret, legacyEncrypt],
      ['v2', v2Secret, v2Encrypt],
    ] as const) {
      names[label] = name(label);
      const row = await prisma.liteLLM_MCPServerTable.create({
        data: {
          alias: names[label],
          server_name: names[label],
          url: await good({ 'x-api-key': value }),
          transport: 'http',
          auth_type: 'api_key',
          credentials: { auth_value: encrypt(value) },
        },
      });
      ids[label] = row.server_id;
    }
    await app.get(McpRegistryService).reload();

    const user = await createUser(prisma);
    const permission = await prisma.liteLLM_ObjectPermissionTable.create({
      data: { mcp_servers: Object.values(ids) },
    });
    userKey = (
      await createKey(prisma, {
        user_id: user.user_id,
        object_permission_id: permission.object_permission_id,
      })
    ).raw;
    secrets.set('litellm-key', userKey);
    const asUser = { authorization: `Bearer ${userKey}` };
    expect(
      (await hit('POST', `/v1/mcp/server/${ids.byok}/user-credential`, asUser, { credential: byokSecret }))
        .status,
    ).toBeLessThan(300);
    expect(
      (
        await hit('POST', `/v1/mcp/server/${ids.oauth}/oauth-user-credential`, asUser, {
          access_token: oauthToken,
          refresh_token: refreshToken,
          expires_in: 3600,
        })
      ).status,
    ).toBeLessThan(300);
  });

  it('should use every stored credential upstream, decrypted (LiteLLM legacy secretbox and v2:gcm rows too)', async () => {
    for (const label of ['api', 'byok', 'oauth', 'legacy', 'v2']) {
      const res = await callTool(`/mcp/${names[label]}`, `${names[label]}-ping`);
      expect({ label, status: res.status, result: res.json().result }).toEqual({
        label,
        status: 200,
        result: { content: [{ type: 'text', text: 'pong' }] },
      });
    }
  });

  it('should exercise list, get, update, health, tools/list, tools/call, failures and bad input', async () => {
    const asUser = { authorization: `Bearer ${userKey}` };
    await hit('GET', '/v1/mcp/server', admin);
    await hit('GET', '/v1/mcp/server', asUser);
    for (const id of Object.values(ids)) await hit('GET', `/v1/mcp/server/${id}`, admin);
    const update = await hit('PUT', '/v1/mcp/server', admin, {
      server_id: ids.api,
      description: 'updated',
      credentials: { auth_value: secrets.get('auth-value') },
      static_headers: { 'x-static': secrets.get('static-header') },
    });
    expect(update.status).toBeLessThan(300);
    await hit('GET', '/v1/mcp/server/health', admin);
    await hit('GET', '/v1/mcp/server/health', asUser);
    await hit('GET', '/v1/mcp/server', admin); // health_check_error is listed now
    await hit('GET', '/v1/mcp/user-credentials', asUser);
    await hit('GET', `/v1/mcp/server/${ids.oauth}/oauth-user-credential/status`, asUser);
    await hit('GET', '/v1/mcp/tools', asUser);
    await hit('GET', '/mcp-rest/tools/list', asUser);
    await hit('POST', '/mcp', { 'x-litellm-api-key': userKey }, rpc('tools/list'));
    for (const label of ['fail', 'failcall', 'refuse', 'down', 'echo']) {
      await hit('POST', `/mcp/${names[label]}`, { 'x-litellm-api-key': userKey }, rpc('tools/list'));
      await callTool(`/mcp/${names[label]}`, `${names[label]}-ping`);
      await callTool('/mcp', `${names[label]}-headers`);
      await hit('POST', '/mcp-rest/tools/call', asUser, {
        name: 'ping',
        server_id: ids[label],
        arguments: {},
      });
    }
    // The refusing upstream's 401 is relayed, its echo of the stored credential redacted.
    const refused = await callTool(`/mcp/${names.refuse}`, `${names.refuse}-ping`);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('[redacted]');
    const health = await prisma.liteLLM_MCPServerTable.findUniqueOrThrow({ where: { server_id: ids.fail } });
    expect(health).toMatchObject({
      status: 'unhealthy',
      health_check_error: expect.stringContaining('[redacted]'),
    });
    const echoed = await callTool(`/mcp/${names.echo}`, `${names.echo}-headers`);
    expect(echoed.json().result.content[0].text).toContain('"headers"');
    // Bad input: a secret in a refused body is not echoed in the error.
    const bad = await hit('POST', '/v1/mcp/server', admin, {
      alias: 'bad-name-with-dash',
      transport: 'carrier-pigeon',
      credentials: { auth_value: secret('bad-input') },
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    await hit(
      'POST',
      '/mcp',
      { 'x-litellm-api-key': userKey },
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${secrets.get('bad-input')}"`,
    );
    await hit('POST', `/v1/mcp/server/${ids.byok}/user-credential`, asUser, { credential: '' });
    await hit('POST', '/mcp', { authorization: `Bearer sk-${secrets.get('bad-input')}` }, rpc('tools/list'));
  });

  it('should show none of the secrets in any response body, response header or log line', () => {
    expect(seen.length).toBeGreaterThan(40);
    expect(logLines.length).toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const [label, value] of secrets) {
      for (const s of seen) {
        // Spec §1.2: the admin view of a server removes only `credentials`; static headers are shown.
        if (label === 'static-header' && s.adminView) continue;
        if (s.text.includes(value)) leaks.push(`${label} in ${s.what}`);
      }
      for (const line of logLines)
        if (line.includes(value)) leaks.push(`${label} in log: ${line.slice(0, 300)}`);
    }
    expect(leaks).toEqual([]);
  });

  it('should keep the secrets out of the spend and error logs of the failed calls too', async () => {
    const rows = [
      ...(await prisma.liteLLM_SpendLogs.findMany({ where: { call_type: 'call_mcp_tool' } })),
      ...(await prisma.liteLLM_ErrorLogs.findMany()),
    ].map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    expect(rows.some((r) => r.includes('[redacted]'))).toBe(true);
    for (const [label, value] of secrets)
      expect({ label, leaked: rows.some((r) => r.includes(value)) }).toEqual({ label, leaked: false });
  });
});
