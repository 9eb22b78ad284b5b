import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthContext } from '../auth/auth-context';
import { CurrentAuth } from '../auth/decorators';
import { ChangedByHeader } from '../common/request-headers';
import {
  CustomerBlockRequest,
  CustomerDeleteRequest,
  CustomerInfoQuery,
  CustomerListQuery,
  CustomerNewRequest,
  CustomerUpdateRequest,
} from './customers.dto';
import { CustomersService } from './customers.service';

/**
 * `/end_user/*`: LiteLLM's older names for `/customer/*`, kept for compatibility and hidden from
 * the docs (as LiteLLM hides them). Same bodies, same answers, same service calls.
 */
@ApiExcludeController()
@Controller('end_user')
export class EndUsersController {
  constructor(private readonly customers: CustomersService) {}

  @Post('new')
  @HttpCode(200)
  newEndUser(
    @Body() body: CustomerNewRequest,
    @CurrentAuth() auth: AuthContext,
    @ChangedByHeader() changedBy?: string,
  ) {
    return this.customers.newCustomer(body, { auth, changedByHeader: changedBy });
  }

  @Get('info')
  endUserInfo(@Query() query: CustomerInfoQuery) {
    return this.customers.customerInfo(query.end_user_id);
  }

  @Post('update')
  @HttpCode(200)
  updateEndUser(
    @Body() body: CustomerUpdateRequest,
    @CurrentAuth() auth: AuthContext,
    @ChangedByHeader() changedBy?: string,
  ) {
    return this.customers.updateCustomer(body, { auth, changedByHeader: changedBy });
  }

  @Post('delete')
  @HttpCode(200)
  deleteEndUsers(
    @Body() body: CustomerDeleteRequest,
    @CurrentAuth() auth: AuthContext,
    @ChangedByHeader() changedBy?: string,
  ) {
    return this.customers.deleteCustomers(body.user_ids, { auth, changedByHeader: changedBy });
  }

  @Get('list')
  async listEndUsers(@Query() query: CustomerListQuery, @Res({ passthrough: true }) res: Response) {
    const { rows, total } = await this.customers.listCustomers(query);
    res.setHeader('X-Total-Count', String(total));
    return rows;
  }

  @Post('block')
  @HttpCode(200)
  blockEndUsers(
    @Body() body: CustomerBlockRequest,
    @CurrentAuth() auth: AuthContext,
    @ChangedByHeader() changedBy?: string,
  ) {
    return this.customers.blockCustomers(body.user_ids, { auth, changedByHeader: changedBy });
  }

  @Post('unblock')
  @HttpCode(200)
  unblockEndUsers(
    @Body() body: CustomerBlockRequest,
    @CurrentAuth() auth: AuthContext,
    @ChangedByHeader() changedBy?: string,
  ) {
    return this.customers.unblockCustomers(body.user_ids, { auth, changedByHeader: changedBy });
  }
}
