import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsNotEmpty, IsObject, IsOptional, ValidateNested } from 'class-validator';
import {
  BUDGET_FIELD_DOCS,
  BudgetFieldsRequest,
  BudgetResponse,
  ID_MAX_LENGTH,
  LIST_MAX_SIZE,
} from '../budgets/budgets.dto';
import {
  OptionalBoolean,
  OptionalNumber,
  OptionalString,
  PageQuery,
  RequiredString,
  RequiredStringList,
  SizeQuery,
} from '../../platform/common/dto/fields';
import { LimitFieldsRequest } from '../../platform/common/dto/limit-fields';
import { ObjectPermissionRequest } from '../object-permissions/object-permission.dto';

export const MODEL_REGIONS = ['eu', 'us'] as const;
export type ModelRegion = (typeof MODEL_REGIONS)[number];

const CustomerId = (description: string) =>
  applyDecorators(RequiredString({ description, example: 'customer-1' }, ID_MAX_LENGTH), IsNotEmpty());

const OptionalRegion = () =>
  applyDecorators(
    ApiPropertyOptional({
      enum: MODEL_REGIONS,
      nullable: true,
      description: 'Only route this customer to models in this region.',
    }),
    IsOptional(),
    IsIn(MODEL_REGIONS),
  );

const OptionalObjectPermission = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: () => ObjectPermissionRequest,
      nullable: true,
      description: 'MCP servers, vector stores, agents... this customer may use.',
    }),
    IsOptional(),
    IsObject(),
    ValidateNested(),
    Type(() => ObjectPermissionRequest),
  );

/** LiteLLM's `NewCustomerRequest`: the customer, plus budget fields for a budget of its own. */
export class CustomerNewRequest extends BudgetFieldsRequest {
  @CustomerId('The end-user id, as sent in the `user` field of LLM requests.')
  user_id!: string;

  @OptionalString({ description: 'A human-friendly name.', example: 'Acme Corp' }, ID_MAX_LENGTH)
  alias?: string | null;

  @OptionalBoolean({ description: 'Refuse LLM requests from this customer. Default false.' })
  blocked?: boolean | null;

  @OptionalString(
    { description: "Link an existing budget (instead of budget fields such as 'max_budget')." },
    ID_MAX_LENGTH,
  )
  @IsNotEmpty()
  budget_id?: string | null;

  @OptionalNumber({ description: 'Initial spend (USD). Default 0.' }, 0)
  spend?: number | null;

  @OptionalRegion()
  allowed_model_region?: ModelRegion | null;

  @OptionalString({ description: 'Model to use when no model in the allowed region fits.' }, ID_MAX_LENGTH)
  default_model?: string | null;

  @OptionalObjectPermission()
  object_permission?: ObjectPermissionRequest | null;
}

/**
 * LiteLLM's `UpdateCustomerRequest`. Unlike LiteLLM, `false` and `0` are applied (so
 * `blocked: false` unblocks and `max_budget: 0` sets a zero budget); null leaves a field alone.
 */
