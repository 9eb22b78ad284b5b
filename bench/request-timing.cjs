// Preloaded into our process by bench/mcp.mjs with BENCH_REQUEST_TIMING=1 (NODE_OPTIONS=--require), on the
// same SIGUSR2 start/stop signals as bench/cpu-profile.cjs. Between them it times every HTTP request inside
// our process (from the server's 'request' event to the response's 'finish'), watches the event loop (a 2 ms
// timer: a gap over 12 ms is a lag) and V8's GC pauses over 3 ms; at stop it prints to stderr the requests'
// p50/p99 and the slowest ten, each with the lags and pauses that overlap it. A slow request with none
// overlapping waited for something outside our process (Redis, PostgreSQL, the upstream). Measurement only.
const http = require('node:http');
const { PerformanceObserver } = require('node:perf_hooks');

const LAG_MS = 12;
const PAUSE_MS = 3;
let on = false;
let started = 0;
let requests = [];
let lags = [];
let pauses = [];

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (on && event === 'request') {
    const at = performance.now();
    res.once('finish', () => requests.push([at, performance.now() - at]));
  }
  return emit.apply(this, arguments);
};
new PerformanceObserver((list) => {
  if (on)
    for (const e of list.getEntries()) if (e.duration > PAUSE_MS) pauses.push([e.startTime, e.duration]);
}).observe({ entryTypes: ['gc'] });
let tick = performance.now();
setInterval(() => {
  const now = performance.now();
  if (on && now - tick > LAG_MS) lags.push([tick, now - tick]);
  tick = now;
}, 2).unref();

process.on('SIGUSR2', () => {
  if (!on) {
    [on, started, requests, lags, pauses] = [true, performance.now(), [], [], []];
    return;
  }
  on = false;
  const ms = requests.map(([, d]) => d).sort((a, b) => a - b);
  const q = (p) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(2) : '-');
  const s = (t) => ((t - started) / 1000).toFixed(3);
  const overlapping = (at, d, list) =>
    list.filter(([t, dd]) => t < at + d && t + dd > at).map(([t, dd]) => `${s(t)} s ${dd.toFixed(0)} ms`);
  const lines = [
    `request timing inside ours: ${ms.length} requests, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms; ` +
      `event-loop lags over ${LAG_MS} ms: ${lags.length}; GC pauses over ${PAUSE_MS} ms: ${pauses.length} ` +
      `(${pauses.reduce((n, [, d]) => n + d, 0).toFixed(0)} ms)`,
    ...[...requests]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(
        ([at, d]) =>
          `  at ${s(at)} s ${d.toFixed(1)} ms; lags [${overlapping(at, d, lags).join(', ')}], ` +
          `GC [${overlapping(at, d, pauses).join(', ')}]`,
      ),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
});
