import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthService } from './auth.service';
import type { AuthContext } from './auth-context';
import { extractCredential } from './credentials';
import { IS_PUBLIC } from './decorators';
import { checkRouteAccess } from './route-permissions';

/**
 * The one global guard. Public routes pass; every other route needs a valid credential
 * (`x-litellm-api-key`, `Authorization: Bearer` or LiteLLM's other headers) and must pass
 * LiteLLM's route gate (route-permissions.ts). Deny by default. The caller is left on
 * `req.user` for `@CurrentAuth()`. A plain guard, not a passport strategy: passport's
 * per-request machinery did nothing for one custom credential check but cost CPU on every
 * guarded request; the errors are AuthService's ApiErrors either way.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<Request & { user?: AuthContext }>();
    const user = await this.auth.authenticate(extractCredential(req.headers));
    req.user = user;
    await checkRouteAccess(
      user,
      { method: req.method, path: req.path, body: req.body, query: req.query as Record<string, unknown> },
      this.auth,
    );
    return true;
  }
}
