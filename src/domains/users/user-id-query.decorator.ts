import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { RequestValidationError } from '../../platform/common/errors/api-error';
import { bracketedParameter } from '../../platform/common/errors/query-shape';

const MAX_LENGTH = 512;

/**
 * The `user_id` query parameter of /user/info and /v2/user/info. Query parsing turns `+` into a
 * space, but user ids (e.g. emails like `a+b@x.com`) keep their `+`: as LiteLLM does, a value with
 * a space is read again from the raw query string, decoding only %-escapes.
 */
export const UserIdQuery = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): string | undefined => {
    const req = ctx.switchToHttp().getRequest<Request>();
    const issue = bracketedParameter(req.query, (name) => name === 'user_id');
    if (issue) throw new RequestValidationError([issue]);
    const parsed = req.query.user_id;
    if (parsed === undefined) return undefined;
    if (typeof parsed !== 'string') throw invalid('user_id must be a single string');
    let value = parsed;
    if (value.includes(' ')) {
      const raw = /[?&]user_id=([^&]*)/.exec(req.originalUrl)?.[1];
      if (raw !== undefined) {
        try {
          value = decodeURIComponent(raw);
        } catch {
          // malformed %-escape: keep what the query parser made of it
        }
      }
    }
    if (value.length > MAX_LENGTH) throw invalid(`user_id must be at most ${MAX_LENGTH} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f]/.test(value)) throw invalid('user_id must not contain control characters');
    return value;
  },
);

function invalid(msg: string) {
  return new RequestValidationError([{ type: 'value_error', loc: ['query', 'user_id'], msg }]);
}
