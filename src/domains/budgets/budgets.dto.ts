import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsDate, IsNotEmpty, IsOptional, isISO8601, MaxDate, MinDate } from 'class-validator';
import {
  OptionalString,
  PageQuery,
  RequiredString,
  RequiredStringList,
  SizeQuery,
} from '../../platform/common/dto/fields';
import { AuditColumnsResponse } from '../../platform/common/dto/audit-columns';
import { LimitFieldsRequest } from '../../platform/common/dto/limit-fields';
import { MODEL_MAX_BUDGET_EXAMPLE } from '../../platform/common/model-max-budget';

/** Ids are primary keys: short enough for any index, never empty. */
export const ID_MAX_LENGTH = 256;
const INT32_MAX = 2_147_483_647;
/** Rows `/budget/list` and `/customer/list` return at most per call. */
export const LIST_MAX_SIZE = 1000;

/** An ISO-8601 date-time (JSON null allowed), read as a Date within a range PostgreSQL stores. */
export const OptionalDateTime = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description }),
    Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
      const raw = obj[key];
      return typeof raw === 'string' && isISO8601(raw, { strict: true }) ? new Date(raw) : raw;
    }),
    IsOptional(),
    IsDate({ message: ({ property }) => `${property} must be an ISO-8601 date-time` }),
    MinDate(new Date('1970-01-01T00:00:00Z')),
    MaxDate(new Date('9999-12-31T23:59:59Z')),
  );

export const BUDGET_FIELD_DOCS = {
  max_budget: 'Requests are refused once spend exceeds this amount (USD).',
  soft_budget: 'Spend (USD) at which alerts fire; requests are not refused.',
  max_parallel_requests: 'Most requests allowed in flight at once.',
  tpm_limit: 'Tokens per minute allowed.',
  rpm_limit: 'Requests per minute allowed.',
  budget_duration: "How often spend resets, e.g. '1h', '1d', '7d', '30d', '1mo'.",
  model_max_budget: 'Per-model budgets: {"<model>": {"budget_limit": <USD>, "time_period": "<duration>"}}.',
  budget_reset_at: 'When spend next resets. Defaults from budget_duration.',
} as const;

/** A budget row's limits: the shared rules, documented for budgets (INT32 column for max_parallel_requests). */
const BudgetLimitFields = LimitFieldsRequest(
  [
    'max_budget',
    'soft_budget',
    'max_parallel_requests',
    'tpm_limit',
    'rpm_limit',
    'budget_duration',
    'model_max_budget',
  ],
  {
    max_budget: { description: BUDGET_FIELD_DOCS.max_budget, example: 100 },
    soft_budget: { description: BUDGET_FIELD_DOCS.soft_budget, example: 80 },
    max_parallel_requests: { description: BUDGET_FIELD_DOCS.max_parallel_requests, maximum: INT32_MAX },
    tpm_limit: { description: BUDGET_FIELD_DOCS.tpm_limit },
    rpm_limit: { description: BUDGET_FIELD_DOCS.rpm_limit },
    budget_duration: { description: BUDGET_FIELD_DOCS.budget_duration, example: '30d' },
    model_max_budget: { description: BUDGET_FIELD_DOCS.model_max_budget, example: MODEL_MAX_BUDGET_EXAMPLE },
  },
);

/**
 * The budget columns a caller may set (LiteLLM's `BudgetNewRequest` without the id); customers,
 * projects, organizations and tags take them too.
 */
export class BudgetFieldsRequest extends BudgetLimitFields {
  @OptionalDateTime(BUDGET_FIELD_DOCS.budget_reset_at)
  budget_reset_at?: Date | null;
}

export class BudgetNewRequest extends BudgetFieldsRequest {
  @OptionalString(
    { description: 'The budget id; a UUID is generated when absent.', example: 'free-tier' },
    ID_MAX_LENGTH,
  )
  @IsNotEmpty()
  budget_id?: string | null;
}

/** Same body as `/budget/new`; `budget_id` is required. Fields sent as null are cleared. */
export class BudgetUpdateRequest extends BudgetFieldsRequest {
  @OptionalString({ description: 'The budget to update (required).', example: 'free-tier' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  budget_id?: string | null;
}

export class BudgetInfoRequest {
  @RequiredStringList(
    { description: 'Budget ids to return.', example: ['free-tier'], maxItems: LIST_MAX_SIZE },
    ID_MAX_LENGTH,
  )
  @ArrayMaxSize(LIST_MAX_SIZE)
  budgets!: string[];
}

export class BudgetDeleteRequest {
  @RequiredString({ description: 'The budget id to delete.', example: 'free-tier' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  id!: string;
}

export class BudgetSettingsQuery {
  @RequiredString({ description: 'The budget whose settings to show.', example: 'free-tier' }, ID_MAX_LENGTH)
  budget_id!: string;
}

export class BudgetListQuery {
  @PageQuery({ description: 'Page number (1-based).' })
  page?: number;

  @SizeQuery(LIST_MAX_SIZE, LIST_MAX_SIZE, { description: `Rows per page (at most ${LIST_MAX_SIZE}).` })
  size?: number;
}

/** A `LiteLLM_BudgetTable` row. */
export class BudgetResponse extends AuditColumnsResponse({ actorExample: 'default_user_id' }) {
  @ApiProperty({ example: 'free-tier' })
  budget_id!: string;
  @ApiProperty({ type: Number, nullable: true, example: 100 })
  max_budget!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: null })
  soft_budget!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: null })
  max_parallel_requests!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 100000 })
  tpm_limit!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 100 })
  rpm_limit!: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: MODEL_MAX_BUDGET_EXAMPLE,
  })
  model_max_budget!: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true, example: '30d' })
  budget_duration!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-01-01T00:00:00.000Z' })
  budget_reset_at!: string | null;
  @ApiProperty({ type: String, isArray: true, example: [] })
  allowed_models!: string[];
}

/** One configurable field of a budget, for the admin UI (`/budget/settings`). */
export class BudgetSettingResponse {
  @ApiProperty({ example: 'max_budget' })
  field_name!: string;
  @ApiProperty({ enum: ['Integer', 'Float', 'String', 'Object'], example: 'Float' })
  field_type!: string;
  @ApiProperty({ example: BUDGET_FIELD_DOCS.max_budget })
  field_description!: string;
  @ApiProperty({
    nullable: true,
    example: 100,
    oneOf: [{ type: 'number' }, { type: 'string' }, { type: 'object' }],
  })
  field_value!: unknown;
  @ApiProperty({ example: true })
  stored_in_db!: boolean;
  @ApiProperty({
    type: 'string',
    nullable: true,
    example: null,
    description: 'Always null: no field has a default.',
  })
  field_default_value!: null;
  @ApiProperty({ example: false })
  premium_field!: boolean;
  @ApiProperty({ type: 'string', nullable: true, example: null, description: 'Always null.' })
  nested_fields!: null;
}
