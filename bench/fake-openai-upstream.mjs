// A fake OpenAI upstream for the gateway bench, in a process of its own so it never shares an event loop
// with the load generator or a proxy: every POST …/chat/completions gets the same small chat.completion at
// once, with fixed usage. It counts the answers it sent per Authorization header (each gateway in the
// bench calls it with its own key), so the bench can compare what reached the upstream through our
// gateway with the rows of its spend log. GET /stats returns those counts.
// Usage: node bench/fake-openai-upstream.mjs PORT   (prints "listening PORT" when ready)
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const answered = new Map();

const REPLY = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello from the bench upstream.', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 8, completion_tokens: 9, total_tokens: 17 },
    system_fingerprint: 'fp_bench',
  }),
);
const HEADERS = { 'content-type': 'application/json', 'content-length': String(REPLY.length) };

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(Object.fromEntries(answered)));
    return;
  }
  // The body is read to its end (a real upstream parses it) and dropped.
  req.on('data', () => undefined);
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}');
      return;
    }
    const caller = req.headers.authorization ?? '';
    answered.set(caller, (answered.get(caller) ?? 0) + 1);
    res.writeHead(200, HEADERS);
    res.end(REPLY);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
