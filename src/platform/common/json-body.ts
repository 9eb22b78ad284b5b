import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ApiError, RequestValidationError } from './errors/api-error';
import { isOAuthTokenForm } from './oauth-form-body';

/**
 * Request bodies are JSON, read as LiteLLM's framework reads them: a body without a content type is
 * parsed as JSON (curl users often send none), `application/json` and any `…+json` type are JSON,
 * and a body of any other type is refused (see `requireJsonBody`) instead of being treated as `{}`.
 */
export function isJsonRequest(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const header = req.headers['content-type'];
  if (header === undefined || header === '') return true;
  const mediaType = String(header).split(';')[0].trim().toLowerCase();
  return mediaType === 'application/json' || /^[a-z]+\/[^\s/]+\+json$/.test(mediaType);
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * 422 for a body that is not JSON (a form post, text/plain): otherwise the JSON parser skips it and
 * the route acts on an empty body, creating a key with none of the fields the caller sent.
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction) {
  if (!hasBody(req) || isJsonRequest(req) || isOAuthTokenForm(req)) return next();
  next(notJson(req));
}

function notJson(req: IncomingMessage): RequestValidationError {
  return new RequestValidationError([
    {
      type: 'model_attributes_type',
      loc: ['body'],
      msg: `Request body must be JSON (Content-Type: application/json), got ${req.headers['content-type']}`,
    },
  ]);
}

/** The JSON body limit of every route (chat requests carry images as base64 data URLs). */
export const JSON_BODY_LIMIT_BYTES = 50 * 1024 * 1024;

/**
 * Reads and parses a JSON body on a plain Node request, with the answers the express path gives
 * (body-parser, `requireJsonBody`): no body → `{}`, a non-JSON content type → 422, over the limit
 * → 413, malformed JSON or a top level that is not an object or array → 400.
 */
export async function readJsonBody(req: IncomingMessage, limit = JSON_BODY_LIMIT_BYTES): Promise<unknown> {
  if (!hasBody(req)) return {};
  if (!isJsonRequest(req)) throw notJson(req);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  if (size === 0) return {};
  const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'Malformed JSON in request body', 'bad_request_error');
  }
  // body-parser's strict mode: only an object or an array is a JSON body.
  if (typeof parsed !== 'object' || parsed === null)
    throw new ApiError(400, 'Malformed JSON in request body', 'bad_request_error');
  return parsed;
}

function tooLarge(): ApiError {
  return new ApiError(413, 'request entity too large');
}
