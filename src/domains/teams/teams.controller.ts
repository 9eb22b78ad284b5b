import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../platform/auth/auth-context';
import { CurrentAuth } from '../../platform/auth/decorators';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import { DailyActivityResponse } from '../../platform/common/dto/daily-activity.responses';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import { TeamDailyActivityQuery, TeamIdQuery, TeamListQuery, TeamListV2Query } from './dto/team.queries';
import {
  TeamBlockRequest,
  TeamDeleteRequest,
  TeamModelsRequest,
  TeamNewRequest,
  TeamPermissionsUpdateRequest,
  TeamUpdateRequest,
} from './dto/team.requests';
import { TeamDailyActivityService } from './team-daily-activity.service';
import { TeamLifecycleService } from './team-lifecycle.service';
import { TeamQueriesService } from './team-queries.service';
import { TeamSettingsService } from './team-settings.service';
import { TeamUpdateService } from './team-update.service';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

export const TEAM_ROW = {
  team_id: 'team-search',
  team_alias: 'search',
  organization_id: 'org-1',
  members_with_roles: [{ user_id: 'alice', user_email: 'alice@example.com', role: 'admin' }],
  admins: ['alice'],
  members: [],
  metadata: { team_member_budget_id: 'team-search-budget-5f1c...', team_admin_permissions: ['max_budget'] },
  max_budget: 100,
  spend: 0,
  models: ['gpt-4o'],
  tpm_limit: null,
  rpm_limit: null,
  budget_duration: '30d',
  budget_reset_at: '2026-02-01T00:00:00.000Z',
  blocked: false,
  team_member_permissions: [],
  model_id: null,
  created_at: '2026-01-05T10:00:00.000Z',
  updated_at: '2026-01-05T10:00:00.000Z',
};

@ApiTags('teams')
@ApiBearerAuth('bearer')
@Controller()
export class TeamsController {
  constructor(
    private readonly lifecycle: TeamLifecycleService,
    private readonly updates: TeamUpdateService,
    private readonly settings: TeamSettingsService,
    private readonly queries: TeamQueriesService,
    private readonly activity: TeamDailyActivityService,
  ) {}

