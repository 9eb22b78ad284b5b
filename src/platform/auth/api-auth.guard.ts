import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { API_KEY_STRATEGY } from './api-key.strategy';
import { AuthService } from './auth.service';
import type { AuthContext } from './auth-context';
import { IS_PUBLIC } from './decorators';
import { checkRouteAccess } from './route-permissions';

/**
 * The one global guard. Public routes pass; every other route needs a valid credential and
 * must pass LiteLLM's route gate (route-permissions.ts). Deny by default.
 */
@Injectable()
export class ApiAuthGuard extends AuthGuard(API_KEY_STRATEGY) {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<Request & { user: AuthContext }>();
    await checkRouteAccess(
      req.user,
      { method: req.method, path: req.path, body: req.body, query: req.query as Record<string, unknown> },
      this.auth,
    );
    return true;
  }

  /** Keep our ApiError (status, type, message) instead of passport's generic 401. */
  override handleRequest<T>(err: unknown, user: T): T {
    if (err) throw err;
    return user;
  }
}
