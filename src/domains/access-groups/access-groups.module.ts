import { Module } from '@nestjs/common';
import { AccessGroupsController } from './access-groups.controller';
import { AccessGroupsService } from './access-groups.service';

/** `/v1/access_group` (and its hidden alias `/v1/unified_access_group`). */
@Module({
  controllers: [AccessGroupsController],
  providers: [AccessGroupsService],
})
export class AccessGroupsModule {}
