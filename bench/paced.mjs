// An open-loop load at a fixed rate with evenly spaced sends: request i leaves at start + i/rate,
// whether or not earlier ones have answered (up to `connections` in flight over keep-alive
// connections), and its latency counts from when it was due, so a stall is not hidden by sending
// less (no coordinated omission). autocannon's overallRate instead sends each second's quota at the
// start of the second, as fast as the connections allow: at 500 req/s over 50 connections that is a
// burst 50 deep every second, and its latencies measure the burst's queue, not the rate.
import { Pool } from 'undici';

/**
 * POSTs (or GETs, without `body`) `url` at `rate` per second for `seconds`. Returns
 * { sent, ok, errors, latencies (ms, 2xx only), seconds }.
 */
export async function paced(url, { rate, seconds, connections = 50, headers = {}, body, method }) {
  const { origin, pathname, search } = new URL(url);
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const total = Math.round(rate * seconds);
  const latencies = [];
  let ok = 0;
  let errors = 0;
  const inFlight = new Set();
  const start = performance.now();
  try {
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const call = pool
        .request({ path: pathname + search, method: method ?? (body ? 'POST' : 'GET'), headers, body })
        .then(async (res) => {
          await res.body.text();
          if (res.statusCode >= 200 && res.statusCode < 300) {
            ok += 1;
            latencies.push(performance.now() - due);
          } else errors += 1;
        })
        .catch(() => {
          errors += 1;
        });
      inFlight.add(call);
      call.finally(() => inFlight.delete(call));
    }
    await Promise.all(inFlight);
  } finally {
    await pool.close();
  }
  return { sent: total, ok, errors, latencies, seconds: (performance.now() - start) / 1000 };
}
