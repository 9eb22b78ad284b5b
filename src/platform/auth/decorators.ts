import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AuthContext } from './auth-context';

export const IS_PUBLIC = 'auth:isPublic';

/** Marks a route that needs no credential (health, docs). Everything else is denied by default. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The caller, as the global guard resolved it. Throws if the guard did not run (a wiring bug). */
export const CurrentAuth = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthContext => {
  const auth = ctx.switchToHttp().getRequest<{ user?: AuthContext }>().user;
  if (!auth) throw new Error('CurrentAuth used on a route the auth guard did not authenticate');
  return auth;
});