  @Post('team/new')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a team',
    description:
      'Proxy admins, or org admins passing an organization_id they administer. The caller joins as an admin. team_admin_permissions (proxy admins only) lets the team admins change the listed fields with /team/update, update members\' keys ("member_key_budgets") or create projects ("projects").',
  })
  @ApiOkResponse({ schema: { example: TEAM_ROW } })
  @ApiBodyExample({ team_alias: 'search-team', models: ['gpt-4o'], max_budget: 100 })
  @ApiErrors(400)
  newTeam(@CurrentActor() actor: Actor, @Body() body: TeamNewRequest) {
    return this.lifecycle.create(actor, body);
  }

  @Post('team/update')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Update a team (only the fields sent change)',
    description:
      "Proxy admins and org admins of the team's organization: any field. Team admins: only the fields listed in the team's team_admin_permissions (set by a proxy admin). Moving to another organization needs org admin rights in both.",
  })
  @ApiOkResponse({ schema: { example: { team_id: 'team-search', data: TEAM_ROW } } })
  @ApiBodyExample({ team_id: 'team-1234', max_budget: 200 }, 'Raise the budget of a team')
  @ApiErrors(400, 404)
  updateTeam(@CurrentActor() actor: Actor, @Body() body: TeamUpdateRequest) {
    return this.updates.update(actor, body);
  }

  @Post('team/delete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Delete teams with their keys (all or nothing)',
    description:
      "Teams are archived to LiteLLM_DeletedTeamTable and their keys to LiteLLM_DeletedVerificationToken; the keys stop working on every pod at once. Org admins pass the team's organization_id.",
  })
  @ApiOkResponse({ schema: { example: { deleted_teams: ['team-search'], deleted_keys: 3 } } })
  @ApiBodyExample({ team_ids: ['team-1234'] })
  @ApiErrors(400, 404)
  deleteTeams(@CurrentActor() actor: Actor, @Body() body: TeamDeleteRequest) {
    return this.lifecycle.delete(actor, body);
  }

  @Get('team/info')
  @ApiOperation({
    summary: 'A team with its keys and memberships',
    description: "Admins, the team's members and keys, and org admins of the team's organization.",
  })
  @ApiOkResponse({
    schema: { example: { team_id: 'team-search', team_info: TEAM_ROW, keys: [], team_memberships: [] } },
  })
  @ApiErrors(404)
  teamInfo(@CurrentAuth() auth: AuthContext, @Query() query: TeamIdQuery) {
    return this.queries.info(auth, query.team_id);
  }

  @Get('team/list')
  @ApiOperation({
    summary: "All teams (admins) or the caller's teams, with memberships and keys",
    description: 'Non-admins must pass their own user_id.',
  })
  @ApiOkResponse({ schema: { example: [{ ...TEAM_ROW, team_memberships: [], keys: [] }] } })
  listTeams(@CurrentAuth() auth: AuthContext, @Query() query: TeamListQuery) {
    return this.queries.list(auth, query);
  }

  @Get('v2/team/list')
  @ApiOperation({ summary: 'Teams, paginated (non-admins: their own teams)' })
  @ApiOkResponse({
    schema: {
      example: {
        teams: [{ ...TEAM_ROW, members_count: 1 }],
        total: 1,
        page: 1,
        page_size: 10,
        total_pages: 1,
      },
    },
  })
  @ApiErrors(404)
  listTeamsV2(@CurrentAuth() auth: AuthContext, @Query() query: TeamListV2Query) {
    return this.queries.listV2(auth, query);
  }

  @Get('team/available')
  @ApiOperation({
    summary: 'Teams the caller may join by themselves',
    description: 'Not configurable on this server yet: always 400 ("No available teams for user to join").',
  })
  @ApiErrors(400)
  availableTeams() {
    return this.queries.available();
  }

  @Post('team/block')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Block a team: every key of the team is refused',
    description: "Proxy admins, or org admins passing the team's organization_id.",
  })
  @ApiOkResponse({ schema: { example: { ...TEAM_ROW, blocked: true } } })
  @ApiBodyExample({ team_id: 'team-1234' })
  @ApiErrors(404)
  blockTeam(@CurrentActor() actor: Actor, @Body() body: TeamBlockRequest) {
    return this.lifecycle.setBlocked(actor, body.team_id, true);
  }

  @Post('team/unblock')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Unblock a team',
    description: "Proxy admins, or org admins passing the team's organization_id.",
  })
  @ApiOkResponse({ schema: { example: TEAM_ROW } })
  @ApiBodyExample({ team_id: 'team-1234' })
  @ApiErrors(404)
  unblockTeam(@CurrentActor() actor: Actor, @Body() body: TeamBlockRequest) {
    return this.lifecycle.setBlocked(actor, body.team_id, false);
  }

  @Post('team/model/add')
  @HttpCode(200)
  @ApiOperation({ summary: "Add models to a team's model list (proxy admins)" })
  @ApiOkResponse({ schema: { example: { ...TEAM_ROW, models: ['gpt-4o', 'claude-3'] } } })
  @ApiBodyExample({ team_id: 'team-1234', models: ['gpt-4o'] })
  @ApiErrors(400, 404)
  addTeamModels(@CurrentActor() actor: Actor, @Body() body: TeamModelsRequest) {
    return this.settings.changeModels(actor, body, 'add');
  }

  @Post('team/model/delete')
  @HttpCode(200)
  @ApiOperation({
    summary: "Remove models from a team's model list (proxy admins)",
    description: 'Removing every model is refused: an empty list would mean all models.',
  })
  @ApiOkResponse({ schema: { example: TEAM_ROW } })
  @ApiBodyExample({ team_id: 'team-1234', models: ['gpt-4o'] })
  @ApiErrors(400, 404)
  deleteTeamModels(@CurrentActor() actor: Actor, @Body() body: TeamModelsRequest) {
    return this.settings.changeModels(actor, body, 'delete');
  }

  @Get('team/permissions_list')
  @ApiOperation({
    summary: 'Key routes plain members may call with team keys',
    description: "Proxy admins, team admins and org admins of the team's organization.",
  })
  @ApiOkResponse({
    schema: {
      example: {
        team_id: 'team-search',
        team_member_permissions: ['/key/info', '/key/health'],
        all_available_permissions: ['/key/generate', '/key/update', '/key/delete', '/key/info'],
      },
    },
  })
  @ApiErrors(404)
  teamPermissions(@CurrentAuth() auth: AuthContext, @Query() query: TeamIdQuery) {
    return this.queries.permissions(auth, query.team_id);
  }

  @Post('team/permissions_update')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set the key routes plain members may call with team keys',
    description:
      "Proxy admins, team admins and org admins of the team's organization. Values: key management routes.",
  })
  @ApiOkResponse({
    schema: { example: { ...TEAM_ROW, team_member_permissions: ['/key/info', '/key/generate'] } },
  })
  @ApiBodyExample({
    team_id: 'team-1234',
    team_member_permissions: ['/key/info', '/key/health', '/key/generate'],
  })
  @ApiErrors(400, 404)
  updateTeamPermissions(@CurrentActor() actor: Actor, @Body() body: TeamPermissionsUpdateRequest) {
    return this.settings.updatePermissions(actor, body);
  }

  @Get('team/daily/activity')
  @ApiOperation({
    summary: "Teams' daily spend and usage (paginated by day)",
    description: 'Admins: any team, or all teams without team_ids. Others: teams they are members of.',
  })
  @ApiOkResponse({ type: DailyActivityResponse })
  @ApiErrors(400, 404)
  teamDailyActivity(@CurrentAuth() auth: AuthContext, @Query() query: TeamDailyActivityQuery) {
    return this.activity.dailyActivity(auth, query);
  }
}
