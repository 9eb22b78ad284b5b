import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  ValidateNested,
} from 'class-validator';
import { BudgetFieldsRequest, BudgetResponse, ID_MAX_LENGTH, LIST_MAX_SIZE } from '../budgets/budgets.dto';
import {
  OptionalNumber,
  OptionalObject,
  OptionalString,
  OptionalStringList,
  RequiredString,
  RequiredStringList,
} from '../../platform/common/dto/fields';
import { AuditColumnsResponse } from '../../platform/common/dto/audit-columns';
import { LimitFieldsRequest } from '../../platform/common/dto/limit-fields';
import { ObjectPermissionRequest } from '../object-permissions/object-permission.dto';

/** Roles of `LiteLLM_OrganizationMembership.user_role` (LiteLLM's OrgMember roles). */
export const ORG_ROLES = ['org_admin', 'internal_user', 'internal_user_viewer'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** Members one /organization/member_add call may add. */
export const MEMBER_ADD_MAX = 500;
const EMAIL_MAX_LENGTH = 320;
const MODELS_MAX = 1000;

const OrganizationId = (description: string) =>
  applyDecorators(RequiredString({ description, example: 'org-acme' }, ID_MAX_LENGTH), IsNotEmpty());

const OptionalUserId = (description: string) =>
  applyDecorators(OptionalString({ description, example: 'user-123' }, ID_MAX_LENGTH), IsNotEmpty());

const OptionalUserEmail = (description: string) =>
  applyDecorators(OptionalString({ description, example: 'jane@acme.com' }, EMAIL_MAX_LENGTH), IsNotEmpty());

const OptionalModels = () =>
  applyDecorators(
    OptionalStringList(
      {
        description: 'Models the organization may use; [] means every model.',
        example: ['gpt-4o'],
        maxItems: MODELS_MAX,
      },
      256,
    ),
    ArrayMaxSize(MODELS_MAX),
  );

const OptionalObjectPermission = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: () => ObjectPermissionRequest,
      nullable: true,
      description: 'MCP servers, vector stores, agents... this organization may use.',
    }),
    IsOptional(),
    IsObject(),
    ValidateNested(),
    Type(() => ObjectPermissionRequest),
  );

const perModelLimit = (what: string) => ({
  description: `Per-model ${what} limits, {"<model>": <limit>} (kept in metadata).`,
});

/** The budget fields of the organization's budget row, and its per-model limits (kept in metadata). */
const OrganizationLimitFields = LimitFieldsRequest(
  ['model_rpm_limit', 'model_tpm_limit'],
  { model_rpm_limit: perModelLimit('RPM'), model_tpm_limit: perModelLimit('TPM') },
  BudgetFieldsRequest,
);

/**
 * LiteLLM's `NewOrganizationRequest`: the organization, plus budget fields for the budget row
 * every organization points at (or `budget_id` to link an existing budget, not both).
 */
