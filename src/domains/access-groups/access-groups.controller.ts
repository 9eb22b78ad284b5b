import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthContext } from '../../platform/auth/auth-context';
import { CurrentAuth } from '../../platform/auth/decorators';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import { AccessGroupCreateRequest, AccessGroupResponse, AccessGroupUpdateRequest } from './access-groups.dto';
import { AccessGroupsService } from './access-groups.service';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

const WRITE = 'Proxy admins only (others 403). Also served under /v1/unified_access_group.';
const READ = 'Proxy admins and proxy admin viewers (others 403). Also served under /v1/unified_access_group.';

@ApiTags('access groups')
@ApiBearerAuth('bearer')
@Controller('v1/access_group')
export class AccessGroupsController {
  constructor(private readonly accessGroups: AccessGroupsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create an access group',
    description: `${WRITE} Grants models, MCP servers and agents to the teams and keys named: each gets the group id in its access_group_ids, in the same transaction. Duplicate name → 409; unknown team or key ids → 400 and nothing is created.`,
  })
  @ApiCreatedResponse({ type: AccessGroupResponse })
  @ApiBodyExample({
    access_group_name: 'gpt-4-users',
    access_model_names: ['gpt-4'],
  })
  @ApiErrors(400, 409)
  createAccessGroup(@Body() body: AccessGroupCreateRequest, @CurrentActor() actor: Actor) {
    return this.accessGroups.createAccessGroup(body, actor);
  }

  @Get()
  @ApiOperation({ summary: 'List access groups', description: `${READ} Newest first.` })
  @ApiOkResponse({ type: AccessGroupResponse, isArray: true })
  listAccessGroups(@CurrentAuth() auth: AuthContext) {
    return this.accessGroups.listAccessGroups(auth);
  }

  @Get(':access_group_id')
  @ApiOperation({ summary: 'Get an access group', description: `${READ} Unknown id → 404.` })
  @ApiOkResponse({ type: AccessGroupResponse })
  @ApiErrors(404)
  getAccessGroup(@Param('access_group_id') id: string, @CurrentAuth() auth: AuthContext) {
    return this.accessGroups.getAccessGroup(id, auth);
  }

  @Put(':access_group_id')
  @ApiOperation({
    summary: 'Update an access group',
    description: `${WRITE} Only the fields sent change (a list sent as null becomes []). New team and key lists replace the old ones: added teams and keys get the group id, those left out lose it. Unknown id → 404; rename onto an existing name → 409; unknown team or key ids → 400.`,
  })
  @ApiOkResponse({ type: AccessGroupResponse })
  @ApiBodyExample({ description: 'Teams allowed to use GPT-4' })
  @ApiErrors(400, 404, 409)
  updateAccessGroup(
    @Param('access_group_id') id: string,
    @Body() body: AccessGroupUpdateRequest,
    @CurrentActor() actor: Actor,
  ) {
    return this.accessGroups.updateAccessGroup(id, body, actor);
  }

  @Delete(':access_group_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an access group',
    description: `${WRITE} Removes the group id from every team and key that carries it, then deletes the group. Unknown id → 404.`,
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(404)
  deleteAccessGroup(@Param('access_group_id') id: string, @CurrentActor() actor: Actor) {
    return this.accessGroups.deleteAccessGroup(id, actor);
  }
}
