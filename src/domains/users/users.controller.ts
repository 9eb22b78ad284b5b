import { Body, Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../platform/auth/auth-context';
import { CurrentAuth } from '../../platform/auth/decorators';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import { DailyActivityResponse } from '../../platform/common/dto/daily-activity.responses';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import {
  UserBulkUpdateRequest,
  UserDailyActivityQuery,
  UserDeleteRequest,
  UserFilterQuery,
  UserListQuery,
  UserNewRequest,
  UserUpdateRequest,
} from './dto/user.requests';
import { UserDailyActivityService } from './user-daily-activity.service';
import { UserIdQuery } from './user-id-query.decorator';
import { UserQueriesService } from './user-queries.service';
import { AVAILABLE_ROLES } from './user-roles';
import { UserUpdateService } from './user-update.service';
import { UsersService } from './users.service';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

const USER_ROW = {
  user_id: 'alice',
  user_email: 'alice@example.com',
  user_alias: 'Alice',
  user_role: 'internal_user',
  teams: ['team-1'],
  models: [],
  max_budget: 100,
  spend: 0,
  budget_duration: '30d',
  budget_reset_at: '2026-02-01T00:00:00.000Z',
  metadata: {},
};
const USER_ID_QUERY = {
  name: 'user_id',
  required: false,
  description: "Defaults to the caller; '+' is kept as is",
};

@ApiTags('users')
@ApiBearerAuth('bearer')
@Controller()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly updates: UserUpdateService,
    private readonly queries: UserQueriesService,
    private readonly activity: UserDailyActivityService,
  ) {}

  @Post('user/new')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a user (and, unless auto_create_key is false, their first key)',
    description:
      'Proxy admins, or org admins passing an organization_id they administer. Teams and organizations must exist.',
  })
  @ApiOkResponse({
    schema: { example: { ...USER_ROW, key: 'sk-...', key_name: 'sk-...a1b2', expires: null } },
  })
  @ApiBodyExample({
    user_email: 'alice@example.com',
    user_role: 'internal_user',
    max_budget: 100,
  })
  @ApiErrors(400, 409)
  newUser(@CurrentActor() actor: Actor, @Body() body: UserNewRequest) {
    return this.users.create(actor, body);
  }

  @Get('user/info')
  @ApiOperation({
    summary: "A user's row, keys and teams",
    description: 'Non-admins only for themselves. A proxy admin without user_id gets every team and key.',
  })
  @ApiQuery(USER_ID_QUERY)
  @ApiOkResponse({ schema: { example: { user_id: 'alice', user_info: USER_ROW, keys: [], teams: [] } } })
  @ApiErrors(404)
  userInfo(@CurrentAuth() auth: AuthContext, @UserIdQuery() userId: string | undefined) {
    return this.queries.info(auth, userId);
  }

  @Get('v2/user/info')
  @ApiOperation({
    summary: 'A user (no keys, no team rows)',
    description: 'Admins, the user themself, or an admin of one of their teams; anyone else gets 404.',
  })
  @ApiQuery(USER_ID_QUERY)
  @ApiOkResponse({ schema: { example: USER_ROW } })
  @ApiErrors(400, 404)
  userInfoV2(@CurrentAuth() auth: AuthContext, @UserIdQuery() userId: string | undefined) {
    return this.queries.infoV2(auth, userId);
  }

  @Post('user/update')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Update a user',
    description:
      'Only the fields sent change; [] / {} / 0 / false are applied and null clears nullable fields. Non-admins: only their own email, alias and password.',
  })
  @ApiOkResponse({ schema: { example: { user_id: 'alice', data: USER_ROW } } })
  @ApiBodyExample({ user_id: 'alice', max_budget: 200 }, 'Raise the budget of user alice')
  @ApiErrors(400, 409)
  updateUser(@CurrentActor() actor: Actor, @Body() body: UserUpdateRequest) {
    return this.updates.update(actor, body);
  }

  @Post('user/bulk_update')
  @HttpCode(200)
  @ApiOperation({ summary: 'Update up to 500 users, or all users at once (proxy admins)' })
  @ApiOkResponse({
    schema: {
      example: {
        results: [{ user_id: 'alice', user_email: null, success: true, updated_user: USER_ROW }],
        total_requested: 1,
        successful_updates: 1,
        failed_updates: 0,
      },
    },
  })
  @ApiBodyExample(
    { users: [{ user_id: 'alice', max_budget: 200 }] },
    'Users are updated one by one; failures are listed',
  )
  @ApiErrors(400)
  bulkUpdateUsers(@CurrentActor() actor: Actor, @Body() body: UserBulkUpdateRequest) {
    return this.updates.bulkUpdate(actor, body);
  }

  @Get('user/list')
  @ApiOperation({
    summary: 'List users (paginated)',
    description: 'Proxy admins and viewers see all users; org admins the members of their organizations.',
  })
  @ApiOkResponse({
    schema: {
      example: { users: [{ ...USER_ROW, key_count: 1 }], total: 1, page: 1, page_size: 25, total_pages: 1 },
    },
  })
  @ApiErrors(400)
  listUsers(@CurrentAuth() auth: AuthContext, @Query() query: UserListQuery) {
    return this.queries.list(auth, query);
  }

  @Post('user/delete')
  @HttpCode(200)
  @Header('Content-Type', 'application/json')
  @ApiOperation({
    summary: 'Delete users with their keys, memberships and invitation links (all or nothing)',
    description:
      'Keys are archived to LiteLLM_DeletedVerificationToken. Answers the number of users deleted.',
  })
  @ApiOkResponse({ schema: { type: 'integer', example: 1 } })
  @ApiBodyExample({ user_ids: ['alice'] })
  @ApiErrors(400, 404)
  deleteUsers(@CurrentActor() actor: Actor, @Body() body: UserDeleteRequest) {
    return this.users.delete(actor, body);
  }

  @Get('user/filter/ui')
  @ApiOperation({ summary: 'Search users by id or email substring (for pickers)' })
  @ApiOkResponse({ schema: { example: [{ user_id: 'alice', user_email: 'alice@example.com' }] } })
  filterUsers(@CurrentAuth() auth: AuthContext, @Query() query: UserFilterQuery) {
    return this.queries.filter(auth, query);
  }

  @Get('user/daily/activity')
  @ApiOperation({
    summary: "A user's daily spend and usage (paginated by day)",
    description: 'Admins: any user, or all users without user_id. Others: themselves.',
  })
  @ApiOkResponse({ type: DailyActivityResponse })
  @ApiErrors(400)
  userDailyActivity(@CurrentAuth() auth: AuthContext, @Query() query: UserDailyActivityQuery) {
    return this.activity.dailyActivity(auth, query);
  }

  @Get('user/available_roles')
  @ApiOperation({ summary: 'List the roles a user can be given', description: 'Any authenticated caller.' })
  @ApiOkResponse({ schema: { example: AVAILABLE_ROLES } })
  availableRoles() {
    return AVAILABLE_ROLES;
  }
}
