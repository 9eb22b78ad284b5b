import type { ServerResponse } from 'node:http';

/**
 * `body` as JSON with `status`, on a plain Node response (what express's `res.json` does, minus
 * the ETag we disable anyway). Express responses are Node responses, so both paths use it.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