export class OrganizationNewRequest extends OrganizationLimitFields {
  @RequiredString({ description: 'The organization name.', example: 'Acme' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  organization_alias!: string;

  @OptionalString(
    { description: 'The organization id; a UUID is generated when absent.', example: 'org-acme' },
    ID_MAX_LENGTH,
  )
  @IsNotEmpty()
  organization_id?: string | null;

  @OptionalModels()
  models?: string[] | null;

  @OptionalString({ description: 'Link an existing budget instead of budget fields.' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  budget_id?: string | null;

  @OptionalObject({ example: { department: 'research' } })
  metadata?: Record<string, unknown> | null;

  @OptionalObjectPermission()
  object_permission?: ObjectPermissionRequest | null;
}

/**
 * LiteLLM's organization update body: organization fields plus budget fields, which change the
 * organization's budget row in place. The UI's nested `litellm_budget_table` is read too.
 */
export class OrganizationUpdateRequest extends OrganizationLimitFields {
  @OrganizationId('The organization to update.')
  organization_id!: string;

  @OptionalString({ description: 'A new name.' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  organization_alias?: string | null;

  @OptionalModels()
  models?: string[] | null;

  @OptionalString({ description: 'Link another existing budget.' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  budget_id?: string | null;

  @OptionalNumber({ description: 'Set the spend (USD).' }, 0)
  spend?: number | null;

  @OptionalObject({
    description: 'Merged into the stored metadata (nested objects too); a null value removes a key.',
  })
  metadata?: Record<string, unknown> | null;

  @OptionalObjectPermission()
  object_permission?: ObjectPermissionRequest | null;

  @ApiPropertyOptional({
    type: () => BudgetFieldsRequest,
    nullable: true,
    description: "The UI's nested budget fields; they win over the same fields at the top level.",
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BudgetFieldsRequest)
  litellm_budget_table?: BudgetFieldsRequest | null;
}

export class OrganizationDeleteRequest {
  @RequiredStringList(
    {
      description: `Organizations to delete (1 to ${LIST_MAX_SIZE}); all or nothing.`,
      example: ['org-acme'],
      maxItems: LIST_MAX_SIZE,
    },
    ID_MAX_LENGTH,
  )
  @ArrayMaxSize(LIST_MAX_SIZE)
  organization_ids!: string[];
}

export class OrganizationListQuery {
  @OptionalString({ description: 'Only this organization id.' }, ID_MAX_LENGTH)
  org_id?: string;

  @OptionalString(
    { description: 'Organizations whose alias contains this (case-insensitive).' },
    ID_MAX_LENGTH,
  )
  org_alias?: string;
}

export class OrganizationInfoQuery {
  @OrganizationId('The organization to show.')
  organization_id!: string;
}

/** The deprecated POST /organization/info body. */
export class OrganizationInfoRequest {
  @RequiredStringList(
    { description: 'Organization ids.', example: ['org-acme'], maxItems: LIST_MAX_SIZE },
    ID_MAX_LENGTH,
  )
  @ArrayMaxSize(LIST_MAX_SIZE)
  organizations!: string[];

  @OptionalString(
    { description: 'Org admins name the organization they administer here (LiteLLM org RBAC).' },
    ID_MAX_LENGTH,
  )
  organization_id?: string | null;
}

/** LiteLLM's `OrgMember`: a user by id or email, with a role in the organization. */
export class OrgMemberRequest {
  @OptionalUserId('The user; created when no user has this id (or the email).')
  user_id?: string | null;

  @OptionalUserEmail('Looked up when user_id is absent or unknown; a new user gets it.')
  user_email?: string | null;

  @ApiProperty({ enum: ORG_ROLES, example: 'internal_user' })
  @IsIn(ORG_ROLES)
  role!: OrgRole;
}

@ApiExtraModels(OrgMemberRequest)
export class OrganizationMemberAddRequest {
  @OrganizationId('The organization to add members to.')
  organization_id!: string;

  @ApiProperty({
    oneOf: [
      { $ref: getSchemaPath(OrgMemberRequest) },
      { type: 'array', items: { $ref: getSchemaPath(OrgMemberRequest) }, maxItems: MEMBER_ADD_MAX },
    ],
    description: `One member or a list (1 to ${MEMBER_ADD_MAX}).`,
    example: { user_id: 'user-123', role: 'internal_user' },
  })
  @Type(() => OrgMemberRequest)
  @Transform(({ value }: { value: unknown }) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? [value] : value,
  )
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MEMBER_ADD_MAX)
  @ValidateNested({ each: true })
  member!: OrgMemberRequest[];

  @OptionalNumber(
    { description: 'Gives each new member a budget of their own in the organization (USD).' },
    0,
  )
  max_budget_in_organization?: number | null;
}

export class OrganizationMemberUpdateRequest {
  @OrganizationId('The organization.')
  organization_id!: string;

  @OptionalUserId('The member (or user_email).')
  user_id?: string | null;

  @OptionalUserEmail('The member, when user_id is absent.')
  user_email?: string | null;

  @ApiPropertyOptional({ enum: ORG_ROLES, nullable: true })
  @IsOptional()
  @IsIn(ORG_ROLES)
  role?: OrgRole | null;

  @OptionalNumber(
    { description: "The member's own budget in the organization (USD); created when absent." },
    0,
  )
  max_budget_in_organization?: number | null;
}

export class OrganizationMemberDeleteRequest {
  @OrganizationId('The organization.')
  organization_id!: string;

  @OptionalUserId('The member (or user_email).')
  user_id?: string | null;

  @OptionalUserEmail('The member, when user_id is absent.')
  user_email?: string | null;
}

// ---- Responses ---------------------------------------------------------------------------------

const JSON_OBJECT = { type: 'object', additionalProperties: true } as const;

/** A `LiteLLM_OrganizationMembership` row. */
export class OrganizationMembershipResponse {
  @ApiProperty({ example: 'user-123' })
  user_id!: string;
  @ApiProperty({ example: 'org-acme' })
  organization_id!: string;
  @ApiProperty({ enum: ORG_ROLES, nullable: true, example: 'internal_user' })
  user_role!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 0 })
  spend!: number | null;
  @ApiProperty({ type: String, nullable: true })
  budget_id!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  created_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  updated_at!: string | null;
}

export class OrganizationMembershipWithBudgetResponse extends OrganizationMembershipResponse {
  @ApiProperty({ type: BudgetResponse, nullable: true })
  litellm_budget_table!: BudgetResponse | null;
}

class MemberUserResponse {
  @ApiProperty({ example: 'user-123' })
  user_id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'jane@acme.com' })
  user_email!: string | null;
  @ApiProperty({ type: String, nullable: true })
  user_alias!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'internal_user' })
  user_role!: string | null;
}

export class OrganizationMemberWithUserResponse extends OrganizationMembershipResponse {
  @ApiProperty({ type: MemberUserResponse })
  user!: MemberUserResponse;
}

/** A `LiteLLM_OrganizationTable` row with its budget. */
export class OrganizationResponse extends AuditColumnsResponse({ actorExample: 'default_user_id' }) {
  @ApiProperty({ example: 'org-acme' })
  organization_id!: string;
  @ApiProperty({ example: 'Acme' })
  organization_alias!: string;
  @ApiProperty({ example: '5b0c6a2e-1f0e-4a7e-9d3f-2b8f1f7c9a10' })
  budget_id!: string;
  @ApiProperty({ ...JSON_OBJECT, example: { department: 'research' } })
  metadata!: Record<string, unknown>;
  @ApiProperty({ type: String, isArray: true, example: ['gpt-4o'] })
  models!: string[];
  @ApiProperty({ example: 0 })
  spend!: number;
  @ApiProperty({ ...JSON_OBJECT, example: {} })
  model_spend!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true })
  object_permission_id!: string | null;
  @ApiProperty({ type: BudgetResponse, nullable: true })
  litellm_budget_table!: BudgetResponse | null;
}

