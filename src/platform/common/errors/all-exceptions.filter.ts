import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { ServerResponse } from 'node:http';
import { currentRequestId } from '../logging/request-context';
import { ApiError, RequestValidationError, errorTypeFor } from './api-error';
import { sendJson } from '../http-response';

/**
 * Every error leaves as LiteLLM's envelope. Known classes map to their status; anything else
 * is a bug: logged with the request id and answered 500 without internals.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    sendError(host.switchToHttp().getResponse<ServerResponse>(), exception);
  }
}

const logger = new Logger('errors');

/**
 * Writes `exception` as LiteLLM's envelope on a plain Node response: the filter's answer, also
 * used by the routes served in front of express (platform/http/direct-routes.ts).
 */
export function sendError(res: ServerResponse, exception: unknown) {
  const error = toApiError(exception);
  if (error.status >= 500) {
    logger.error({ msg: 'unhandled error', error: describe(exception) });
  }
  if (res.headersSent) return;
  const body: Record<string, unknown> = {
    error: { message: error.message, type: error.type, param: error.param, code: String(error.status) },
  };
  if (error instanceof RequestValidationError) body.detail = error.issues;
  if (error.headers) for (const name in error.headers) res.setHeader(name, error.headers[name]);
  sendJson(res, error.status, body);
}

function toApiError(exception: unknown): ApiError {
  if (exception instanceof ApiError) return exception;
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (exception instanceof Prisma.PrismaClientKnownRequestError) {
    const mapped = fromPrismaError(exception);
    if (mapped) return mapped;
  }
  const parserError = fromBodyParserError(exception);
  if (parserError) return parserError;
  const requestId = currentRequestId();
  return new ApiError(500, `Internal server error${requestId ? ` (request id ${requestId})` : ''}`);
}

function fromHttpException(exception: HttpException): ApiError {
  const status = exception.getStatus();
  const response = exception.getResponse();
  let message = exception.message;
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const m = (response as { message: unknown }).message;
    message = Array.isArray(m) ? m.join('; ') : String(m);
  }
  return new ApiError(status, message, errorTypeFor(status));
}

function fromPrismaError(e: Prisma.PrismaClientKnownRequestError): ApiError | undefined {
  const target = (e.meta?.target as string[] | string | undefined) ?? undefined;
  const fields = Array.isArray(target) ? target.join(', ') : target;
  switch (e.code) {
    case 'P2002':
      return new ApiError(
        409,
        `A record with this ${fields ?? 'value'} already exists`,
        'conflict_error',
        fields ?? null,
      );
    case 'P2025':
      return new ApiError(404, 'Record not found', 'not_found_error');
    case 'P2003':
      return new ApiError(
        400,
        'A referenced record does not exist',
        'bad_request_error',
        (e.meta?.field_name as string) ?? null,
      );
    default:
      return undefined;
  }
}

/** body-parser failures (malformed JSON, too large) arrive as plain errors with a `status`. */
function fromBodyParserError(exception: unknown): ApiError | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const e = exception as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.parse.failed')
    return new ApiError(400, 'Malformed JSON in request body', 'bad_request_error');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && typeof e.type === 'string') {
    return new ApiError(e.status, e.message ?? 'Bad request', errorTypeFor(e.status));
  }
  return undefined;
}

function describe(exception: unknown) {
  if (exception instanceof Error)
    return { name: exception.name, message: exception.message, stack: exception.stack };
  return { value: String(exception) };
}
