import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiAuthGuard } from './api-auth.guard';
import { AuthCacheService } from './auth-cache.service';
import { AuthService } from './auth.service';
import { InvalidationBus } from './invalidation-bus';

/**
 * Global: domains inject AuthCacheService to invalidate keys, users and teams they change; the
 * gateway's model registry listens on the InvalidationBus too.
 */
@Global()
@Module({
  providers: [AuthService, AuthCacheService, InvalidationBus, { provide: APP_GUARD, useClass: ApiAuthGuard }],
  exports: [AuthService, AuthCacheService, InvalidationBus],
})
export class AuthModule {}