/** An organization with its memberships and teams (update, delete, list). */
export class OrganizationWithMembersResponse extends OrganizationResponse {
  @ApiProperty({ type: OrganizationMembershipResponse, isArray: true })
  members!: OrganizationMembershipResponse[];
  @ApiProperty({ ...JSON_OBJECT, isArray: true, description: 'LiteLLM_TeamTable rows of the organization.' })
  teams!: Record<string, unknown>[];
}

/** GET /organization/info: memberships with their user, teams and the object permission. */
export class OrganizationInfoResponse extends OrganizationResponse {
  @ApiProperty({ type: OrganizationMemberWithUserResponse, isArray: true })
  members!: OrganizationMemberWithUserResponse[];
  @ApiProperty({ ...JSON_OBJECT, isArray: true, description: 'LiteLLM_TeamTable rows of the organization.' })
  teams!: Record<string, unknown>[];
  @ApiProperty({ ...JSON_OBJECT, nullable: true, description: 'The LiteLLM_ObjectPermissionTable row.' })
  object_permission!: Record<string, unknown> | null;
}

export class OrganizationMemberAddResponse {
  @ApiProperty({ example: 'org-acme' })
  organization_id!: string;
  @ApiProperty({
    ...JSON_OBJECT,
    isArray: true,
    description: 'The LiteLLM_UserTable rows of the members (created ones included), without passwords.',
  })
  updated_users!: Record<string, unknown>[];
  @ApiProperty({ type: OrganizationMembershipResponse, isArray: true })
  updated_organization_memberships!: OrganizationMembershipResponse[];
}
