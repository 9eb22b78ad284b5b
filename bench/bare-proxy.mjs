// The reference "bare proxy" of the gateway bench: a node:http server that passes every request to one
// upstream through an undici keep-alive pool, and the answer back, with no auth, checks, limits or
// logging. It is the ceiling a Node gateway can reach on this machine; ours is judged as a share of it.
// Usage: node bench/bare-proxy.mjs PORT UPSTREAM_ORIGIN   (prints "listening PORT" when ready)
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

const port = Number(process.argv[2] ?? 0);
const upstream = new Pool(process.argv[3], { connections: 64, pipelining: 1 });
// Hop-by-hop headers belong to one connection and are not passed on.
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade']);

function passable(headers) {
  const out = {};
  for (const name in headers) if (!HOP.has(name)) out[name] = headers[name];
  return out;
}

const server = createServer(async (req, res) => {
  try {
    const answer = await upstream.request({
      method: req.method,
      path: req.url,
      headers: passable(req.headers),
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req,
    });
    res.writeHead(answer.statusCode, passable(answer.headers));
    await pipeline(answer.body, res);
  } catch (e) {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: e.message, type: 'bad_gateway', param: null, code: '502' } }));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
