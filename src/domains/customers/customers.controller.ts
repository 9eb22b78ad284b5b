import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import { LIST_MAX_SIZE } from '../budgets/budgets.dto';
import {
  CustomerBlockRequest,
  CustomerBlockResponse,
  CustomerDeleteRequest,
  CustomerDeleteResponse,
  CustomerInfoQuery,
  CustomerListQuery,
  CustomerNewRequest,
  CustomerResponse,
  CustomerUnblockResponse,
  CustomerUpdateRequest,
} from './customers.dto';
import { CustomersService } from './customers.service';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

const ADMIN_ONLY = 'Proxy admins only. Also served at the same path under /end_user/.';
const ADMIN_VIEW = 'Proxy admins and proxy admin viewers. Also served under /end_user/.';

/** `/customer/*`. LiteLLM also serves these under `/end_user/*`: common/route-aliases.ts rewrites that prefix. */
@ApiTags('customers')
@ApiBearerAuth('bearer')
@Controller('customer')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post('new')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a customer (end user)',
    description: `${ADMIN_ONLY} Budget fields (max_budget, budget_duration, tpm_limit...) create a budget of the customer's own whose first reset is now + budget_duration; budget_id links an existing budget instead (not both: 422). Duplicate user_id → 400. default_model is not checked against the proxy's models yet.`,
  })
  @ApiOkResponse({ type: CustomerResponse })
  @ApiBodyExample({ user_id: 'customer-1', alias: 'Acme Corp', max_budget: 100 })
  @ApiErrors(400)
  newCustomer(@Body() body: CustomerNewRequest, @CurrentActor() actor: Actor) {
    return this.customers.newCustomer(body, actor);
  }

  @Get('info')
  @ApiOperation({
    summary: 'Get a customer',
    description: `${ADMIN_VIEW} Null fields are left out (LiteLLM). Unknown id → 404.`,
  })
  @ApiOkResponse({ type: CustomerResponse })
  @ApiErrors(404)
  customerInfo(@Query() query: CustomerInfoQuery) {
    return this.customers.customerInfo(query.end_user_id);
  }

  @Post('update')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Update a customer',
    description: `${ADMIN_ONLY} Applies every field sent with a value, including false and 0 (LiteLLM ignores those, so it cannot unblock or zero a budget here); null leaves a field alone. max_budget changes the linked budget in place (shared budgets change for everyone) or creates one. Unknown user_id → 404.`,
  })
  @ApiOkResponse({ type: CustomerResponse })
  @ApiBodyExample({ user_id: 'customer-1', max_budget: 200 })
  @ApiErrors(400, 404)
  updateCustomer(@Body() body: CustomerUpdateRequest, @CurrentActor() actor: Actor) {
    return this.customers.updateCustomer(body, actor);
  }

  @Post('delete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Delete customers',
    description: `${ADMIN_ONLY} All or nothing: any unknown id → 404 and nothing is deleted. Linked budgets are kept.`,
  })
  @ApiOkResponse({ type: CustomerDeleteResponse })
  @ApiBodyExample({ user_ids: ['customer-1'] })
  @ApiErrors(400, 404)
  deleteCustomers(@Body() body: CustomerDeleteRequest, @CurrentActor() actor: Actor) {
    return this.customers.deleteCustomers(body.user_ids, actor);
  }

  @Get('list')
  @ApiOperation({
    summary: 'List customers',
    description: `${ADMIN_VIEW} A JSON list ordered by user_id. LiteLLM returns every row; this returns at most ${LIST_MAX_SIZE} per call: use page and size to see more. The X-Total-Count header gives the number of customers.`,
  })
  @ApiOkResponse({
    type: CustomerResponse,
    isArray: true,
    headers: {
      'X-Total-Count': { description: 'Number of customers in total', schema: { type: 'integer' } },
    },
  })
  async listCustomers(@Query() query: CustomerListQuery, @Res({ passthrough: true }) res: Response) {
    const { rows, total } = await this.customers.listCustomers(query);
    res.setHeader('X-Total-Count', String(total));
    return rows;
  }

  @Post('block')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Block customers',
    description: `${ADMIN_ONLY} LLM requests naming a blocked customer are refused. Unknown ids are created, blocked (LiteLLM).`,
  })
  @ApiOkResponse({ type: CustomerBlockResponse })
  @ApiBodyExample({ user_ids: ['customer-1'] })
  @ApiErrors(400, 404)
  blockCustomers(@Body() body: CustomerBlockRequest, @CurrentActor() actor: Actor) {
    return this.customers.blockCustomers(body.user_ids, actor);
  }

  @Post('unblock')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Unblock customers',
    description: `${ADMIN_ONLY} Sets blocked=false on the customers (all or nothing: any unknown id → 404).`,
  })
  @ApiOkResponse({ type: CustomerUnblockResponse })
  @ApiBodyExample({ user_ids: ['customer-1'] })
  @ApiErrors(400, 404)
  unblockCustomers(@Body() body: CustomerBlockRequest, @CurrentActor() actor: Actor) {
    return this.customers.unblockCustomers(body.user_ids, actor);
  }
}
