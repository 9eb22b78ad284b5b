// Benchmark: MCP tools/call through our gateway (/mcp/{server}) against the same upstream called directly and
// through the gateway bench's bare pass-through proxy (bench/bare-proxy.mjs: the floor any proxy hop costs here).
// The upstream is an MCP server built with the official SDK (streamable HTTP, JSON answers, one cheap tool)
// in its own process; the callers are SDK clients in this process (a pool of them, one connection each).
// Ours runs with everything on: a key with a budget and rpm limit in a team with a budget, the tool priced
// (mcp_info.mcp_server_cost_info), its spend row written before each answer. Two measurements:
//   (a) a fixed rate (200 calls/s for 15 s each way, evenly spaced, latency from when each call was due,
//       direct, bare proxy and ours taking turns second by second so all see the same machine): p50/p99
//       each way and the p99 the bare proxy and ours add (goal for ours ≤ 5 ms); three rounds, and the
//       median of the rounds' added p99 (one round's p99 is its 30 slowest calls: one busy second of the
//       machine moves it by tens of milliseconds);
//   (b) a fixed concurrency (each client loops): calls/s each way.
// Then the ledger: one call_mcp_tool spend row per call answered through ours, nothing left pending.
// Figures are printed, never asserted.
// Usage: npm run build && node bench/mcp.mjs
//   BENCH_MCP_RATE (200), BENCH_MCP_SECONDS (15, per round), BENCH_MCP_ROUNDS (3), BENCH_MCP_CONCURRENCY (20),
//   BENCH_MCP_CONC_SECONDS (10),
//   BENCH_MCP_CLIENTS (20, the SDK clients of the fixed-rate run), BENCH_MCP_SLOT_MS (1000, the turns of (a)),
//   BENCH_LOG_LEVEL (our LOG_LEVEL, warn), BENCH_NODE_OPTIONS (our process's, e.g. --max-semi-space-size=32),
//   BENCH_REDIS_URL (redis://127.0.0.1:6379/13; off when it does not answer), BENCH_DATABASE_URL, BENCH_BUILD,
//   BENCH_CPU_PROF=/dir (.cpuprofiles of our process: <pid>-1 its first fixed-rate round, <pid>-2 its
//   fixed-concurrency run; bench/cpu-profile.cjs, summarised by bench/cpu-profile-top.mjs),
//   BENCH_REQUEST_TIMING=1 (the same two spans timed inside ours, with event-loop lags and GC pauses beside the
//   slowest requests: bench/request-timing.cjs)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { builds, connect, createDatabase, freePort, quantile, seedCaller, startApp } from './harness.mjs';
import { childPidRunning, cpuMsOf, loadavg, redisAnswers, startBareProxy } from './gateway-processes.mjs';

const RATE = Number(process.env.BENCH_MCP_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_MCP_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_MCP_CONCURRENCY ?? 20);
const CONC_SECONDS = Number(process.env.BENCH_MCP_CONC_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_MCP_CLIENTS ?? 20);
const SLOT_MS = Number(process.env.BENCH_MCP_SLOT_MS ?? 1000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_MCP_ROUNDS ?? 3));
/** Our process's preloads (CPU profile, request timing) start and stop on SIGUSR2. */
const SIGNALLED = Boolean(process.env.BENCH_CPU_PROF || process.env.BENCH_REQUEST_TIMING);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const MASTER = 'sk-bench-master-key';
const SERVER_NAME = 'bench_tools';
const TOOL = 'add';
/** Calls each way before measuring: enough for V8 to have optimised the hot path of every process. */
const WARMUP_CALLS = 2_000;

if (process.argv[2] === '--upstream') await serveUpstream(Number(process.argv[3]));
else await main();

/** The upstream process: the SDK's Server on a stateless streamable HTTP transport, one tool. */
async function serveUpstream(port) {
  const http = createServer(async (req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    const server = new Server({ name: 'bench-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: [{ name: TOOL, description: 'a + b', inputSchema: { type: 'object' } }],
    }));
    server.setRequestHandler(CallToolRequestSchema, async (r) => ({
      content: [
        { type: 'text', text: String(Number(r.params.arguments?.a) + Number(r.params.arguments?.b)) },
      ],
    }));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => void transport.close().then(() => server.close()));
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  http.keepAliveTimeout = 60_000;
  http.listen(port, '127.0.0.1', () => process.send?.('ready'));
}

