import { Module } from '@nestjs/common';
import { AccessGroupsController } from './access-groups.controller';
import { AccessGroupsService } from './access-groups.service';

/**
 * `/v1/access_group` (and its hidden alias `/v1/unified_access_group`). Exports AccessGroupsService so
 * that the teams and keys modules plug in the writers of their `access_group_ids` at start-up.
 */
@Module({
  controllers: [AccessGroupsController],
  providers: [AccessGroupsService],
  exports: [AccessGroupsService],
})
export class AccessGroupsModule {}
