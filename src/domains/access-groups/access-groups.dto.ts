import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsNotEmpty, IsString, MaxLength, ValidateIf } from 'class-validator';
import { ID_MAX_LENGTH } from '../budgets/budgets.dto';
import { OptionalString, OptionalStringList, RequiredString } from '../../platform/common/dto/fields';
import { AuditColumnsResponse } from '../../platform/common/dto/audit-columns';

/** Longest list of models, servers, agents, teams or keys one request may name. */
export const ACCESS_GROUP_LIST_MAX = 1000;

const ResourceList = (description: string, example: string[]) =>
  applyDecorators(
    OptionalStringList({ description, example, maxItems: ACCESS_GROUP_LIST_MAX }, ID_MAX_LENGTH),
    ArrayMaxSize(ACCESS_GROUP_LIST_MAX),
  );

const NAME_DOC = 'Unique name of the access group.';
const KEYS_DOC =
  'Keys (their hashes as stored in LiteLLM_VerificationToken.token; a raw `sk-` key is hashed) that get this group in their access_group_ids.';

/** LiteLLM's `AccessGroupCreateRequest`. */
export class AccessGroupCreateRequest {
  @RequiredString({ description: NAME_DOC, example: 'gpt-4-users' }, ID_MAX_LENGTH)
  @IsNotEmpty()
  access_group_name!: string;

  @OptionalString({ description: 'What the group grants, in words.' }, 4096)
  description?: string | null;

  @ResourceList('Model names the group grants.', ['gpt-4'])
  access_model_names?: string[] | null;

  @ResourceList('MCP server ids the group grants.', [])
  access_mcp_server_ids?: string[] | null;

  @ResourceList('Agent ids the group grants.', [])
  access_agent_ids?: string[] | null;

  @ResourceList('Teams that get this group in their access_group_ids (each must exist: 400).', ['team-123'])
  assigned_team_ids?: string[] | null;

  @ResourceList(KEYS_DOC, [])
  assigned_key_ids?: string[] | null;
}

/**
 * LiteLLM's `AccessGroupUpdateRequest`: only the fields sent change; a list sent as null becomes [].
 * The name may be changed but not cleared.
 */
export class AccessGroupUpdateRequest {
  @ApiPropertyOptional({ type: String, description: `${NAME_DOC} Cannot be null.`, example: 'gpt-4-users' })
  @ValidateIf((o: AccessGroupUpdateRequest) => o.access_group_name !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX_LENGTH)
  access_group_name?: string;

  @OptionalString({ description: 'What the group grants, in words (null clears it).' }, 4096)
  description?: string | null;

  @ResourceList('Model names the group grants.', ['gpt-4'])
  access_model_names?: string[] | null;

  @ResourceList('MCP server ids the group grants.', [])
  access_mcp_server_ids?: string[] | null;

  @ResourceList('Agent ids the group grants.', [])
  access_agent_ids?: string[] | null;

  @ResourceList('The teams of the group: teams added get the group id, teams left out lose it.', ['team-123'])
  assigned_team_ids?: string[] | null;

  @ResourceList(`${KEYS_DOC} Keys left out lose it.`, [])
  assigned_key_ids?: string[] | null;
}

/** A resource of a group with its display name (null when unknown). */
export class AccessGroupResource {
  @ApiProperty({ example: 'team-123' })
  id!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Platform team' })
  name!: string | null;
}

/** The `LiteLLM_AccessGroupTable` row plus display names of what it links. */
export class AccessGroupResponse extends AuditColumnsResponse({
  nullableActors: true,
  actorExample: 'default_user_id',
}) {
  @ApiProperty({ example: 'b0c2f1de-0a6d-4d0c-9d1e-2f9b7f1d8a11' })
  access_group_id!: string;
  @ApiProperty({ example: 'gpt-4-users' })
  access_group_name!: string;
  @ApiProperty({ type: String, nullable: true })
  description!: string | null;
  @ApiProperty({ type: String, isArray: true, example: ['gpt-4'] })
  access_model_names!: string[];
  @ApiProperty({ type: String, isArray: true, example: [] })
  access_mcp_server_ids!: string[];
  @ApiProperty({ type: String, isArray: true, example: [] })
  access_agent_ids!: string[];
  @ApiProperty({
    type: String,
    isArray: true,
    example: ['team-123'],
    description: 'Existing teams attached to the group (listed on it or carrying its id).',
  })
  assigned_team_ids!: string[];
  @ApiProperty({ type: String, isArray: true, example: [] })
  assigned_key_ids!: string[];
  @ApiProperty({ type: AccessGroupResource, isArray: true })
  access_mcp_servers!: AccessGroupResource[];
  @ApiProperty({ type: AccessGroupResource, isArray: true })
  access_agents!: AccessGroupResource[];
  @ApiProperty({ type: AccessGroupResource, isArray: true })
  assigned_teams!: AccessGroupResource[];
  @ApiProperty({ type: AccessGroupResource, isArray: true })
  assigned_keys!: AccessGroupResource[];
}
