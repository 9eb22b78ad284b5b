import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsArray, IsOptional, IsString } from 'class-validator';
import {
  OptionalBoolean,
  OptionalEnum,
  OptionalObject,
  OptionalString,
  OptionalStringList,
  RequiredString,
} from '../../../platform/common/dto/fields';

export const MCP_TRANSPORTS = ['sse', 'http', 'stdio'] as const;
/** LiteLLM's `MCPAuth` values (the baseline's; the newer five are accepted and stored too). */
export const MCP_AUTH_TYPES = [
  'none',
  'api_key',
  'bearer_token',
  'basic',
  'authorization',
  'oauth2',
  'aws_sigv4',
  'token',
  'oauth2_token_exchange',
  'oauth2_id_jag',
  'true_passthrough',
  'oauth_delegate',
] as const;
export const OAUTH2_FLOWS = ['client_credentials', 'authorization_code'] as const;

const CREDENTIALS_DOC =
  'Secrets for the upstream: {auth_value, client_id, client_secret, scopes, aws_access_key_id, aws_secret_access_key, aws_session_token, aws_region_name, aws_service_name}. Stored encrypted; never returned.';

/** The fields of a server a caller sets (LiteLLM's `NewMCPServerRequest` / `UpdateMCPServerRequest`). */
export class McpServerFieldsRequest {
  @OptionalString({ description: 'Display name; no "-" (the tool-name separator).', example: 'github_tools' })
  server_name?: string | null;

  @OptionalString({
    description:
      'Name used in /mcp/{alias} paths and tool prefixes; defaults to server_name with spaces as "_". No "-".',
    example: 'github',
  })
  alias?: string | null;

  @OptionalString({ example: 'GitHub issues and pull requests' })
  description?: string | null;

  @OptionalEnum(MCP_TRANSPORTS, { description: 'Default "sse".', example: 'http' })
  transport?: (typeof MCP_TRANSPORTS)[number] | null;

  @OptionalEnum(MCP_AUTH_TYPES, { example: 'bearer_token' })
  auth_type?: (typeof MCP_AUTH_TYPES)[number] | null;

  @OptionalObject({ description: CREDENTIALS_DOC, example: { auth_value: 'ghp-example-token' } })
  credentials?: Record<string, unknown> | null;

  @OptionalString({
    description: 'Upstream URL; required for http and sse.',
    example: 'https://mcp.example.com/mcp',
  })
  url?: string | null;

  @OptionalString({ description: 'OpenAPI spec to build tools from (instead of url).' })
  spec_path?: string | null;

  @OptionalObject({ description: 'Free-form; `is_public` is shown to restricted keys.' })
  mcp_info?: Record<string, unknown> | null;

  @OptionalStringList({ description: 'Access groups that grant this server.', example: [] })
  mcp_access_groups?: string[] | null;

  @OptionalStringList({
    description: 'Only these tools of the server are offered (empty: all).',
    example: [],
  })
  allowed_tools?: string[] | null;

  @OptionalObject({ description: 'Tool name → name shown to clients.' })
  tool_name_to_display_name?: Record<string, unknown> | null;

  @OptionalObject({ description: 'Tool name → description shown to clients.' })
  tool_name_to_description?: Record<string, unknown> | null;

  @OptionalStringList({ description: 'Client request headers forwarded upstream.', example: [] })
  extra_headers?: string[] | null;

  @OptionalObject({ description: 'Headers sent upstream on every call.' })
  static_headers?: Record<string, unknown> | null;

  @OptionalString()
  instructions?: string | null;

  @OptionalString({ description: 'stdio only: the command (its basename must be an allowed stdio command).' })
  command?: string | null;

  @OptionalStringList({ description: 'stdio only: the arguments (required with a command).', example: [] })
  args?: string[] | null;

  @OptionalObject({ description: 'stdio only: environment of the command.' })
  env?: Record<string, unknown> | null;

  @OptionalString()
  authorization_url?: string | null;

  @OptionalString()
  token_url?: string | null;

  @OptionalString()
  registration_url?: string | null;

  @OptionalEnum(OAUTH2_FLOWS, {
    description:
      'oauth2 only; stored in mcp_info.oauth2_flow (client_credentials servers are never delegatable).',
  })
  oauth2_flow?: (typeof OAUTH2_FLOWS)[number] | null;

  @OptionalBoolean({ description: 'Granted to every key. Default false.' })
  allow_all_keys?: boolean | null;

  @OptionalBoolean({ description: 'false: only callers from internal IP ranges see it. Default true.' })
  available_on_public_internet?: boolean | null;

