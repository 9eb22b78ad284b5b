import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { IsObject } from 'class-validator';
import { AuditColumnsResponse } from '../../../platform/common/dto/audit-columns';
import {
  OptionalObject,
  OptionalString,
  PageQuery,
  RequiredString,
  SizeQuery,
} from '../../../platform/common/dto/fields';

/** Rows `/v2/model/info` returns at most per page (LiteLLM's cap). */
export const MODEL_INFO_MAX_SIZE = 100;

const PARAMS_EXAMPLE = { model: 'openai/gpt-4o', api_key: 'sk-your-openai-key', rpm: 100 };
const PUBLIC_PARAMS_EXAMPLE = { model: 'openai/gpt-4o', rpm: 100 };

const RequiredObject = (doc: Omit<ApiPropertyOptions, 'type' | 'required'>) =>
  applyDecorators(
    ApiProperty({
      required: true,
      type: 'object',
      additionalProperties: true,
      ...doc,
    } as unknown as ApiPropertyOptions),
    IsObject(),
  );

const LITELLM_PARAMS_DOC =
  'How to call the upstream: `model` ("openai/gpt-4o", "azure/<deployment>", "anthropic/claude-…"), api_key, api_base, api_version, timeout, stream_timeout, rpm, tpm, weight, input_cost_per_token, output_cost_per_token; other keys are sent as request defaults. Every string is stored encrypted.';

export class ModelNewRequest {
  @RequiredString({ description: 'The public name clients call (the model group).', example: 'gpt-4o' }, 256)
  model_name!: string;

  @RequiredObject({ description: LITELLM_PARAMS_DOC, example: PARAMS_EXAMPLE })
  litellm_params!: Record<string, unknown>;

  @OptionalObject({
    description:
      'Metadata shown by /model/info (id, access_groups, mode, base_model, prices, …). `id` sets the model id.',
    example: { access_groups: ['default'] },
  })
  model_info?: Record<string, unknown> | null;
}

export class ModelUpdateRequest {
  @OptionalString({ description: 'A new public name.' }, 256)
  model_name?: string | null;

  @OptionalObject({ description: `Params to change; the others are kept. ${LITELLM_PARAMS_DOC}` })
  litellm_params?: Record<string, unknown> | null;

  @RequiredObject({
    description: 'Must hold the `id` of the stored model to change.',
    example: { id: 'model-id' },
  })
  model_info!: Record<string, unknown>;
}

export class ModelPatchRequest {
  @OptionalString({ description: 'A new public name.' }, 256)
  model_name?: string | null;

  @OptionalObject({ description: `Params to change (null removes one); the others are kept.` })
  litellm_params?: Record<string, unknown> | null;

  @OptionalObject({ description: 'model_info fields to change (null removes one); the others are kept.' })
  model_info?: Record<string, unknown> | null;
}

export class ModelDeleteRequest {
  @RequiredString({ description: 'The model id (`model_info.id`).', example: 'model-id' }, 256)
  id!: string;
}

export class ModelInfoQuery {
  @OptionalString({ description: 'Only this model id (404 when it is not served).' }, 256)
  litellm_model_id?: string;
}

export class ModelInfoV2Query {
  @OptionalString({ description: 'Only this model group (exact name).' }, 256)
  model?: string;

  @OptionalString({ description: 'Only this model id.' }, 256)
  modelId?: string;

  @OptionalString({ description: 'Model groups whose name contains this (case-insensitive).' }, 256)
  search?: string;

  @PageQuery()
  page?: number;

  @SizeQuery(MODEL_INFO_MAX_SIZE, 50)
  size?: number;
}

export class ModelGroupInfoQuery {
  @OptionalString({ description: 'Only this model group.' }, 256)
  model_group?: string;
}

export class ModelInfoItem {
  @ApiProperty({ example: 'gpt-4o' })
  model_name!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The params without credentials (api_key and the like are never shown).',
    example: PUBLIC_PARAMS_EXAMPLE,
  })
  litellm_params!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      '`id`, `db_model` (true: stored in the database, false: config.yaml), the stored fields, and the prices.',
    example: { id: 'model-id', db_model: true, input_cost_per_token: 0.0000025 },
  })
  model_info!: Record<string, unknown>;
}

export class ModelInfoResponse {
  @ApiProperty({ type: ModelInfoItem, isArray: true })
  data!: ModelInfoItem[];
}

export class ModelInfoPageResponse extends ModelInfoResponse {
  @ApiProperty({ type: 'integer', example: 1 })
  total_count!: number;
  @ApiProperty({ type: 'integer', example: 1 })
  current_page!: number;
  @ApiProperty({ type: 'integer', example: 1 })
  total_pages!: number;
  @ApiProperty({ type: 'integer', example: 50 })
  size!: number;
}

export class ModelRowResponse extends AuditColumnsResponse({ actorExample: 'default_user_id' }) {
  @ApiProperty({ example: 'model-id' })
  model_id!: string;
  @ApiProperty({ example: 'gpt-4o' })
  model_name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: PUBLIC_PARAMS_EXAMPLE })
  litellm_params!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: { id: 'model-id' } })
  model_info!: Record<string, unknown> | null;
}

export class ModelDeleteResponse {
  @ApiProperty({ example: 'Model: model-id deleted successfully' })
  message!: string;
}

export class ModelGroupInfo {
  @ApiProperty({ example: 'gpt-4o' })
  model_group!: string;
  @ApiProperty({ type: String, isArray: true, example: ['openai'] })
  providers!: string[];
  @ApiProperty({ type: Number, nullable: true, example: null })
  max_input_tokens!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: null })
  max_output_tokens!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.0000025 })
  input_cost_per_token!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.00001 })
  output_cost_per_token!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'chat' })
  mode!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 100000 })
  tpm!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 100 })
  rpm!: number | null;
  @ApiProperty({ type: String, isArray: true, example: [] })
  access_groups!: string[];
}

export class ModelGroupInfoResponse {
  @ApiProperty({ type: ModelGroupInfo, isArray: true })
  data!: ModelGroupInfo[];
}