async function main() {
  const build = builds()[0];
  const upstreamPort = await freePort();
  const upstream = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--upstream', String(upstreamPort)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  await new Promise((resolve, reject) => {
    upstream.once('message', resolve);
    upstream.once('exit', (code) => reject(new Error(`the upstream exited with ${code}`)));
  });
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
  const database = await createDatabase('bench_mcp');
  const configDir = mkdtempSync(join(tmpdir(), 'bench-mcp-'));
  const redis = (await redisAnswers(REDIS_URL)) ? REDIS_URL : undefined;
  let ours;
  let bare;
  try {
    ours = await startOurs(build, database.url, configDir, upstreamUrl, redis);
    bare = await startBareProxy(await freePort(), new URL(upstreamUrl).origin);
    const pid = childPidRunning('dist/main.js');
    const key = await seedCaller(ours.base, MASTER, { object_permission: { mcp_servers: [SERVER_NAME] } });
    const direct = {
      name: 'direct',
      url: upstreamUrl,
      headers: {},
      pid: upstream.pid,
      answered: 0,
      tool: TOOL,
    };
    const bareProxy = {
      name: 'bare',
      url: `${bare.origin}/mcp`,
      headers: {},
      pid: bare.child.pid,
      answered: 0,
      tool: TOOL,
    };
    const gateway = {
      name: 'ours',
      url: `${ours.base}/mcp/${SERVER_NAME}`,
      headers: { 'x-litellm-api-key': key },
      pid,
      answered: 0,
      tool: `${SERVER_NAME}-${TOOL}`,
    };
    const targets = [direct, bareProxy, gateway];

    console.log(
      `MCP bench: ${build.name}; tools/call of one cheap tool over the SDK's streamable HTTP client; ` +
        `Redis ${redis ?? 'off (no answer)'}; our LOG_LEVEL ${process.env.BENCH_LOG_LEVEL ?? 'warn'}; loadavg ${loadavg()}`,
    );
    for (const t of targets) {
      const pool = await clients(t, CLIENTS);
      await warmUp(t, pool);
      t.pool = pool;
    }

    console.log(
      `\n(a) fixed rate: ${RATE} calls/s for ${SECONDS} s each way over ${CLIENTS} clients each, the three taking ` +
        `turns in ${SLOT_MS} ms slots (direct, bare proxy, ours, direct, …: all see the same machine), ` +
        `${ROUNDS} round(s); loadavg ${loadavg()}`,
    );
    const rounds = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const profiled = SIGNALLED && pid && round === 1;
      if (profiled) process.kill(pid, 'SIGUSR2'); // our preloads: start
      const rated = await fixedRate(targets);
      if (profiled) process.kill(pid, 'SIGUSR2'); // stop (cpu-profile.cjs writes <pid>-1.cpuprofile)
      rounds.push(rated);
      if (ROUNDS > 1) console.log(`  round ${round}, loadavg ${loadavg()}`);
      printRated(rated);
    }
    if (ROUNDS > 1) {
      const median = (f) => quantile(rounds.map(f), 0.5);
      const oursAdded = median((r) => r.ours.p99 - r.direct.p99);
      console.log(
        `  median of the ${ROUNDS} rounds: p99 added by the bare proxy ${ms(median((r) => r.bare.p99 - r.direct.p99))} ms, ` +
          `by ours ${ms(oursAdded)} ms (goal ≤ 5 ms: ${oursAdded <= 5 ? 'met' : 'NOT met'}); ` +
          `ours − bare proxy ${ms(median((r) => r.ours.p99 - r.bare.p99))} ms`,
      );
    }

    console.log(
      `\n(b) fixed concurrency: ${CONCURRENCY} clients calling in a loop for ${CONC_SECONDS} s each way; loadavg ${loadavg()}`,
    );
    const looped = {};
    for (const t of targets) {
      const pool = await clients(t, CONCURRENCY);
      const profiled = t === gateway && SIGNALLED && pid;
      if (profiled) process.kill(pid, 'SIGUSR2'); // our preloads: start
      looped[t.name] = await closedLoop(t, pool);
      if (profiled) process.kill(pid, 'SIGUSR2'); // stop (cpu-profile.cjs writes <pid>-2.cpuprofile)
      await Promise.all(pool.map((c) => c.close()));
    }
    for (const [name, r] of Object.entries(looped)) {
      console.log(
        `  ${name.padEnd(6)} ${r.rps.toFixed(0).padStart(5)} calls/s   p50 ${ms(r.p50)} ms   p99 ${ms(r.p99)} ms   ` +
          `CPU ${r.cpuUs?.toFixed(0) ?? '-'} µs/call   n=${r.n}${r.errors ? `   ${r.errors} errors!` : ''}`,
      );
    }
    const share = (a, b) => `${((100 * looped[a].rps) / looped[b].rps).toFixed(0)}%`;
    console.log(
      `  calls/s: ours / direct ${share('ours', 'direct')}, ours / bare proxy ${share('ours', 'bare')}`,
    );
    await Promise.all(targets.flatMap((t) => t.pool.map((c) => c.close())));
    await checkLedger(database.url, gateway.answered);
    console.log(`\nloadavg at the end: ${loadavg()}`);
  } finally {
    await ours?.stop();
    await bare?.stop();
    upstream.kill('SIGTERM');
    await database.drop();
    rmSync(configDir, { recursive: true, force: true });
  }
}

