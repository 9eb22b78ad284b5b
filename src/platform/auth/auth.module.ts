import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ApiAuthGuard } from './api-auth.guard';
import { ApiKeyStrategy } from './api-key.strategy';
import { AuthCacheService } from './auth-cache.service';
import { AuthService } from './auth.service';
import { InvalidationBus } from './invalidation-bus';

/** Global: domains inject AuthCacheService to invalidate keys, users and teams they change. */
@Global()
@Module({
  imports: [PassportModule],
  providers: [
    AuthService,
    AuthCacheService,
    InvalidationBus,
    ApiKeyStrategy,
    { provide: APP_GUARD, useClass: ApiAuthGuard },
  ],
  exports: [AuthService, AuthCacheService],
})
export class AuthModule {}
