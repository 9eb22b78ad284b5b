import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { JsonLogger } from './json-logger';
import { currentRequestId } from './request-context';
import { requestLogging } from './request-logging.middleware';

describe('request logging', () => {
  const lines: string[] = [];
  beforeAll(() => Logger.overrideLogger(new JsonLogger('debug', (line) => lines.push(line))));
  afterAll(() => Logger.overrideLogger(false));

  function fakeRequest(headers: Record<string, string>) {
    const req = {
      method: 'POST',
      path: '/key/generate',
      originalUrl: '/key/generate?key=sk-secret-query',
      headers,
      header: (name: string) => headers[name.toLowerCase()],
    } as unknown as Request;
    const res = Object.assign(new EventEmitter(), {
      statusCode: 200,
      setHeader: jest.fn(),
    }) as unknown as Response & EventEmitter;
    return { req, res };
  }

  it('should log one JSON line per request with a request id and never the credentials or query', () => {
    const { req, res } = fakeRequest({
      authorization: 'Bearer sk-secret-bearer',
      'x-litellm-api-key': 'sk-secret-header',
      'x-request-id': 'req-123',
    });
    let idInside: string | undefined;
    const next: NextFunction = () => {
      idInside = currentRequestId();
    };
    requestLogging(req, res, next);
    res.emit('finish');
    expect(idInside).toBe('req-123');
    expect(res.setHeader).toHaveBeenCalledWith('x-request-id', 'req-123');
    const entry = JSON.parse(lines[lines.length - 1]);
    expect(entry).toMatchObject({
      level: 'info',
      context: 'http',
      request_id: 'req-123',
      method: 'POST',
      path: '/key/generate',
      status: 200,
    });
    expect(lines.join('\n')).not.toMatch(/sk-secret/);
  });

  it('should replace an unsafe incoming request id with a generated one', () => {
    const { req, res } = fakeRequest({ 'x-request-id': 'bad id\nwith newline' });
    requestLogging(req, res, () => undefined);
    res.emit('finish');
    const entry = JSON.parse(lines[lines.length - 1]);
    expect(entry.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
