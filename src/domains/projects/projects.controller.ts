import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../platform/auth/auth-context';
import { CurrentAuth } from '../../platform/auth/decorators';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import {
  ProjectDeleteRequest,
  ProjectInfoQuery,
  ProjectNewRequest,
  ProjectResponse,
  ProjectUpdateRequest,
} from './projects.dto';
import { ProjectsService } from './projects.service';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

const MANAGERS =
  "Proxy admins, and admins of the project's team (its legacy `admins` list) when a proxy admin has given the team's admins the `projects` permission (team metadata `team_admin_permissions`); everyone else 403.";

@ApiTags('projects')
@ApiBearerAuth('bearer')
@Controller('project')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post('new')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a project in a team',
    description: `${MANAGERS} A budget row is always created from the budget fields (even none) unless budget_id links an existing budget (not both: 400). Models must be a subset of the team's models; max_budget, tpm_limit and rpm_limit at most the team's (400). Unknown team → 404; duplicate project_id → 400. tags, guardrails and policies are kept in metadata.`,
  })
  @ApiOkResponse({ type: ProjectResponse })
  @ApiBodyExample(
    { team_id: 'team-1234', project_alias: 'flight-search-assistant' },
    'A project in an existing team',
  )
  @ApiErrors(400, 404)
  newProject(@Body() body: ProjectNewRequest, @CurrentActor() actor: Actor) {
    return this.projects.newProject(body, actor);
  }

  @Post('update')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Update a project',
    description: `${MANAGERS} Fields sent with a value are changed (null leaves a field alone); metadata is replaced, not merged. Budget fields change the linked budget in place. Moving the project to another team needs the same rights on that team and a project without keys. Unknown project → 404.`,
  })
  @ApiOkResponse({ type: ProjectResponse })
  @ApiBodyExample({
    project_id: 'project-123',
    description: 'Flight search and booking assistant',
  })
  @ApiErrors(400, 404)
  updateProject(@Body() body: ProjectUpdateRequest, @CurrentActor() actor: Actor) {
    return this.projects.updateProject(body, actor);
  }

  @Delete('delete')
  @ApiOperation({
    summary: 'Delete projects',
    description:
      'Proxy admins only (others 403). All or nothing: an unknown id → 404, a project that still has keys → 400, and then nothing is deleted. Returns the deleted rows. Their budget rows are kept.',
  })
  @ApiOkResponse({ type: ProjectResponse, isArray: true })
  @ApiBodyExample({ project_ids: ['project-123'] })
  @ApiErrors(400, 404)
  deleteProjects(@Body() body: ProjectDeleteRequest, @CurrentActor() actor: Actor) {
    return this.projects.deleteProjects(body.project_ids, actor);
  }

  @Get('info')
  @ApiOperation({
    summary: 'Get a project',
    description:
      "Proxy admins and admin viewers, or members of the project's team (legacy admins/members lists); others 403. Unknown project → 404.",
  })
  @ApiOkResponse({ type: ProjectResponse })
  @ApiErrors(404)
  projectInfo(@Query() query: ProjectInfoQuery, @CurrentAuth() auth: AuthContext) {
    return this.projects.projectInfo(query.project_id, auth);
  }

  @Get('list')
  @ApiOperation({
    summary: 'List projects',
    description:
      'Proxy admins and admin viewers see every project, oldest first; others see the projects of the teams they belong to.',
  })
  @ApiOkResponse({ type: ProjectResponse, isArray: true })
  listProjects(@CurrentAuth() auth: AuthContext) {
    return this.projects.listProjects(auth);
  }
}
