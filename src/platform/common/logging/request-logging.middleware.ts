import { randomUUID } from 'node:crypto';
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
  const incoming = req.header('x-request-id');
  const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
  const started = process.hrtime.bigint();
  res.setHeader('x-request-id', requestId);
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    requestContext.run({ requestId }, () =>
      logger.log({
        msg: 'request',
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      }),
    );
  });
  requestContext.run({ requestId }, next);
}
