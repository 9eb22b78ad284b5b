import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { requestContext } from './request-context';

const logger = new Logger('http');
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's `x-request-id` when it is sane), echoes it back, and
 * logs one line when the response is finished. Only method, path, status, duration and id are
 * logged: no headers (so no `authorization` or `x-litellm-api-key`) and no query string (it can
 * carry `?key=`).
 */
export function requestLogging(req: Request, res: Response, next: NextFunction) {
  const requestId = beginRequest(req, res, req.path);
  requestContext.run({ requestId }, next);
}

/**
 * The request id and the finish line of one request on a plain Node request (the express
 * middleware above and the routes served in front of express share it). Returns the id.
 */
export function beginRequest(req: IncomingMessage, res: ServerResponse, path: string): string {
  const incoming = req.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
  const started = process.hrtime.bigint();
  res.setHeader('x-request-id', requestId);
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    requestContext.run({ requestId }, () =>
      logger.log({
        msg: 'request',
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      }),
    );
  });
  return requestId;
}
