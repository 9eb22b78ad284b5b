import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AuthContext } from '../auth/auth-context';
import { CurrentAuth } from '../auth/decorators';
import { ChangedByHeader } from '../common/request-headers';
import { AccessGroupCreateRequest, AccessGroupUpdateRequest } from './access-groups.dto';
import { AccessGroupsService } from './access-groups.service';

/**
 * `/v1/unified_access_group`: LiteLLM's alias of `/v1/access_group`, hidden from the docs. Same
 * bodies, same answers, same service calls.
 */
@ApiExcludeController()
@Controller('v1/unified_access_group')
export class UnifiedAccessGroupsController {
  constructor(private readonly accessGroups: AccessGroupsService) {}

  @Post()
  @HttpCode(201)
  createUnifiedAccessGroup(
    @Body() body: AccessGroupCreateRequest,
    @CurrentAuth() auth: AuthContext,
    @ChangedByHeader() changedBy?: string,
  ) {
    return this.accessGroups.createAccessGroup(body, { auth, changedByHeader: changedBy });
  }

  @Get()
  listUnifiedAccessGroups(@CurrentAuth() auth: AuthContext) {
    return this.accessGroups.listAccessGroups(auth);
  }

  @Get(':access_group_id')
  getUnifiedAccessGroup(@Param('access_group_id') id: string, @CurrentAuth() auth: AuthContext) {
    return this.accessGroups.getAccessGroup(id, auth);
  }

  @Put(':access_group_id')
  updateUnifiedAccessGroup(
    @Param('access_group_id') id: string,
    @Body() body: AccessGroupUpdateRequest,
    @CurrentAuth() auth: AuthContext,
    @ChangedByHeader() changedBy?: string,
  ) {
    return this.accessGroups.updateAccessGroup(id, body, { auth, changedByHeader: changedBy });
  }

  @Delete(':access_group_id')
  @HttpCode(204)
  deleteUnifiedAccessGroup(
    @Param('access_group_id') id: string,
    @CurrentAuth() auth: AuthContext,
    @ChangedByHeader() changedBy?: string,
  ) {
    return this.accessGroups.deleteAccessGroup(id, { auth, changedByHeader: changedBy });
  }
}
