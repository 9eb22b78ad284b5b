import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import {
  OptionalBoolean,
  OptionalNumber,
  OptionalObject,
  OptionalString,
  OptionalStringList,
  PageQuery,
  RequiredStringList,
  SizeQuery,
} from '../../../platform/common/dto/fields';
import { LimitFieldsRequest } from '../../../platform/common/dto/limit-fields';
import { DurationsCheckedPerEntry } from '../../../platform/common/dto/duration-field';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../platform/common/password';
import { KeyFieldsRequest } from '../../keys/dto/key-fields.request';
import { ObjectPermissionRequest } from '../../object-permissions/object-permission.dto';

/** The roles /user/new and /user/update accept (LiteLLM's NewUserRequest literal). */
export const ASSIGNABLE_ROLES = [
  'proxy_admin',
  'proxy_admin_viewer',
  'internal_user',
  'internal_user_viewer',
] as const;
export type AssignableRole = (typeof ASSIGNABLE_ROLES)[number];

const MAX_TEAMS = 100;
const MAX_ID_LENGTH = 256;

/** One `teams` entry of /user/new, after normalisation (a bare team id means role "user"). */
export interface UserTeamEntry {
  team_id: string;
  max_budget_in_team?: number | null;
  user_role?: 'admin' | 'user' | null;
}

function isTeamEntry(value: unknown): boolean {
  if (typeof value === 'string') return value.length > 0 && value.length <= MAX_ID_LENGTH;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  const budget = entry.max_budget_in_team;
  return (
    typeof entry.team_id === 'string' &&
    entry.team_id.length > 0 &&
    entry.team_id.length <= MAX_ID_LENGTH &&
    (budget === undefined ||
      budget === null ||
      (typeof budget === 'number' && Number.isFinite(budget) && budget >= 0)) &&
    (entry.user_role === undefined ||
      entry.user_role === null ||
      ['admin', 'user'].includes(entry.user_role as string))
  );
}

/** `teams`: team ids, or `{team_id, max_budget_in_team?, user_role?: "user"|"admin"}` objects. */
const TeamsField = () =>
  applyDecorators(
    ApiProperty({
      required: false,
      nullable: true,
      description: `Teams to add the user to (at most ${MAX_TEAMS}): team ids, or {team_id, max_budget_in_team, user_role}`,
      type: 'array',
      items: {
        oneOf: [
          { type: 'string' },
          {
            type: 'object',
            required: ['team_id'],
            properties: {
              team_id: { type: 'string' },
              max_budget_in_team: { type: 'number', minimum: 0, nullable: true },
              user_role: { type: 'string', enum: ['user', 'admin'], default: 'user' },
            },
          },
        ],
      },
      example: ['team-1', { team_id: 'team-2', max_budget_in_team: 10, user_role: 'admin' }],
    } as ApiPropertyOptions),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_TEAMS),
    ValidateBy({
      name: 'isTeamsList',
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every(isTeamEntry),
        defaultMessage: () =>
          'each entry must be a team id or {team_id, max_budget_in_team >= 0, user_role: "user" | "admin"}',
      },
    }),
  );

const PasswordField = () =>
  applyDecorators(
    ApiProperty({
      required: false,
      nullable: true,
      type: String,
      minLength: PASSWORD_MIN_LENGTH,
      maxLength: PASSWORD_MAX_LENGTH,
      description: 'Stored as a scrypt hash, never returned',
      writeOnly: true,
    } as ApiPropertyOptions),
    IsOptional(),
    IsString(),
    MinLength(PASSWORD_MIN_LENGTH),
    MaxLength(PASSWORD_MAX_LENGTH),
  );

const RoleField = (description: string) =>
  applyDecorators(
    ApiProperty({ required: false, nullable: true, enum: ASSIGNABLE_ROLES, description }),
    IsOptional(),
    IsIn(ASSIGNABLE_ROLES),
  );

