import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import {
  OptionalBoolean,
  OptionalNumber,
  OptionalObject,
  OptionalString,
  OptionalStringList,
  OptionalEnum,
} from '../../../platform/common/dto/fields';
import { DurationField } from '../../../platform/common/dto/duration-field';
import { LimitFieldsRequest } from '../../../platform/common/dto/limit-fields';
import { ObjectPermissionRequest } from '../../object-permissions/object-permission.dto';

export const KEY_TYPES = ['default', 'llm_api', 'management', 'read_only'] as const;

/** The key's budget and limits: the shared rules, documented for keys. */
const KeyLimitFields = LimitFieldsRequest(
  [
    'max_budget',
    'soft_budget',
    'budget_duration',
    'model_max_budget',
    'tpm_limit',
    'rpm_limit',
    'max_parallel_requests',
    'model_rpm_limit',
    'model_tpm_limit',
    'rpm_limit_type',
    'tpm_limit_type',
  ],
  {
    max_budget: { description: 'Maximum spend in USD', example: 10 },
    soft_budget: { description: 'Alerting threshold in USD; stored in a linked budget row' },
    budget_duration: {
      description: 'How often spend resets: "1d" (next midnight), "7d" (Monday), "30d" (1st of month)...',
      example: '30d',
    },
    model_max_budget: { description: '{"model": {"budget_limit": 1.0, "time_period": "1d"}}' },
    tpm_limit: { description: 'Tokens per minute' },
    rpm_limit: { description: 'Requests per minute' },
    model_rpm_limit: { description: 'Per-model RPM limits (kept in metadata)' },
    model_tpm_limit: { description: 'Per-model TPM limits (kept in metadata)' },
  },
);

/** The key fields shared by /key/generate, /key/update and /key/regenerate (LiteLLM's GenerateRequestBase). */
export class KeyFieldsRequest extends KeyLimitFields {
  @OptionalString({ description: 'Unique across all keys', example: 'prod-backend' }, 256)
  key_alias?: string | null;
  @OptionalString({ description: 'Owner. Non-admins can only create keys for themselves.' }, 256)
  user_id?: string | null;
  @OptionalString({}, 256)
  team_id?: string | null;
  @OptionalString({}, 256)
  organization_id?: string | null;
  @OptionalString({}, 256)
  project_id?: string | null;
  @OptionalString({}, 256)
  agent_id?: string | null;
  @OptionalString({ description: 'Links a LiteLLM_BudgetTable row' }, 256)
  budget_id?: string | null;

  @DurationField('expiry', {
    description: 'Key lifetime: "30s", "30m", "30h", "30d", "1mo". null or "-1": never expires.',
    example: '30d',
  })
  duration?: string | null;
  @OptionalNumber()
  spend?: number | null;

  @OptionalStringList(
    { description: 'Models this key may call; [] means whatever its team/user may use', example: ['gpt-4o'] },
    256,
  )
  models?: string[] | null;

  @OptionalObject({ description: 'Model aliases' })
  aliases?: Record<string, unknown> | null;
  @OptionalObject()
  config?: Record<string, unknown> | null;
  @OptionalObject()
  permissions?: Record<string, unknown> | null;
  @OptionalStringList()
  allowed_cache_controls?: string[] | null;
  @OptionalStringList({ description: 'Routes or route groups this key may call, e.g. ["llm_api_routes"]' })
  allowed_routes?: string[] | null;
  @OptionalStringList({ description: 'Proxy admins only' })
  allowed_passthrough_routes?: string[] | null;
  @OptionalEnum(KEY_TYPES, { default: 'default' })
  key_type?: (typeof KEY_TYPES)[number] | null;
  @OptionalObject()
  router_settings?: Record<string, unknown> | null;
  @ApiProperty({ required: false, nullable: true, type: ObjectPermissionRequest })
  @IsOptional()
  @ValidateNested()
  @Type(() => ObjectPermissionRequest)
  object_permission?: ObjectPermissionRequest | null;
  @OptionalStringList()
  access_group_ids?: string[] | null;
  @ApiProperty({ required: false, nullable: true, type: 'array', items: { type: 'object' } })
  @IsOptional()
  allowed_vector_store_indexes?: unknown[] | null;
  @OptionalStringList()
  enforced_params?: string[] | null;

  @OptionalObject({ example: { team: 'search' } })
  metadata?: Record<string, unknown> | null;
  @OptionalStringList({ description: 'Stored in metadata.tags' })
  tags?: string[] | null;
  @OptionalStringList({ description: 'Stored in metadata' })
  guardrails?: string[] | null;
  @OptionalStringList()
  policies?: string[] | null;
  @OptionalStringList({ description: 'Stored in metadata' })
  prompts?: string[] | null;
  @OptionalBoolean()
  blocked?: boolean | null;
  @OptionalBoolean()
  send_invite_email?: boolean | null;
  @OptionalBoolean({ description: 'Rotate automatically every rotation_interval' })
  auto_rotate?: boolean | null;
  @DurationField('interval', { example: '30d' })
  rotation_interval?: string | null;
}
