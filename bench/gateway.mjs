// Benchmark: the LLM gateway (POST /v1/chat/completions) against a fake OpenAI upstream, in one run with
// the references: the upstream called directly, a bare Node pass-through proxy (bench/bare-proxy.mjs, the
// ceiling for a Node gateway), and Portkey's open-source gateway (@portkey-ai/gateway, what TypeScript
// users pick today). Ours runs with everything on: a virtual key with rpm/tpm limits and a budget, in a
// team with a budget, Redis when it answers, spend logged before each answer. Every process has its own
// event loop; the load generator (autocannon) runs here. Goals: ours ≥ 5× Portkey's req/s and ≥ 30% of
// the bare proxy's; at a fixed 500 req/s, p99 added latency ≤ 10 ms and RSS ≤ 250 MB; one spend-log row
// per request that reached the upstream through ours. Figures are printed, never asserted.
// Usage: npm run build && node bench/gateway.mjs
//   BENCH_CONNECTIONS (50), BENCH_SECONDS (8 per target, after 2 s of warm-up), BENCH_RATE (500 req/s),
//   BENCH_RATE_SECONDS (10), BENCH_WORKERS (our --num_workers; CPU and RSS are then summed over the workers), BENCH_REDIS_URL (redis://127.0.0.1:6379/13; Redis is left off when it does
//   not answer), BENCH_LOG_LEVEL (our LOG_LEVEL, warn), BENCH_CPU_PROF=/dir (a .cpuprofile of our
//   process during its closed-loop run is written there, see bench/cpu-profile.cjs), BENCH_DATABASE_URL, BENCH_BUILD (see harness.mjs)
import autocannon from 'autocannon';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builds, createDatabase, freePort, quantile, seedCaller, startApp } from './harness.mjs';
import {
  childPidRunning,
  cpuMsOf,
  loadavg,
  memoryOf,
  redisAnswers,
  startBareProxy,
  startPortkey,
  startUpstream,
} from './gateway-processes.mjs';
import { checkLedger } from './gateway-ledger.mjs';
import { paced } from './paced.mjs';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = 2;
const RATE = Number(process.env.BENCH_RATE ?? 500);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const MASTER = 'sk-bench-master-key';
const HERE = fileURLToPath(new URL('.', import.meta.url));
// Each caller of the upstream shows itself with its own upstream key (the upstream counts per key).
const OURS_UPSTREAM_KEY = 'sk-bench-upstream-ours';
const MESSAGES = [{ role: 'user', content: 'hi' }];

