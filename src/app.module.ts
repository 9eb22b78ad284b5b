import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { RedisModule } from './common/redis/redis.module';
import { requestLogging } from './common/logging/request-logging.middleware';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { HealthModule } from './health/health.module';
import { UsersModule } from './users/users.module';
import { PrismaModule } from './prisma/prisma.module';

/** Domain modules are added to `DOMAIN_MODULES`; infrastructure is global. */
const DOMAIN_MODULES = [HealthModule, UsersModule];

@Module({})
export class AppModule implements NestModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), PrismaModule, RedisModule, AuthModule, ...DOMAIN_MODULES],
    };
  }

  configure(consumer: MiddlewareConsumer) {
    consumer.apply(requestLogging).forRoutes('*path');
  }
}
