import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { RequestValidationError, ValidationIssue } from '../common/errors/api-error';

const MAX_DEPTH = 32;

/**
 * Refuses, as a 422 naming the field, two kinds of input that would otherwise surface as a 500:
 * - U+0000 in any string or object key: PostgreSQL cannot store it in text or jsonb, so Prisma
 *   fails (even on a lookup);
 * - JSON nested deeper than 32 levels: class-transformer recurses and overflows the stack.
 * An interceptor rather than a pipe because it must run before the global validation pipe.
 * Applied to the budget and customer controllers; it belongs in the global pipe once every domain
 * wants it.
 */
@Injectable()
export class RejectUnsafeJsonInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const sources: [string, unknown][] = [
      ['body', req.body],
      ['query', req.query],
      ['path', req.params],
    ];
    for (const [where, value] of sources) {
      const issue = findUnsafe(value, [where], 0);
      if (issue) throw new RequestValidationError([issue]);
    }
    return next.handle();
  }
}

function findUnsafe(value: unknown, loc: (string | number)[], depth: number): ValidationIssue | null {
  if (typeof value === 'string') {
    return value.includes('\u0000')
      ? { type: 'string_nul_character', loc, msg: 'Text must not contain the NUL character (\\u0000)' }
      : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_DEPTH) {
    return { type: 'too_deep', loc, msg: `JSON must not be nested more than ${MAX_DEPTH} levels deep` };
  }
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, i): [number, unknown] => [i, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    if (typeof key === 'string' && key.includes('\u0000')) {
      return {
        type: 'string_nul_character',
        loc: [...loc, key],
        msg: 'Names must not contain the NUL character',
      };
    }
    const issue = findUnsafe(item, [...loc, key], depth + 1);
    if (issue) return issue;
  }
  return null;
}
