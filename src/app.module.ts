import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AccessGroupsModule } from './access-groups/access-groups.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BudgetsModule } from './budgets/budgets.module';
import { rejectUnsafeInput } from './common/errors/unsafe-input';
import { requireJsonBody } from './common/json-body';
import { requestLogging } from './common/logging/request-logging.middleware';
import { RedisModule } from './redis/redis.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CustomersModule } from './customers/customers.module';
import { HealthModule } from './health/health.module';
import { InvitationsModule } from './invitations/invitations.module';
import { KeysModule } from './keys/keys.module';
import { ObjectPermissionsModule } from './object-permissions/object-permissions.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { ProjectsModule } from './projects/projects.module';
import { PrismaModule } from './prisma/prisma.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { TagsModule } from './tags/tags.module';
import { TeamsModule } from './teams/teams.module';
import { UsersModule } from './users/users.module';
import { WorkflowsModule } from './workflows/workflows.module';

/** Global infrastructure first, then the domains. */
const INFRASTRUCTURE = [PrismaModule, RedisModule, AuthModule, AuditModule, ObjectPermissionsModule];
const DOMAIN_MODULES = [
  HealthModule,
  KeysModule,
  UsersModule,
  InvitationsModule,
  TeamsModule,
  OrganizationsModule,
  ProjectsModule,
  TagsModule,
  AccessGroupsModule,
  BudgetsModule,
  CustomersModule,
  SchedulerModule,
  WorkflowsModule,
];

@Module({})
export class AppModule implements NestModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), ...INFRASTRUCTURE, ...DOMAIN_MODULES],
    };
  }

  configure(consumer: MiddlewareConsumer) {
    consumer.apply(requestLogging, requireJsonBody, rejectUnsafeInput).forRoutes('*path');
  }
}