/** Our gateway on a fresh database; config.yaml names the upstream, priced per call. */
async function startOurs(build, url, configDir, upstreamUrl, redis) {
  const configPath = join(configDir, 'config.yaml');
  writeFileSync(
    configPath,
    `mcp_servers:
  ${SERVER_NAME}:
    url: ${upstreamUrl}
    transport: http
    mcp_info:
      mcp_server_cost_info:
        default_cost_per_query: 0.0001
`,
  );
  const env = {
    LITELLM_MASTER_KEY: MASTER,
    CONFIG_FILE_PATH: configPath,
    SCHEDULER_ENABLED: 'false',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  };
  if (redis) env.REDIS_URL = redis;
  const nodeOptions = [process.env.NODE_OPTIONS, process.env.BENCH_NODE_OPTIONS];
  if (process.env.BENCH_CPU_PROF)
    nodeOptions.push(`--require=${fileURLToPath(new URL('cpu-profile.cjs', import.meta.url))}`);
  if (process.env.BENCH_REQUEST_TIMING)
    nodeOptions.push(`--require=${fileURLToPath(new URL('request-timing.cjs', import.meta.url))}`);
  if (nodeOptions.some(Boolean)) env.NODE_OPTIONS = nodeOptions.filter(Boolean).join(' ');
  return startApp(build.root, { url, env });
}

/** `n` connected SDK clients of the target (each its own transport and keep-alive connection). */
async function clients(t, n) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const client = new Client({ name: 'bench', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(t.url), { requestInit: { headers: t.headers } }),
      );
      return client;
    }),
  );
}

/** One tools/call; throws unless the tool answered 5 for 2 + 3. */
async function callOnce(t, client) {
  const result = await client.callTool({ name: t.tool, arguments: { a: 2, b: 3 } });
  if (result.isError || result.content?.[0]?.text !== '5')
    throw new Error(`${t.name}: ${JSON.stringify(result)}`);
  t.answered += 1;
}

async function warmUp(t, pool) {
  for (let i = 0; i < WARMUP_CALLS; i += pool.length) await Promise.all(pool.map((c) => callOnce(t, c)));
}

/**
 * Calls evenly spaced at RATE, round-robin over each target's pool, the targets taking turns in
 * SLOT_MS slots until each had SECONDS of calls; latency counts from when each call was due. A
 * target's CPU is its process's over the whole run, per call of that target (the upstream process
 * serves both targets' calls: its figure is per upstream call).
 */
async function fixedRate(targets) {
  const perSlot = Math.max(1, Math.round((RATE * SLOT_MS) / 1000));
  const total = Math.round(RATE * SECONDS) * targets.length;
  const results = targets.map(() => ({ latencies: [], errors: 0, sent: 0 }));
  const inFlight = new Set();
  const cpuBefore = targets.map((t) => (t.pid ? cpuMsOf(t.pid) : undefined));
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const which = Math.floor(i / perSlot) % targets.length;
    const t = targets[which];
    const r = results[which];
    const call = callOnce(t, t.pool[r.sent++ % t.pool.length]).then(
      () => r.latencies.push(performance.now() - due),
      () => (r.errors += 1),
    );
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  const upstreamCalls = results.reduce((n, r) => n + r.latencies.length, 0);
  return Object.fromEntries(
    targets.map((t, i) => {
      const { latencies, errors } = results[i];
      const calls = t.name === 'direct' ? upstreamCalls : latencies.length;
      return [t.name, summary(t, latencies, errors, seconds / targets.length, cpuBefore[i], calls)];
    }),
  );
}