const build = builds()[0];
const upstream = await startUpstream(await freePort());
const bare = await startBareProxy(await freePort(), upstream.origin);
const portkey = await startPortkey(await freePort());
const database = await createDatabase('bench_gateway');
const configDir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
const redis = (await redisAnswers(REDIS_URL)) ? REDIS_URL : undefined;
let ours;
try {
  ours = await startOurs();
  const pid = childPidRunning('dist/main.js');
  const key = await seedCaller(ours.base, MASTER, { models: ['bench-gpt'], tpm_limit: 2_000_000_000 });
  const targets = [
    target('direct', upstream.child.pid, `${upstream.origin}/v1/chat/completions`, 'gpt-4o-mini', {
      Authorization: 'Bearer sk-bench-upstream-direct',
    }),
    target('bare proxy', bare.child.pid, `${bare.origin}/v1/chat/completions`, 'gpt-4o-mini', {
      Authorization: 'Bearer sk-bench-upstream-bare',
    }),
    target('Portkey', portkey.child.pid, `${portkey.origin}/v1/chat/completions`, 'gpt-4o-mini', {
      Authorization: 'Bearer sk-bench-upstream-portkey',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${upstream.origin}/v1`,
    }),
    target('ours', pid, `${ours.base}/v1/chat/completions`, 'bench-gpt', { Authorization: `Bearer ${key}` }),
  ];
  for (const t of targets) await probe(t);
  const memoryAtStart = pid ? memoryOf(pid) : undefined;

  console.log(
    `gateway bench: ${build.name}, ${CONNECTIONS} connections, ${SECONDS} s per target after ${WARMUP_SECONDS} s ` +
      `of warm-up; Redis ${redis ?? 'off (no answer)'}; our LOG_LEVEL ${process.env.BENCH_LOG_LEVEL ?? 'warn'}; ` +
      `loadavg ${loadavg()}`,
  );
  const results = {};
  for (const t of targets) {
    await measure(t, { connections: CONNECTIONS, duration: WARMUP_SECONDS });
    const profiled = t.name === 'ours' && process.env.BENCH_CPU_PROF && pid;
    if (profiled) process.kill(pid, 'SIGUSR2'); // bench/cpu-profile.cjs: start
    results[t.name] = await measure(t, { connections: CONNECTIONS, duration: SECONDS });
    if (profiled) process.kill(pid, 'SIGUSR2'); // stop and write
  }
  printClosedLoop(results);
  // The floor under any route of ours: express + Nest's pipeline and its request log line, no gateway work.
  const liveliness = {
    name: 'liveliness',
    pid,
    url: `${ours.base}/health/liveliness`,
    headers: {},
    answered2xx: 0,
  };
  await measure(liveliness, { connections: CONNECTIONS, duration: WARMUP_SECONDS });
  const floor = await measure(liveliness, { connections: CONNECTIONS, duration: SECONDS / 2 });
  console.log(
    `ours GET /health/liveliness, same load: ${floor.rps.toFixed(0)} req/s, CPU ${floor.cpuUs?.toFixed(0)} µs/req ` +
      `(chat costs ${(results.ours.cpuUs / floor.cpuUs).toFixed(1)}× that), p50 ${ms(floor.p50)} ms, p99 ${ms(floor.p99)} ms`,
  );

  console.log(
    `\nfixed rate: ${RATE} req/s for ${RATE_SECONDS} s (${CONNECTIONS} connections); loadavg ${loadavg()}`,
  );
  const direct = targets[0];
  const oursTarget = targets[3];
  const rated = {};
  for (const t of [direct, oursTarget]) rated[t.name] = await measurePaced(t);
  console.log('  evenly spaced sends (bench/paced.mjs), latency from when each request was due:');
  printFixedRate(rated);
  const bursts = {};
  for (const t of [direct, oursTarget]) {
    bursts[t.name] = await measure(t, {
      connections: CONNECTIONS,
      overallRate: RATE,
      duration: RATE_SECONDS,
    });
  }
  console.log("  autocannon's overallRate (each second's quota sent at once, up to 50 in flight):");
  printFixedRate(bursts);
  const memory = pid ? memoryOf(pid) : undefined;
  if (memory)
    console.log(
      `ours after the run: RSS ${memory.rssMb.toFixed(0)} MB, peak RSS ${memory.peakMb.toFixed(0)} MB (goal ≤ 250 MB); ` +
        `before the load ${memoryAtStart.rssMb.toFixed(0)} MB`,
    );
  else console.log('ours: pid not found, RSS not read');

  const sent = oursTarget.answered2xx;
  await checkLedger(database.url, upstream, OURS_UPSTREAM_KEY, sent);
  console.log(`\nloadavg at the end ${loadavg()}`);
} finally {
  await ours?.stop();
  await Promise.all([upstream.stop(), bare.stop(), portkey.stop()]);
  await database.drop();
  rmSync(configDir, { recursive: true, force: true });
}

/** Our gateway on a fresh database, with a config.yaml naming the fake upstream. */
async function startOurs() {
  const configPath = join(configDir, 'config.yaml');
  writeFileSync(
    configPath,
    `model_list:
  - model_name: bench-gpt
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: ${upstream.origin}/v1
      api_key: ${OURS_UPSTREAM_KEY}
    model_info:
      input_cost_per_token: 0.00000015
      output_cost_per_token: 0.0000006
`,
  );
  const env = {
    LITELLM_MASTER_KEY: MASTER,
    CONFIG_FILE_PATH: configPath,
    SCHEDULER_ENABLED: 'false',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  };
  if (redis) env.REDIS_URL = redis;
  if (process.env.BENCH_CPU_PROF)
    env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require=${join(HERE, 'cpu-profile.cjs')}`;
  const workers = process.env.BENCH_WORKERS;
  return startApp(build.root, { url: database.url, env, args: workers ? ['--num_workers', workers] : [] });
}

/** `pid` serves the target: its CPU time per answer is measured (the upstream's for `direct`). */
function target(name, pid, url, model, headers) {
  return {
    name,
    pid,
    url,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: MESSAGES }),
    answered2xx: 0,
  };
}

/** One request through the target, which must answer 200 (else the bench would measure errors). */
async function probe(t) {
  const res = await fetch(t.url, { method: 'POST', headers: t.headers, body: t.body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${t.name}: ${res.status} ${text}`);
  t.answered2xx += 1;
}

/**
 * One autocannon run; latencies of 2xx answers are also kept here at full precision (autocannon's
 * histogram has whole milliseconds), and the CPU time the target's process spent per answer (user +
 * system, from /proc; PostgreSQL's and Redis's CPU is not in it). Returns { rps, cpuUs, p50, p99, n,
 * errors, raw }.
 */
async function measure(t, options) {
  const latencies = [];
  const cpuBefore = t.pid ? cpuMsOf(t.pid) : undefined;
  const request = { url: t.url, method: t.body ? 'POST' : 'GET', headers: t.headers, body: t.body };
  const instance = autocannon({ ...request, ...options });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const raw = await instance;
  t.answered2xx += raw['2xx'];
  const cpuMs = cpuBefore === undefined ? undefined : cpuMsOf(t.pid) - cpuBefore;
  return {
    rps: raw['2xx'] / (raw.duration || options.duration),
    cpuUs: cpuMs === undefined || raw['2xx'] === 0 ? undefined : (1000 * cpuMs) / raw['2xx'],
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    n: raw['2xx'],
    errors: raw.non2xx + raw.errors + raw.timeouts,
    raw: {
      average: raw.requests.average,
      p50: raw.latency.p50,
      p99: raw.latency.p99,
      duration: raw.duration,
    },
  };
}

function ms(v) {
  return v === undefined ? '   -' : v.toFixed(2).padStart(7);
}

function printClosedLoop(results) {
  const direct = results.direct;
  console.log(
    `\n| target     |   req/s | CPU µs/req |  p50 ms |  p99 ms | added p50 | added p99 |      n | errors |`,
  );
  console.log(
    `| ---------- | ------: | ---------: | ------: | ------: | --------: | --------: | -----: | -----: |`,
  );
  for (const [name, r] of Object.entries(results)) {
    const added = name === 'direct' ? ['', ''] : [ms(r.p50 - direct.p50), ms(r.p99 - direct.p99)];
    console.log(
      `| ${name.padEnd(10)} | ${r.rps.toFixed(0).padStart(7)} | ${(r.cpuUs?.toFixed(0) ?? '-').padStart(10)} | ` +
        `${ms(r.p50)} | ${ms(r.p99)} | ` +
        `${added[0].padStart(9)} | ${added[1].padStart(9)} | ${String(r.n).padStart(6)} | ${String(r.errors).padStart(6)} |`,
    );
  }
  const { ours, Portkey, 'bare proxy': bareProxy } = results;
  console.log(
    `\nours / Portkey req/s: ${(ours.rps / Portkey.rps).toFixed(2)}× (goal ≥ 5×)` +
      `   ours / bare proxy req/s: ${((100 * ours.rps) / bareProxy.rps).toFixed(0)}% (goal ≥ 30%)`,
  );
  // On a shared machine each process gets what CPU it can: the CPU cost per answer moves less than req/s.
  console.log(
    `CPU per answer: ours / Portkey ${(ours.cpuUs / Portkey.cpuUs).toFixed(2)}, ` +
      `ours / bare proxy ${(ours.cpuUs / bareProxy.cpuUs).toFixed(2)} (the req/s goals read as ≤ 0.2 and ≤ 3.3)`,
  );
  console.log('raw (autocannon: requests.average, latency p50/p99 in whole ms, duration s):');
  for (const [name, r] of Object.entries(results)) console.log(`  ${name}: ${JSON.stringify(r.raw)}`);
}

function printFixedRate(rated) {
  const { direct, ours } = rated;
  for (const [name, r] of Object.entries(rated)) {
    console.log(
      `    ${name.padEnd(6)} ${r.rps.toFixed(0).padStart(5)} req/s   p50 ${ms(r.p50)} ms   p99 ${ms(r.p99)} ms   ` +
        `CPU ${r.cpuUs?.toFixed(0) ?? '-'} µs/req   n=${r.n}${r.errors ? `   ${r.errors} errors or timeouts!` : ''}`,
    );
  }
  console.log(
    `    ours at ${RATE} req/s: added latency p50 ${ms(ours.p50 - direct.p50)} ms, p99 ${ms(ours.p99 - direct.p99)} ms (goal p99 ≤ 10 ms)`,
  );
}

/** The paced load (bench/paced.mjs) at RATE for RATE_SECONDS; same result shape as measure(). */
async function measurePaced(t) {
  const cpuBefore = t.pid ? cpuMsOf(t.pid) : undefined;
  const run = await paced(t.url, {
    rate: RATE,
    seconds: RATE_SECONDS,
    connections: CONNECTIONS,
    headers: t.headers,
    body: t.body,
  });
  t.answered2xx += run.ok;
  const cpuMs = cpuBefore === undefined ? undefined : cpuMsOf(t.pid) - cpuBefore;
  return {
    rps: run.ok / run.seconds,
    cpuUs: cpuMs === undefined || run.ok === 0 ? undefined : (1000 * cpuMs) / run.ok,
    p50: quantile(run.latencies, 0.5),
    p99: quantile(run.latencies, 0.99),
    n: run.ok,
    errors: run.errors,
  };
}
