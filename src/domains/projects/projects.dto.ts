import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsNotEmpty, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { BudgetFieldsRequest, BudgetResponse, ID_MAX_LENGTH, LIST_MAX_SIZE } from '../budgets/budgets.dto';
import {
  OptionalBoolean,
  OptionalObject,
  OptionalString,
  OptionalStringList,
  RequiredString,
  RequiredStringList,
} from '../../platform/common/dto/fields';
import { AuditColumnsResponse } from '../../platform/common/dto/audit-columns';
import { LimitFieldsRequest } from '../../platform/common/dto/limit-fields';
import { ObjectPermissionRequest } from '../object-permissions/object-permission.dto';

/** Longest list a project field may hold (models, tags, guardrails...). */
const LIST_MAX = 1000;

const OptionalObjectPermission = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: () => ObjectPermissionRequest,
      nullable: true,
      description: 'MCP servers, vector stores, agents... the keys of this project may use.',
    }),
    IsOptional(),
    IsObject(),
    ValidateNested(),
    Type(() => ObjectPermissionRequest),
  );

const OptionalList = (description: string, example: string[]) =>
  applyDecorators(
    OptionalStringList({ description, example, maxItems: LIST_MAX }, ID_MAX_LENGTH),
    ArrayMaxSize(LIST_MAX),
  );

const PER_MODEL_LIMIT_EXAMPLE = { 'gpt-4': 1000 };

/** The budget fields of the project's budget row, and its per-model limits. */
const ProjectLimitFields = LimitFieldsRequest(
  ['model_rpm_limit', 'model_tpm_limit'],
  {
    model_rpm_limit: {
      description: 'Requests per minute per model: {"<model>": <whole number>}.',
      example: PER_MODEL_LIMIT_EXAMPLE,
    },
    model_tpm_limit: {
      description: 'Tokens per minute per model: {"<model>": <whole number>}.',
      example: { 'gpt-4': 50000 },
    },
  },
  BudgetFieldsRequest,
);

/** The project fields shared by `/project/new` and `/project/update` (LiteLLM's names). */
class ProjectFieldsRequest extends ProjectLimitFields {
  @OptionalString({ description: 'A human-friendly name.', example: 'flight-search-assistant' })
  project_alias?: string | null;

  @OptionalString(
    { description: 'What the project is for.', example: 'Flight search and booking assistant' },
    4096,
  )
  description?: string | null;

  @OptionalString(
    { description: "Link an existing budget instead of budget fields such as 'max_budget'." },
    ID_MAX_LENGTH,
  )
  @IsNotEmpty()
  budget_id?: string | null;

  @OptionalObject({ description: 'Free-form metadata.', example: { use_case_id: 'SNOW-12345' } })
  metadata?: Record<string, unknown> | null;

  @OptionalList('Tags of the project (kept in metadata.tags).', ['production'])
  tags?: string[] | null;

  @OptionalList('Guardrails of the project (kept in metadata.guardrails).', [])
  guardrails?: string[] | null;

  @OptionalList('Policies of the project (kept in metadata.policies).', [])
  policies?: string[] | null;

  @OptionalList(
    "Models the project's keys may use: a subset of the team's models. Empty = the team's models.",
    ['gpt-4'],
  )
  models?: string[] | null;

  @OptionalBoolean({ description: 'Refuse calls from every key of this project. Default false.' })
  blocked?: boolean | null;

  @OptionalObjectPermission()
  object_permission?: ObjectPermissionRequest | null;
}

/** LiteLLM's `NewProjectRequest`. */
export class ProjectNewRequest extends ProjectFieldsRequest {
  @RequiredString({ description: 'The team the project belongs to.', example: 'team-123' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  team_id!: string;

  @OptionalString({ description: 'The project id; a UUID is generated when absent.' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  project_id?: string | null;
}

/** LiteLLM's `UpdateProjectRequest`: fields sent with a value are changed; metadata is replaced. */
export class ProjectUpdateRequest extends ProjectFieldsRequest {
  @RequiredString({ description: 'The project to update.', example: 'project-123' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  project_id!: string;

  @OptionalString(
    {
      description:
        'Move the project to this team (the caller must be allowed to manage projects of both teams; the project must have no keys).',
    },
    ID_MAX_LENGTH,
  )
  @IsNotEmpty()
  team_id?: string | null;
}

export class ProjectDeleteRequest {
  @RequiredStringList(
    {
      description: `Projects to delete (1 to ${LIST_MAX_SIZE}).`,
      example: ['project-123'],
      maxItems: LIST_MAX_SIZE,
    },
    ID_MAX_LENGTH,
  )
  @ArrayMaxSize(LIST_MAX_SIZE)
  project_ids!: string[];
}

export class ProjectInfoQuery {
  @RequiredString({ description: 'The project id.', example: 'project-123' }, ID_MAX_LENGTH)
  project_id!: string;
}

/** A `LiteLLM_ProjectTable` row with its budget and object permission. */
export class ProjectResponse extends AuditColumnsResponse({ actorExample: 'default_user_id' }) {
  @ApiProperty({ example: 'e402a141-725a-4437-bff5-d47459189716' })
  project_id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'flight-search-assistant' })
  project_alias!: string | null;
  @ApiProperty({ type: String, nullable: true })
  description!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'team-123' })
  team_id!: string | null;
  @ApiProperty({ type: String, nullable: true })
  budget_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { use_case_id: 'SNOW-12345' } })
  metadata!: Record<string, unknown>;
  @ApiProperty({ type: String, isArray: true, example: ['gpt-4'] })
  models!: string[];
  @ApiProperty({ example: 0 })
  spend!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, example: {} })
  model_spend!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, example: PER_MODEL_LIMIT_EXAMPLE })
  model_rpm_limit!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { 'gpt-4': 50000 } })
  model_tpm_limit!: Record<string, unknown>;
  @ApiProperty({ example: false })
  blocked!: boolean;
  @ApiProperty({ type: String, nullable: true })
  object_permission_id!: string | null;
  @ApiProperty({ type: BudgetResponse, nullable: true })
  litellm_budget_table!: BudgetResponse | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The LiteLLM_ObjectPermissionTable row.',
  })
  object_permission!: Record<string, unknown> | null;
}