export class CustomerUpdateRequest extends LimitFieldsRequest(['max_budget'], {
  max_budget: {
    description: `${BUDGET_FIELD_DOCS.max_budget} Changes the linked budget in place (every customer sharing it sees the change), or creates a budget when none is linked.`,
  },
}) {
  @CustomerId('The customer to update.')
  user_id!: string;

  @OptionalString({ description: 'A human-friendly name.' }, ID_MAX_LENGTH)
  alias?: string | null;

  @OptionalBoolean({ description: 'Refuse (true) or allow (false) LLM requests from this customer.' })
  blocked?: boolean | null;

  @OptionalString({ description: 'Link this existing budget instead.' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  budget_id?: string | null;

  @OptionalRegion()
  allowed_model_region?: ModelRegion | null;

  @OptionalString({ description: 'Model to use when no model in the allowed region fits.' }, ID_MAX_LENGTH)
  default_model?: string | null;

  @OptionalObjectPermission()
  object_permission?: ObjectPermissionRequest | null;
}

class CustomerIdsRequest {
  @RequiredStringList(
    {
      description: `End-user ids (1 to ${LIST_MAX_SIZE}).`,
      example: ['customer-1'],
      maxItems: LIST_MAX_SIZE,
    },
    ID_MAX_LENGTH,
  )
  @ArrayMaxSize(LIST_MAX_SIZE)
  user_ids!: string[];
}

export class CustomerDeleteRequest extends CustomerIdsRequest {}
export class CustomerBlockRequest extends CustomerIdsRequest {}

export class CustomerInfoQuery {
  @RequiredString({ description: 'The end-user id.', example: 'customer-1' }, ID_MAX_LENGTH)
  end_user_id!: string;
}

export class CustomerListQuery {
  @PageQuery({ description: 'Page number (1-based).' })
  page?: number;

  @SizeQuery(LIST_MAX_SIZE, LIST_MAX_SIZE, { description: `Rows per page (at most ${LIST_MAX_SIZE}).` })
  size?: number;
}

const OBJECT_PERMISSION_EXAMPLE = {
  object_permission_id: '5b0c6a2e-1f0e-4a7e-9d3f-2b8f1f7c9a10',
  mcp_servers: ['server_1'],
  mcp_access_groups: [],
  mcp_tool_permissions: null,
  vector_stores: [],
  agents: [],
  agent_access_groups: [],
  models: [],
  blocked_tools: [],
  mcp_toolsets: [],
  search_tools: [],
};

/** A `LiteLLM_EndUserTable` row with its budget and object permission. */
export class CustomerResponse {
  @ApiProperty({ example: 'customer-1' })
  user_id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Acme Corp' })
  alias!: string | null;
  @ApiProperty({ example: 0 })
  spend!: number;
  @ApiProperty({ enum: MODEL_REGIONS, nullable: true, example: 'eu' })
  allowed_model_region!: ModelRegion | null;
  @ApiProperty({ type: String, nullable: true, example: null })
  default_model!: string | null;
  @ApiProperty({ type: String, nullable: true })
  budget_id!: string | null;
  @ApiProperty({ type: String, nullable: true })
  object_permission_id!: string | null;
  @ApiProperty({ example: false })
  blocked!: boolean;
  @ApiProperty({ type: BudgetResponse, nullable: true })
  litellm_budget_table!: BudgetResponse | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The LiteLLM_ObjectPermissionTable row.',
    example: OBJECT_PERMISSION_EXAMPLE,
  })
  object_permission!: Record<string, unknown> | null;
}

/** A bare `LiteLLM_EndUserTable` row (block / unblock answers). */
export class CustomerRowResponse {
  @ApiProperty({ example: 'customer-1' })
  user_id!: string;
  @ApiProperty({ type: String, nullable: true })
  alias!: string | null;
  @ApiProperty({ example: 0 })
  spend!: number;
  @ApiProperty({ enum: MODEL_REGIONS, nullable: true })
  allowed_model_region!: ModelRegion | null;
  @ApiProperty({ type: String, nullable: true })
  default_model!: string | null;
  @ApiProperty({ type: String, nullable: true })
  budget_id!: string | null;
  @ApiProperty({ type: String, nullable: true })
  object_permission_id!: string | null;
  @ApiProperty({ example: true })
  blocked!: boolean;
}

export class CustomerDeleteResponse {
  @ApiProperty({ example: 1 })
  deleted_customers!: number;
  @ApiProperty({ example: "Successfully deleted customers with ids: ['customer-1']" })
  message!: string;
}

export class CustomerBlockResponse {
  @ApiProperty({ type: CustomerRowResponse, isArray: true })
  blocked_users!: CustomerRowResponse[];
}

export class CustomerUnblockResponse {
  @ApiProperty({ type: CustomerRowResponse, isArray: true })
  unblocked_users!: CustomerRowResponse[];
}
