import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, ValidateNested } from 'class-validator';
import {
  OptionalBoolean,
  OptionalInt,
  OptionalNumber,
  OptionalObject,
  OptionalString,
  OptionalStringList,
  RequiredString,
  RequiredStringList,
} from '../../../platform/common/dto/fields';
import { DurationField } from '../../../platform/common/dto/duration-field';
import { LimitFieldsRequest } from '../../../platform/common/dto/limit-fields';
import { ObjectPermissionRequest } from '../../object-permissions/object-permission.dto';
import { TEAM_ADMIN_PERMISSIONS } from '../team-members';
import { TeamMemberRequest } from './team-member.requests';

export const MAX_ID_LENGTH = 256;
/** Upper bound of every list in a team body (members, models, ids...). */
export const MAX_LIST = 1000;

/** The team's budget and limits: the shared rules, documented for teams. */
const TeamLimitFields = LimitFieldsRequest(
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
    max_budget: { description: 'USD; >= 0', example: 100 },
    soft_budget: { description: 'Alerting threshold in USD' },
    budget_duration: {
      description: '"1d" (next midnight), "7d" (Monday), "30d" (1st of month)...',
      example: '30d',
    },
    model_max_budget: { description: '{"model": {"budget_limit": 1.0, "time_period": "1d"}}' },
    tpm_limit: { description: 'Tokens per minute for all keys of the team together' },
    rpm_limit: { description: 'Requests per minute for all keys of the team together' },
    model_rpm_limit: { description: 'Per-model RPM limits (kept in metadata)' },
    model_tpm_limit: { description: 'Per-model TPM limits (kept in metadata)' },
  },
);

/**
 * The team settings shared by /team/new and /team/update (LiteLLM's NewTeamRequest without the
 * membership fields). `undefined` = not sent; on update only the fields sent change.
 */
export class TeamFieldsRequest extends TeamLimitFields {
  @OptionalString({ example: 'search-team' }, MAX_ID_LENGTH)
  team_alias?: string | null;
  @OptionalString(
    { description: 'The team organization. Org admins must name an organization they administer.' },
    MAX_ID_LENGTH,
  )
  organization_id?: string | null;
  @OptionalObject({ example: { cost_center: 'R&D' } })
  metadata?: Record<string, unknown> | null;
  @OptionalStringList({ description: '[] = every model the proxy serves', example: ['gpt-4o'] }, 256)
  @ArrayMaxSize(MAX_LIST)
  models?: string[] | null;
  @OptionalBoolean({ description: 'true refuses every key of the team (same as /team/block)' })
  blocked?: boolean | null;
  @OptionalObject()
  router_settings?: Record<string, unknown> | null;
  @OptionalStringList(
    { description: 'Key routes plain members may call with team keys (default /key/info, /key/health)' },
    256,
  )
  @ArrayMaxSize(100)
  team_member_permissions?: string[] | null;
  @OptionalObject({
    description: 'Model aliases, stored in LiteLLM_ModelTable (team.model_id)',
    example: { 'gpt-4': 'gpt-4o' },
  })
  model_aliases?: Record<string, unknown> | null;
  @ApiProperty({ required: false, nullable: true, type: ObjectPermissionRequest })
  @IsOptional()
  @ValidateNested()
  @Type(() => ObjectPermissionRequest)
  object_permission?: ObjectPermissionRequest | null;
  @OptionalStringList({}, MAX_ID_LENGTH)
  @ArrayMaxSize(MAX_LIST)
  access_group_ids?: string[] | null;

  @OptionalNumber({ description: 'Default max_budget of each member (a budget row per member)', example: 10 })
  team_member_budget?: number | null;
  @OptionalInt({ description: 'Default RPM of each member' })
  team_member_rpm_limit?: number | null;
  @OptionalInt({ description: 'Default TPM of each member' })
  team_member_tpm_limit?: number | null;
  @DurationField('reset', {
    description: "Reset period of the members' budgets (defaults to budget_duration)",
  })
  team_member_budget_duration?: string | null;
  // Checked with the budget reset rule, as the team services always have (not the key expiry rule).
  @DurationField('reset', { description: 'Default duration of keys members create (kept in metadata)' })
  team_member_key_duration?: string | null;

