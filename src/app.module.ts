import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AccessGroupsModule } from './domains/access-groups/access-groups.module';
import { AuditModule } from './platform/audit/audit.module';
import { AuthModule } from './platform/auth/auth.module';
import { BudgetsModule } from './domains/budgets/budgets.module';
import { rejectUnsafeInput } from './platform/common/errors/unsafe-input';
import { requireJsonBody } from './platform/common/json-body';
import { requestLogging } from './platform/common/logging/request-logging.middleware';
import { RedisModule } from './platform/redis/redis.module';
import { DirectRoutesModule } from './platform/http/direct-routes.module';
import type { AppConfig } from './platform/config/app-config';
import { ConfigModule } from './platform/config/config.module';
import { CustomersModule } from './domains/customers/customers.module';
import { GatewayModule } from './domains/gateway/gateway.module';
import { McpModule } from './domains/mcp/mcp.module';
import { HealthModule } from './platform/health/health.module';
import { InvitationsModule } from './domains/invitations/invitations.module';
import { KeysModule } from './domains/keys/keys.module';
import { ObjectPermissionsModule } from './domains/object-permissions/object-permissions.module';
import { OrganizationsModule } from './domains/organizations/organizations.module';
import { ProjectsModule } from './domains/projects/projects.module';
import { PrismaModule } from './platform/prisma/prisma.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { TagsModule } from './domains/tags/tags.module';
import { TeamsModule } from './domains/teams/teams.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { UsersModule } from './domains/users/users.module';
import { WorkflowsModule } from './domains/workflows/workflows.module';

/** Global infrastructure and the tenancy core first, then the domains. */
const INFRASTRUCTURE = [
  PrismaModule,
  RedisModule,
  AuthModule,
  DirectRoutesModule,
  AuditModule,
  TenancyModule,
  ObjectPermissionsModule,
];
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
  GatewayModule,
  McpModule,
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
