import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import {
  TeamBulkMemberAddRequest,
  TeamMemberAddRequest,
  TeamMemberDeleteRequest,
  TeamMemberResetSpendRequest,
  TeamMemberUpdateRequest,
} from './dto/team-member.requests';
import { TeamMemberBudgetsService } from './team-member-budgets.service';
import { TeamMemberUpdateService } from './team-member-update.service';
import { TeamMembersService } from './team-members.service';
import { TEAM_ROW } from './teams.controller';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

const MANAGERS = "Proxy admins, the team's admins and org admins of the team's organization.";
const MEMBERSHIP = {
  user_id: 'bob',
  team_id: 'team-search',
  spend: 0,
  total_spend: 0,
  budget_id: 'b1c2...',
  litellm_budget_table: { budget_id: 'b1c2...', max_budget: 10 },
  budget_source: 'member',
};

@ApiTags('teams')
@ApiBearerAuth('bearer')
@Controller()
export class TeamMembersController {
  constructor(
    private readonly members: TeamMembersService,
    private readonly memberUpdates: TeamMemberUpdateService,
    private readonly budgets: TeamMemberBudgetsService,
  ) {}

  @Post('team/member_add')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Add members to a team (by user_id or user_email)',
    description: `${MANAGERS} Unknown users are created. A member gets a LiteLLM_TeamMembership row only with max_budget_in_team or a team default member budget.`,
  })
  @ApiOkResponse({
    schema: {
      example: {
        ...TEAM_ROW,
        updated_users: [{ user_id: 'bob', teams: ['team-search'] }],
        updated_team_memberships: [MEMBERSHIP],
      },
    },
  })
  @ApiBodyExample({ team_id: 'team-1234', member: { user_id: 'alice', role: 'user' } })
  @ApiErrors(400, 404)
  addTeamMember(@CurrentActor() actor: Actor, @Body() body: TeamMemberAddRequest) {
    return this.members.add(actor, body);
  }

  @Post('team/bulk_member_add')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Add up to 500 members, or every user, to a team (proxy admins)',
    description: 'Each member is added on its own; failures are reported per member with a 200.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        team_id: 'team-search',
        results: [
          {
            user_id: 'bob',
            user_email: null,
            success: true,
            updated_user: {},
            updated_team_membership: null,
          },
        ],
        total_requested: 1,
        successful_additions: 1,
        failed_additions: 0,
        updated_team: TEAM_ROW,
      },
    },
  })
  @ApiBodyExample({
    team_id: 'team-1234',
    members: [{ user_id: 'alice', role: 'user' }],
  })
  @ApiErrors(400, 404)
  bulkAddTeamMembers(@CurrentActor() actor: Actor, @Body() body: TeamBulkMemberAddRequest) {
    return this.members.bulkAdd(actor, body);
  }

  @Post('team/member_delete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Remove a member from a team',
    description: `${MANAGERS} The member's keys are kept (as in LiteLLM).`,
  })
  @ApiOkResponse({ schema: { example: TEAM_ROW } })
  @ApiBodyExample({ team_id: 'team-1234', user_id: 'alice' })
  @ApiErrors(400, 404)
  deleteTeamMember(@CurrentActor() actor: Actor, @Body() body: TeamMemberDeleteRequest) {
    return this.members.remove(actor, body);
  }

  @Post('team/member_update')
  @HttpCode(200)
  @ApiOperation({
    summary: "Change a member's role or their own budget in the team",
    description: `${MANAGERS} A member on the team's default budget gets a private copy before it changes.`,
  })
  @ApiOkResponse({
    schema: {
      example: {
        team_id: 'team-search',
        user_id: 'bob',
        user_email: null,
        max_budget_in_team: 10,
        tpm_limit: null,
        rpm_limit: null,
      },
    },
  })
  @ApiBodyExample({ team_id: 'team-1234', user_id: 'alice', role: 'admin' })
  @ApiErrors(400, 404)
  updateTeamMember(@CurrentActor() actor: Actor, @Body() body: TeamMemberUpdateRequest) {
    return this.memberUpdates.update(actor, body);
  }

  @Post('team/:team_id/member/:user_id/reset_spend')
  @HttpCode(200)
  @ApiOperation({
    summary: "Reset a member's spend in the team",
    description: `${MANAGERS} Team admins cannot reset their own membership. reset_to must not exceed the current spend.`,
  })
  @ApiParam({ name: 'team_id', example: 'team-1234' })
  @ApiParam({ name: 'user_id', example: 'alice' })
  @ApiOkResponse({
    schema: {
      example: { team_id: 'team-search', user_id: 'bob', previous_spend: 4.2, spend: 0, budget_id: null },
    },
  })
  @ApiErrors(400, 404)
  resetTeamMemberSpend(
    @CurrentActor() actor: Actor,
    @Param('team_id') teamId: string,
    @Param('user_id') userId: string,
    @Body() body: TeamMemberResetSpendRequest,
  ) {
    return this.budgets.resetSpend(actor, teamId, userId, body.reset_to ?? 0);
  }

  @Post('team/:team_id/member/:user_id/reset_budget')
  @HttpCode(200)
  @ApiOperation({
    summary: "Put a member back on the team's default member budget (or none)",
    description: `${MANAGERS} Team admins cannot reset their own membership. Spend is not touched.`,
  })
  @ApiParam({ name: 'team_id', example: 'team-1234' })
  @ApiParam({ name: 'user_id', example: 'alice' })
  @ApiOkResponse({
    schema: {
      example: {
        team_id: 'team-search',
        user_id: 'bob',
        budget_id: 'team-search-budget-5f1c...',
        previous_budget_id: 'b1c2...',
        budget_source: 'team_default',
        litellm_budget_table: { budget_id: 'team-search-budget-5f1c...', max_budget: 10 },
      },
    },
  })
  @ApiErrors(404)
  resetTeamMemberBudget(
    @CurrentActor() actor: Actor,
    @Param('team_id') teamId: string,
    @Param('user_id') userId: string,
  ) {
    return this.budgets.resetBudget(actor, teamId, userId);
  }
}
