import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthContext } from '../auth/auth-context';
import type { Actor } from './audit.service';

/**
 * Who a change is made by, for a handler that writes: the caller as the global guard resolved it,
 * plus the `litellm-changed-by` header (on whose behalf), which audit and archive rows record.
 */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<Request & { user?: AuthContext }>();
  if (!req.user) throw new Error('CurrentActor used on a route the auth guard did not authenticate');
  const changedBy = req.header('litellm-changed-by')?.trim();
  return { auth: req.user, changedByHeader: changedBy ? changedBy.slice(0, 256) : undefined };
});