/** Each client calls in a loop, one call at a time, for CONC_SECONDS. */
async function closedLoop(t, pool) {
  const latencies = [];
  let errors = 0;
  const cpuBefore = t.pid ? cpuMsOf(t.pid) : undefined;
  const start = performance.now();
  const end = start + CONC_SECONDS * 1000;
  await Promise.all(
    pool.map(async (client) => {
      while (performance.now() < end) {
        const began = performance.now();
        try {
          await callOnce(t, client);
          latencies.push(performance.now() - began);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return summary(t, latencies, errors, (performance.now() - start) / 1000, cpuBefore);
}

/** One fixed-rate round: each target's figures and the latency the bare proxy and ours add to direct. */
function printRated(rated) {
  for (const [name, r] of Object.entries(rated)) {
    console.log(
      `  ${name.padEnd(6)} ${r.rps.toFixed(0).padStart(5)} calls/s   p50 ${ms(r.p50)} ms   p99 ${ms(r.p99)} ms   ` +
        `CPU ${r.cpuUs?.toFixed(0) ?? '-'} µs/call   n=${r.n}${r.errors ? `   ${r.errors} errors!` : ''}`,
    );
  }
  const added = (name) => ({
    p50: rated[name].p50 - rated.direct.p50,
    p99: rated[name].p99 - rated.direct.p99,
  });
  const bareAdded = added('bare');
  const oursAdded = added('ours');
  console.log(
    `  added by the bare proxy (a pass-through that checks and logs nothing): p50 ${ms(bareAdded.p50)} ms, p99 ${ms(bareAdded.p99)} ms`,
  );
  console.log(
    `  added by ours: p50 ${ms(oursAdded.p50)} ms, p99 ${ms(oursAdded.p99)} ms ` +
      `(goal p99 ≤ 5 ms: ${oursAdded.p99 <= 5 ? 'met' : 'NOT met'}); ours − bare proxy: p99 ${ms(rated.ours.p99 - rated.bare.p99)} ms`,
  );
}

/** A target's figures; its process's CPU is per call it served (`calls`, by default the ones measured). */
function summary(t, latencies, errors, seconds, cpuBefore, calls = latencies.length) {
  const cpuMs = cpuBefore === undefined ? undefined : cpuMsOf(t.pid) - cpuBefore;
  return {
    rps: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    n: latencies.length,
    errors,
    cpuUs: cpuMs === undefined || calls === 0 ? undefined : (1000 * cpuMs) / calls,
  };
}

function ms(v) {
  return v === undefined ? '   -' : v.toFixed(2).padStart(7);
}

/** One call_mcp_tool row per call answered through ours; nothing pending once the aggregator caught up. */
async function checkLedger(url, answered) {
  await new Promise((r) => setTimeout(r, 1_000));
  const db = await connect(url);
  try {
    const started = Date.now();
    let pending;
    do {
      pending = (await db.query(`SELECT count(*)::int AS n FROM "ControlPlane_SpendLogPending"`)).rows[0].n;
      if (pending > 0) await new Promise((r) => setTimeout(r, 250));
    } while (pending > 0 && Date.now() - started < 15_000);
    const { rows } = await db.query(`
      SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'success')::int AS ok,
        (SELECT count(*)::int FROM "LiteLLM_SpendLogToolIndex") AS indexed,
        coalesce(sum(spend), 0)::float8 AS logged,
        (SELECT sum(spend) FROM "LiteLLM_VerificationToken" WHERE user_id = 'bench-user') AS counted
      FROM "LiteLLM_SpendLogs" WHERE call_type = 'call_mcp_tool'`);
    const r = rows[0];
    console.log(
      `\nledger: ${answered} calls answered through ours; ${r.n} call_mcp_tool rows (${r.ok} success), ` +
        `${r.indexed} tool index rows: ${r.n === answered ? 'one per call' : `NOT one per call (${r.n - answered} off)`}; ` +
        `${pending} pending ${((Date.now() - started) / 1000).toFixed(1)} s after the load; ` +
        `key spend counted $${r.counted.toFixed(4)} of $${r.logged.toFixed(4)} logged`,
    );
  } finally {
    await db.end();
  }
}
