import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty } from 'class-validator';
import { OptionalObject, OptionalString, RequiredString } from '../../../platform/common/dto/fields';

export class McpRestToolsListQuery {
  @OptionalString(
    { description: "Only this server's tools (its server_id).", example: 'github-server-id' },
    256,
  )
  server_id?: string;
}

export class McpRestToolCallRequest {
  @RequiredString(
    {
      description:
        'The tool: prefixed with its server ({server}-{tool}), or, with server_id, the upstream name alone.',
      example: 'github-create_issue',
    },
    512,
  )
  @IsNotEmpty()
  name!: string;

  @OptionalObject({ description: "The tool's arguments.", example: { title: 'Bug', body: 'Steps' } })
  arguments?: Record<string, unknown> | null;

  @OptionalString(
    { description: 'Call the tool on this server (its server_id).', example: 'github-server-id' },
    256,
  )
  server_id?: string | null;
}

/** An MCP tool as the gateway lists it (`{server}-{tool}`), as in LiteLLM's `GET /v1/mcp/tools`. */
export class McpToolResponse {
  @ApiProperty({ example: 'github-create_issue' }) name!: string;
  @ApiPropertyOptional({ example: 'Create an issue' }) description?: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { type: 'object', properties: {} } })
  inputSchema!: Record<string, unknown>;
}

export class McpToolsResponse {
  @ApiProperty({ type: McpToolResponse, isArray: true }) tools!: McpToolResponse[];
}

/** A tool of the REST façade: its upstream name, and its server in `mcp_info`. */
export class McpRestToolResponse {
  @ApiProperty({ example: 'create_issue' }) name!: string;
  @ApiPropertyOptional({ example: 'Create an issue', nullable: true }) description!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { type: 'object', properties: {} } })
  inputSchema!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The server's mcp_info, with server_name (the name tools are prefixed with) and server_id.",
    example: { server_name: 'github', server_id: 'github-server-id' },
  })
  mcp_info!: Record<string, unknown>;
}

export class McpRestToolsListResponse {
  @ApiProperty({ type: McpRestToolResponse, isArray: true }) tools!: McpRestToolResponse[];
  @ApiProperty({
    nullable: true,
    example: null,
    description:
      '`server_not_found`: server_id names no server the key may use; `server_error`: that server failed; `partial_failure`: every server failed (message names them).',
  })
  error!: string | null;
  @ApiProperty({ example: 'Successfully retrieved tools' }) message!: string;
}

export class McpToolContent {
  @ApiProperty({ example: 'text' }) type!: string;
  @ApiPropertyOptional({ example: 'Created issue #42' }) text?: string;
}

/** MCP's `CallToolResult`, as the upstream answered it. */
export class McpRestToolCallResponse {
  @ApiProperty({ type: McpToolContent, isArray: true }) content!: McpToolContent[];
  @ApiPropertyOptional({ example: false }) isError?: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) structuredContent?: Record<
    string,
    unknown
  >;
}