/**
 * POST /user/new. Like LiteLLM's NewUserRequest it carries every key field, because it also
 * creates the user's first key (`auto_create_key`, default true): the user fields below and
 * `max_budget`, `budget_duration`, `spend` and `object_permission` belong to the user, the
 * rest go to the key.
 */
export class UserNewRequest extends KeyFieldsRequest {
  @OptionalString({ description: 'Defaults to a uuid4', example: 'alice' }, MAX_ID_LENGTH)
  override user_id?: string | null = undefined;
  @OptionalString({ description: 'Unique (trimmed, case-insensitive)', example: 'alice@example.com' }, 320)
  user_email?: string | null;
  @OptionalString({}, MAX_ID_LENGTH)
  user_alias?: string | null;
  @RoleField('Defaults to internal_user. Only proxy admins create proxy_admin / proxy_admin_viewer users.')
  user_role?: AssignableRole | null;
  @TeamsField()
  teams?: (string | UserTeamEntry)[] | null;
  @OptionalStringList({ description: 'Organizations to add the user to (role internal_user)' }, MAX_ID_LENGTH)
  @ArrayMaxSize(MAX_TEAMS)
  organizations?: string[] | null;
  @OptionalBoolean({ description: 'Also create a key for the user (default true)' })
  auto_create_key?: boolean | null;
  @OptionalString({}, MAX_ID_LENGTH)
  sso_user_id?: string | null;
  @PasswordField()
  password?: string | null;
}

/** A user's budget and limits: the shared rules, documented for users. */
const UserLimitFields = LimitFieldsRequest(
  [
    'max_budget',
    'budget_duration',
    'tpm_limit',
    'rpm_limit',
    'max_parallel_requests',
    'model_max_budget',
    'model_rpm_limit',
    'model_tpm_limit',
  ],
  {
    max_budget: { description: 'USD; explicit null removes the budget' },
    budget_duration: { description: '"1d", "7d", "30d", "1mo"...; recomputes budget_reset_at' },
    model_rpm_limit: { description: 'Kept in metadata' },
    model_tpm_limit: { description: 'Kept in metadata' },
  },
);

/** The fields of one user update (/user/update, and each entry of /user/bulk_update). */
export class UserUpdateFields extends UserLimitFields {
  @PasswordField()
  password?: string | null;
  @OptionalString({}, MAX_ID_LENGTH)
  user_alias?: string | null;
  @RoleField('Only proxy admins change roles')
  user_role?: AssignableRole | null;
  @OptionalNumber()
  spend?: number | null;
  @OptionalStringList({ description: '[] clears the list (unlike LiteLLM)' }, MAX_ID_LENGTH)
  models?: string[] | null;
  @OptionalObject({ description: 'Replaces the metadata' })
  metadata?: Record<string, unknown> | null;
  @OptionalStringList()
  allowed_cache_controls?: string[] | null;
  @OptionalStringList()
  policies?: string[] | null;
  @OptionalString({}, MAX_ID_LENGTH)
  sso_user_id?: string | null;
  @OptionalStringList({ description: 'Kept in metadata' })
  guardrails?: string[] | null;
  @OptionalStringList({ description: 'Kept in metadata' })
  prompts?: string[] | null;
  @ApiProperty({ required: false, nullable: true, type: ObjectPermissionRequest })
  @IsOptional()
  @ValidateNested()
  @Type(() => ObjectPermissionRequest)
  object_permission?: ObjectPermissionRequest | null;
}

/** POST /user/update: `user_id` or `user_email` names the user. */
export class UserUpdateRequest extends UserUpdateFields {
  @OptionalString({ description: 'The user to update' }, MAX_ID_LENGTH)
  user_id?: string | null;
  @OptionalString({ description: 'The user to update when no user_id is given; else the new email' }, 320)
  user_email?: string | null;
  @OptionalString(
    { description: 'Organization context for org admins (the route gate reads it); not stored' },
    MAX_ID_LENGTH,
  )
  organization_id?: string | null;
}

