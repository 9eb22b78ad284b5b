import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';
import { ChangesService } from './changes.service';

/** Global: every domain records its changes (ChangesService: write + audit row + cache invalidation). */
@Global()
@Module({ providers: [AuditService, ChangesService], exports: [AuditService, ChangesService] })
export class AuditModule {}
