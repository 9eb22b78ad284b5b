import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize } from 'class-validator';
import { OptionalString, RequiredStringList } from '../../../platform/common/dto/fields';

export class McpMakePublicRequest {
  @RequiredStringList(
    {
      description:
        'The servers (server_id) every address may see, replacing the stored list; each must be a served server (404).',
      example: ['github-server-id'],
    },
    256,
  )
  @ArrayMaxSize(1000)
  mcp_server_ids!: string[];
}

export class McpMakePublicResponse {
  @ApiProperty({ example: 'Successfully updated public MCP servers: 1 server(s) public.' }) message!: string;
  @ApiProperty({ type: String, isArray: true, example: ['github-server-id'] }) public_mcp_servers!: string[];
  @ApiProperty({ example: 'default_user_id' }) updated_by!: string;
}

export class McpDiscoverQuery {
  @OptionalString(
    { description: 'Free text matched against name, title and description.', example: 'git' },
    256,
  )
  query?: string;

  @OptionalString({ description: 'One category, exactly.', example: 'Developer tools' }, 256)
  category?: string;
}

export class McpCatalogServerResponse {
  @ApiProperty({ example: 'github' }) name!: string;
  @ApiProperty({ example: 'GitHub' }) title!: string;
  @ApiProperty({ example: 'Repositories, issues and pull requests.' }) description!: string;
  @ApiProperty({ example: 'Developer tools' }) category!: string;
  @ApiProperty({ example: 'https://api.githubcopilot.com/mcp/' }) url!: string;
  @ApiProperty({ enum: ['http', 'sse'], example: 'http' }) transport!: string;
  @ApiProperty({ example: 'oauth2' }) auth_type!: string;
  @ApiProperty({ example: 'https://github.com/github/github-mcp-server' }) docs_url!: string;
}

export class McpDiscoverResponse {
  @ApiProperty({ type: McpCatalogServerResponse, isArray: true }) servers!: McpCatalogServerResponse[];
  @ApiProperty({ type: String, isArray: true, example: ['Developer tools', 'Observability'] })
  categories!: string[];
}

export class OpenApiCatalogEntryResponse {
  @ApiProperty({ example: 'petstore' }) name!: string;
  @ApiProperty({ example: 'Swagger Petstore' }) title!: string;
  @ApiProperty({ example: 'The OpenAPI sample API.' }) description!: string;
  @ApiProperty({ example: 'https://petstore3.swagger.io/api/v3/openapi.json' }) spec_url!: string;
  @ApiProperty({ example: 'none' }) auth_type!: string;
}

export class McpOpenApiRegistryResponse {
  @ApiProperty({ type: OpenApiCatalogEntryResponse, isArray: true }) apis!: OpenApiCatalogEntryResponse[];
}
