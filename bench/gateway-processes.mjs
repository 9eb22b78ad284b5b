// The processes the gateway bench starts besides ours (the fake upstream, the bare proxy, Portkey's
// gateway), how it finds our gateway's pid, and its memory.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PORTKEY = fileURLToPath(
  new URL('../node_modules/@portkey-ai/gateway/build/start-server.js', import.meta.url),
);

const children = new Set();
// However the bench ends (an error, Ctrl-C through the harness's handlers), its children end with it.
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

/** Starts `node args…`, waits until `probe` answers; returns { child, stop() }. */
async function startNode(label, args, probe) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    children.delete(child);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode}`);
    try {
      await probe();
      return { child, stop };
    } catch (e) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`${label} did not start: ${e.message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const answers = (url) => async () => {
  await (await fetch(url)).arrayBuffer();
};

export async function startUpstream(port) {
  const origin = `http://127.0.0.1:${port}`;
  const started = await startNode(
    'the fake upstream',
    [`${HERE}fake-openai-upstream.mjs`, String(port)],
    answers(`${origin}/stats`),
  );
  return { ...started, origin, stats: async () => (await fetch(`${origin}/stats`)).json() };
}

export async function startBareProxy(port, upstreamOrigin) {
  const origin = `http://127.0.0.1:${port}`;
  const started = await startNode(
    'the bare proxy',
    [`${HERE}bare-proxy.mjs`, String(port), upstreamOrigin],
    answers(`${origin}/stats`),
  );
  return { ...started, origin };
}

/** Portkey's open-source gateway, headless (no UI, no log console), as `npx @portkey-ai/gateway` runs. */
export async function startPortkey(port) {
  const origin = `http://127.0.0.1:${port}`;
  const started = await startNode('Portkey', [PORTKEY, `--port=${port}`, '--headless'], answers(origin));
  return { ...started, origin };
}

/** The pid of our gateway: the child of this process running dist/main.js (the harness keeps it). */
export function childPidRunning(script) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(script)) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** Resident and peak resident memory of a process, in MB (Linux). */
export function memoryOf(pid) {
  let rssMb = 0;
  let peakMb = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    rssMb += kb('VmRSS') / 1024;
    peakMb += kb('VmHWM') / 1024;
  }
  return { rssMb, peakMb };
}

/** The live child processes of `pid` (our `--num_workers` workers). */
function childrenOf(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/**
 * User + system CPU time a process and its live children (our workers) have used so far, in ms
 * (Linux, clock ticks of 10 ms).
 */
export function cpuMsOf(pid) {
  let ms = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    // Fields after the command name (which may hold spaces) start at the state, field 3; utime is 14.
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ').pop().split(' ');
    ms += (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return ms;
}

/** True when a Redis server answers PING at that URL's host and port. */
export function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), hostname);
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