  @OptionalBoolean({
    description:
      'oauth2 only: clients without a LiteLLM key complete OAuth with the upstream themselves. Default false; cleared when auth_type changes away from oauth2.',
  })
  delegate_auth_to_upstream?: boolean | null;

  @OptionalBoolean({
    description: 'Users bring their own credential (POST …/user-credential). Default false.',
  })
  is_byok?: boolean | null;

  @OptionalStringList({ example: [] })
  byok_description?: string[] | null;

  @OptionalString()
  byok_api_key_help_url?: string | null;

  @OptionalString()
  source_url?: string | null;
}

export class McpServerNewRequest extends McpServerFieldsRequest {
  @OptionalString({ description: 'The id; a UUID is generated when absent.' }, 256)
  server_id?: string | null;

  @OptionalString({ description: 'Set by the server (active); a value sent is ignored.' })
  approval_status?: string | null;

  @OptionalString({ description: 'Set by the server; a value sent is ignored.' })
  submitted_by?: string | null;

  @OptionalString({ description: 'Set by the server; a value sent is ignored.' })
  submitted_at?: string | null;
}

export class McpServerUpdateRequest extends McpServerFieldsRequest {
  @RequiredString({ description: 'The server to change.', example: 'github-server-id' }, 256)
  server_id!: string;
}

export class McpServerListQuery {
  @OptionalString({ description: "Only the team's servers (and allow_all_keys ones)." })
  team_id?: string;
}

/** A row of LiteLLM_MCPServerTable as the routes show it: credentials always null. */
export class McpServerResponse {
  @ApiProperty({ example: 'a3f1c2d4-0000-4000-8000-000000000001' })
  server_id!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) server_name!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) alias!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) description!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) instructions!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) url!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) spec_path!: string | null;
  @ApiProperty({ enum: MCP_TRANSPORTS }) transport!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) auth_type!: string | null;
  @ApiPropertyOptional({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'Always null: credentials are never returned.',
  })
  credentials!: null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) created_at!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) created_by!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) updated_at!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) updated_by!: string | null;
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true })
  mcp_info!: Record<string, unknown> | null;
  @ApiProperty({ type: String, isArray: true }) mcp_access_groups!: string[];
  @ApiProperty({ type: String, isArray: true }) allowed_tools!: string[];
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true })
  tool_name_to_display_name!: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true })
  tool_name_to_description!: Record<string, unknown> | null;
  @ApiProperty({ type: String, isArray: true }) extra_headers!: string[];
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true })
  static_headers!: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: String, nullable: true, enum: ['healthy', 'unhealthy', 'unknown'] })
  status!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) last_health_check!:
    string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) health_check_error!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) command!: string | null;
  @ApiProperty({ type: String, isArray: true }) args!: string[];
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true })
  env!: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: String, nullable: true }) authorization_url!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) token_url!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) registration_url!: string | null;
  @ApiProperty() allow_all_keys!: boolean;
  @ApiProperty() available_on_public_internet!: boolean;
  @ApiProperty() delegate_auth_to_upstream!: boolean;
  @ApiProperty() is_byok!: boolean;
  @ApiProperty({ type: String, isArray: true }) byok_description!: string[];
  @ApiPropertyOptional({ type: String, nullable: true }) byok_api_key_help_url!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) source_url!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, enum: ['pending_review', 'active', 'rejected'] })
  approval_status!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) submitted_by!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) submitted_at!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) reviewed_at!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) review_notes!: string | null;
  @ApiProperty({
    type: String,
    isArray: true,
    description: 'Teams granted the server (not computed yet: always []).',
  })
  teams!: string[];
  @ApiPropertyOptional({ description: 'BYOK servers: whether the caller stored a credential.' })
  has_user_credential?: boolean;
}

export class McpServerRejectRequest {
  @OptionalString(
    { description: 'Why; stored as review_notes.', example: 'Use the official server instead.' },
    4096,
  )
  review_notes?: string | null;
}

export class McpSubmissionsResponse {
  @ApiProperty() total!: number;
  @ApiProperty() pending_review!: number;
  @ApiProperty() active!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ type: McpServerResponse, isArray: true }) items!: McpServerResponse[];
}

export class McpServerHealthQuery {
  @ApiPropertyOptional({
    type: String,
    isArray: true,
    description: 'Servers to check (repeat the parameter); default every server you may use.',
  })
  @Transform(({ value }: { value: unknown }) => (value === undefined ? undefined : [value].flat()))
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  server_ids?: string[];
}

export class McpServerHealthResponse {
  @ApiProperty() server_id!: string;
  @ApiProperty({ enum: ['healthy', 'unhealthy', 'unknown'] }) status!: string;
}
