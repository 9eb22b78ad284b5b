import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthContext } from '../../platform/auth/auth-context';
import { CurrentAuth } from '../../platform/auth/decorators';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import {
  BudgetDeleteRequest,
  BudgetInfoRequest,
  BudgetListQuery,
  BudgetNewRequest,
  BudgetResponse,
  BudgetSettingResponse,
  BudgetSettingsQuery,
  BudgetUpdateRequest,
  LIST_MAX_SIZE,
} from './budgets.dto';
import { BudgetsService } from './budgets.service';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

const ADMIN_ONLY = 'Proxy admins only.';
const ADMIN_VIEW = 'Proxy admins and proxy admin viewers.';

@ApiTags('budgets')
@ApiBearerAuth('bearer')
@Controller('budget')
export class BudgetsController {
  constructor(private readonly budgets: BudgetsService) {}

  @Post('new')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a budget',
    description: `${ADMIN_ONLY} A budget can be linked to keys, organizations, customers, tags, projects and memberships. With budget_duration and no budget_reset_at, the first reset is the next calendar boundary (e.g. "30d" → the 1st of next month). Duplicate id → 400.`,
  })
  @ApiOkResponse({ type: BudgetResponse })
  @ApiErrors(400)
  newBudget(@Body() body: BudgetNewRequest, @CurrentActor() actor: Actor) {
    return this.budgets.newBudget(body, actor);
  }

  @Post('update')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Update a budget',
    description: `${ADMIN_ONLY} Changes only the fields sent (null clears a field); every object linked to the budget sees the change. As in LiteLLM, a new budget_duration does not move budget_reset_at (send budget_reset_at to move it). Unknown budget_id → 404.`,
  })
  @ApiOkResponse({ type: BudgetResponse })
  @ApiErrors(400)
  updateBudget(@Body() body: BudgetUpdateRequest, @CurrentActor() actor: Actor) {
    return this.budgets.updateBudgetById(body, actor);
  }

  @Post('info')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Get budgets by id',
    description: `${ADMIN_ONLY} Unknown ids are left out of the answer.`,
  })
  @ApiOkResponse({ type: BudgetResponse, isArray: true })
  @ApiErrors(400)
  budgetInfo(@Body() body: BudgetInfoRequest) {
    return this.budgets.budgetInfo(body.budgets);
  }

  @Get('settings')
  @ApiOperation({
    summary: 'List the configurable fields of a budget with their values',
    description: `${ADMIN_VIEW} Used by the admin UI. An unknown budget_id gives the fields with null values.`,
  })
  @ApiOkResponse({ type: BudgetSettingResponse, isArray: true })
  budgetSettings(@Query() query: BudgetSettingsQuery, @CurrentAuth() auth: AuthContext) {
    return this.budgets.budgetSettings(query.budget_id, auth);
  }

  @Get('list')
  @ApiOperation({
    summary: 'List budgets',
    description: `${ADMIN_VIEW} A JSON list, oldest first. LiteLLM returns every row; this returns at most ${LIST_MAX_SIZE} per call: use page and size to see more. The X-Total-Count header gives the number of budgets.`,
  })
  @ApiOkResponse({
    type: BudgetResponse,
    isArray: true,
    headers: { 'X-Total-Count': { description: 'Number of budgets in total', schema: { type: 'integer' } } },
  })
  async listBudgets(
    @Query() query: BudgetListQuery,
    @CurrentAuth() auth: AuthContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { rows, total } = await this.budgets.listBudgets(query, auth);
    res.setHeader('X-Total-Count', String(total));
    return rows;
  }

  @Post('delete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Delete a budget',
    description: `${ADMIN_ONLY} Returns the deleted row. Unknown id → 404. A budget still linked to keys, organizations, projects, tags, customers or memberships → 400 and nothing is deleted.`,
  })
  @ApiOkResponse({ type: BudgetResponse })
  @ApiErrors(400)
  deleteBudget(@Body() body: BudgetDeleteRequest, @CurrentActor() actor: Actor) {
    return this.budgets.deleteBudget(body.id, actor);
  }
}
