import type { NextFunction, Request, Response } from 'express';
import { RequestValidationError } from './errors/api-error';

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

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * 422 for a body that is not JSON (a form post, text/plain): otherwise the JSON parser skips it and
 * the route acts on an empty body, creating a key with none of the fields the caller sent.
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction) {
  if (!hasBody(req) || isJsonRequest(req)) return next();
  next(
    new RequestValidationError([
      {
        type: 'model_attributes_type',
        loc: ['body'],
        msg: `Request body must be JSON (Content-Type: application/json), got ${req.headers['content-type']}`,
      },
    ]),
  );
}
