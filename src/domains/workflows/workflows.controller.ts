import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../platform/auth/auth-context';
import { CurrentAuth } from '../../platform/auth/decorators';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import {
  WorkflowEventCreateRequest,
  WorkflowEventListResponse,
  WorkflowEventResponse,
  WorkflowLogQuery,
  WorkflowMessageCreateRequest,
  WorkflowMessageListResponse,
  WorkflowMessageResponse,
  WorkflowRunCreateRequest,
  WorkflowRunDetailResponse,
  WorkflowRunListQuery,
  WorkflowRunListResponse,
  WorkflowRunResponse,
  WorkflowRunUpdateRequest,
} from './workflows.dto';
import { WorkflowsService } from './workflows.service';

const WHO_READS =
  'Any key. Proxy admins and proxy admin viewers see every run; anyone else only runs created by the same key (others answer 404).';
const WHO_WRITES =
  'Any key. Proxy admins reach every run; anyone else only runs created by the same key (others answer 404).';
const RUN_ID = ApiParam({
  name: 'run_id',
  description: 'The run id.',
  example: '5b3f7a52-6b1e-4c8e-9a59-2d8f3c1e0a11',
});

@ApiTags('workflow management')
@ApiBearerAuth('bearer')
@Controller('v1/workflows/runs')
export class WorkflowsController {
  constructor(private readonly workflows: WorkflowsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a workflow run',
    description:
      'Any key; the run belongs to the calling key. Status starts as pending. Send the returned session_id as the x-litellm-session-id header on LLM calls so their spend joins to the run.',
  })
  @ApiOkResponse({ type: WorkflowRunResponse })
  createWorkflowRun(@Body() body: WorkflowRunCreateRequest, @CurrentAuth() auth: AuthContext) {
    return this.workflows.createRun(body, auth);
  }

  @Get()
  @ApiOperation({
    summary: 'List workflow runs',
    description: `${WHO_READS} Newest first; filter by workflow_type and status (comma-separated for several).`,
  })
  @ApiOkResponse({ type: WorkflowRunListResponse })
  listWorkflowRuns(@Query() query: WorkflowRunListQuery, @CurrentAuth() auth: AuthContext) {
    return this.workflows.listRuns(query, auth);
  }

  @Get(':run_id')
  @RUN_ID
  @ApiOperation({
    summary: 'Get a workflow run with its latest event and its spend',
    description: `${WHO_READS} spend is the sum of the spend logs whose session_id is the run's session_id. Unknown run → 404.`,
  })
  @ApiOkResponse({ type: WorkflowRunDetailResponse })
  @ApiErrors(404)
  getWorkflowRun(@Param('run_id') runId: string, @CurrentAuth() auth: AuthContext) {
    return this.workflows.getRun(runId, auth);
  }

  @Patch(':run_id')
  @RUN_ID
  @ApiOperation({
    summary: 'Update the status, output or metadata of a workflow run',
    description: `${WHO_WRITES} Only fields sent (and not null) change; none → 400 "No fields to update".`,
  })
  @ApiOkResponse({ type: WorkflowRunResponse })
  @ApiErrors(400, 404, 409)
  @ApiBodyExample({ status: 'completed', output: { summary: 'All tests pass' } })
  updateWorkflowRun(
    @Param('run_id') runId: string,
    @Body() body: WorkflowRunUpdateRequest,
    @CurrentAuth() auth: AuthContext,
  ) {
    return this.workflows.updateRun(runId, body, auth);
  }

  @Post(':run_id/events')
  @HttpCode(200)
  @RUN_ID
  @ApiOperation({
    summary: 'Append an event to a workflow run',
    description: `${WHO_WRITES} The event gets the run's next sequence number (from 0, no gaps even under concurrent appends). In the same transaction step.started sets the run's status to running, step.failed to failed, hook.waiting to paused, hook.received to running; other event types leave it. Events can never be changed or deleted.`,
  })
  @ApiOkResponse({ type: WorkflowEventResponse })
  @ApiErrors(404, 409)
  appendWorkflowEvent(
    @Param('run_id') runId: string,
    @Body() body: WorkflowEventCreateRequest,
    @CurrentAuth() auth: AuthContext,
  ) {
    return this.workflows.appendEvent(runId, body, auth);
  }

  @Get(':run_id/events')
  @RUN_ID
  @ApiOperation({
    summary: 'List the events of a workflow run',
    description: `${WHO_READS} In sequence order.`,
  })
  @ApiOkResponse({ type: WorkflowEventListResponse })
  @ApiErrors(404)
  listWorkflowEvents(
    @Param('run_id') runId: string,
    @Query() query: WorkflowLogQuery,
    @CurrentAuth() auth: AuthContext,
  ) {
    return this.workflows.listEvents(runId, query, auth);
  }

  @Post(':run_id/messages')
  @HttpCode(200)
  @RUN_ID
  @ApiOperation({
    summary: 'Append a conversation message to a workflow run',
    description: `${WHO_WRITES} Stored in full; numbered by the run's own message counter (from 0, no gaps).`,
  })
  @ApiOkResponse({ type: WorkflowMessageResponse })
  @ApiErrors(404, 409)
  appendWorkflowMessage(
    @Param('run_id') runId: string,
    @Body() body: WorkflowMessageCreateRequest,
    @CurrentAuth() auth: AuthContext,
  ) {
    return this.workflows.appendMessage(runId, body, auth);
  }

  @Get(':run_id/messages')
  @RUN_ID
  @ApiOperation({
    summary: 'List the conversation messages of a workflow run',
    description: `${WHO_READS} In sequence order.`,
  })
  @ApiOkResponse({ type: WorkflowMessageListResponse })
  @ApiErrors(404)
  listWorkflowMessages(
    @Param('run_id') runId: string,
    @Query() query: WorkflowLogQuery,
    @CurrentAuth() auth: AuthContext,
  ) {
    return this.workflows.listMessages(runId, query, auth);
  }
}