export class UserBulkUpdateRequest {
  @ApiProperty({ required: false, nullable: true, type: [UserUpdateRequest], description: 'At most 500' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5000)
  @ValidateNested({ each: true })
  @Type(() => UserUpdateRequest)
  @DurationsCheckedPerEntry()
  users?: UserUpdateRequest[] | null;
  @OptionalBoolean({ description: 'Apply user_updates to every user (proxy admins only)' })
  all_users?: boolean | null;
  @ApiProperty({ required: false, nullable: true, type: UserUpdateFields })
  @IsOptional()
  @ValidateNested()
  @Type(() => UserUpdateFields)
  user_updates?: UserUpdateFields | null;
  @OptionalString({ description: 'Organization context for org admins; not stored' }, MAX_ID_LENGTH)
  organization_id?: string | null;
}

export class UserDeleteRequest {
  @RequiredStringList({ example: ['alice'] }, MAX_ID_LENGTH)
  @ArrayMaxSize(1000)
  user_ids!: string[];
  @OptionalString({ description: 'Organization context for org admins; not stored' }, MAX_ID_LENGTH)
  organization_id?: string | null;
}

export const USER_SORT_FIELDS = [
  'user_id',
  'user_email',
  'created_at',
  'spend',
  'user_alias',
  'user_role',
] as const;

export class UserListQuery {
  @OptionalString({ description: 'Exact role, e.g. internal_user' }, 64)
  role?: string;
  @OptionalString(
    { description: 'Comma-separated ids; a single id matches by case-insensitive substring' },
    20_000,
  )
  user_ids?: string;
  @OptionalString({ description: 'Comma-separated SSO ids' }, 20_000)
  sso_user_ids?: string;
  @OptionalString({ description: 'Case-insensitive substring' }, 320)
  user_email?: string;
  @OptionalString({ description: 'Users whose teams include this team id' }, MAX_ID_LENGTH)
  team?: string;
  @OptionalString({ description: 'Comma-separated organization ids (members of any)' }, 20_000)
  organization_ids?: string;
  @PageQuery()
  page?: number;
  @SizeQuery(100, 25)
  page_size?: number;
  @OptionalString(
    { enum: USER_SORT_FIELDS, description: 'Column to sort by (default: created_at, newest first)' },
    64,
  )
  sort_by?: string;
  @OptionalString({ enum: ['asc', 'desc'], default: 'asc', description: 'Direction of sort_by' }, 16)
  sort_order?: string;
}

export class UserInfoQuery {
  @OptionalString({ description: "Defaults to the caller; '+' is kept as is" }, 512)
  user_id?: string;
}

export class UserFilterQuery {
  @OptionalString({ description: 'Case-insensitive substring' }, MAX_ID_LENGTH)
  user_id?: string;
  @OptionalString({ description: 'Case-insensitive substring' }, 320)
  user_email?: string;
  @OptionalString({ description: 'For team admins searching users to add to their team' }, MAX_ID_LENGTH)
  team_id?: string;
  @PageQuery()
  page?: number;
  @SizeQuery(100, 50)
  page_size?: number;
}

export class UserDailyActivityQuery {
  @OptionalString({ description: 'YYYY-MM-DD (required)', example: '2026-01-01' }, 32)
  start_date?: string;
  @OptionalString({ description: 'YYYY-MM-DD (required, inclusive)', example: '2026-01-31' }, 32)
  end_date?: string;
  @OptionalString({ description: 'Only usage of this model' }, MAX_ID_LENGTH)
  model?: string;
  @OptionalString({ description: 'A key (sk-...) or its hash' }, MAX_ID_LENGTH)
  api_key?: string;
  @OptionalString({ description: 'Admins: any user or none (all users); others: themselves' }, MAX_ID_LENGTH)
  user_id?: string;
  @PageQuery({ description: 'Pages are whole days, newest first' })
  page?: number;
  @SizeQuery(1000, 50, { description: 'Days per page' })
  page_size?: number;
}
