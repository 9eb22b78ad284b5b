import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** The `litellm-changed-by` header (who a change is made on behalf of), for audit and archive rows. */
export const ChangedByHeader = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): string | undefined => {
    const value = ctx.switchToHttp().getRequest<Request>().header('litellm-changed-by')?.trim();
    return value ? value.slice(0, 256) : undefined;
  },
);