  @OptionalStringList({ description: 'Kept in metadata.tags' }, 256)
  @ArrayMaxSize(MAX_LIST)
  tags?: string[] | null;
  @OptionalStringList({ description: 'Kept in metadata' }, 256)
  @ArrayMaxSize(MAX_LIST)
  guardrails?: string[] | null;
  @OptionalStringList({}, 256)
  @ArrayMaxSize(MAX_LIST)
  policies?: string[] | null;
  @OptionalStringList({ description: 'Kept in metadata' }, 256)
  @ArrayMaxSize(MAX_LIST)
  prompts?: string[] | null;
  @OptionalStringList({ description: 'Proxy admins only (kept in metadata)' }, 1024)
  @ArrayMaxSize(MAX_LIST)
  allowed_passthrough_routes?: string[] | null;
  @OptionalObject({ description: 'Kept in metadata' })
  secret_manager_settings?: Record<string, unknown> | null;
  @ApiProperty({ required: false, nullable: true, type: 'array', items: { type: 'object' } })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST)
  allowed_vector_store_indexes?: unknown[] | null;
  @OptionalObject({ description: 'Kept in metadata' })
  enforced_batch_output_expires_after?: Record<string, unknown> | null;
  @OptionalObject({ description: 'Kept in metadata' })
  enforced_file_expires_after?: Record<string, unknown> | null;

  @OptionalStringList({
    description:
      'Proxy admins only. Extra powers of this team\'s admins, kept in metadata.team_admin_permissions: "member_key_budgets" (update members\' keys), "projects" (create projects), or a team field name they may then change with /team/update (e.g. "max_budget").',
    enum: TEAM_ADMIN_PERMISSIONS,
    example: ['max_budget', 'member_key_budgets'],
  })
  @ArrayMaxSize(100)
  team_admin_permissions?: string[] | null;
}

/** POST /team/new. */
export class TeamNewRequest extends TeamFieldsRequest {
  @OptionalString({ description: 'Defaults to a uuid4', example: 'team-search' }, MAX_ID_LENGTH)
  team_id?: string | null;
  @ApiProperty({
    required: false,
    nullable: true,
    type: [TeamMemberRequest],
    description: 'Members to add; the caller is added as an admin when not listed',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => TeamMemberRequest)
  members_with_roles?: TeamMemberRequest[] | null;
  @OptionalStringList({ description: 'Legacy: user ids added as admins' }, MAX_ID_LENGTH)
  @ArrayMaxSize(500)
  admins?: string[] | null;
  @OptionalStringList({ description: 'Legacy: user ids added as members' }, MAX_ID_LENGTH)
  @ArrayMaxSize(500)
  members?: string[] | null;
}

/** POST /team/update: `team_id` names the team; only the fields sent change. */
export class TeamUpdateRequest extends TeamFieldsRequest {
  @OptionalString({ description: 'The team to update (required)', example: 'team-search' }, MAX_ID_LENGTH)
  team_id?: string | null;
}

export class TeamDeleteRequest {
  @RequiredStringList({ example: ['team-search'] }, MAX_ID_LENGTH)
  @ArrayMaxSize(100)
  team_ids!: string[];
  @OptionalString(
    { description: 'Organization context for org admins (the route gate reads it)' },
    MAX_ID_LENGTH,
  )
  organization_id?: string | null;
}

export class TeamBlockRequest {
  @RequiredString({ example: 'team-search' }, MAX_ID_LENGTH)
  team_id!: string;
  @OptionalString(
    { description: 'Organization context for org admins (the route gate reads it)' },
    MAX_ID_LENGTH,
  )
  organization_id?: string | null;
}

export class TeamModelsRequest {
  @RequiredString({ example: 'team-search' }, MAX_ID_LENGTH)
  team_id!: string;
  @RequiredStringList({ example: ['gpt-4o'] }, 256)
  @ArrayMaxSize(MAX_LIST)
  models!: string[];
}

export class TeamPermissionsUpdateRequest {
  @RequiredString({ example: 'team-search' }, MAX_ID_LENGTH)
  team_id!: string;
  @RequiredStringList({ example: ['/key/info', '/key/health', '/key/generate'] }, 256)
  @ArrayMaxSize(100)
  team_member_permissions!: string[];
}
