import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, ValidateNested } from 'class-validator';
import { OptionalString, RequiredString } from '../../../platform/common/dto/fields';

export class McpToolsetTool {
  @RequiredString({ example: 'github-server-id' }, 256)
  server_id!: string;

  @RequiredString({ example: 'create_issue' }, 256)
  tool_name!: string;
}

export class McpToolsetNewRequest {
  @RequiredString({ description: 'Unique name.', example: 'issue_triage' }, 256)
  @IsNotEmpty()
  toolset_name!: string;

  @OptionalString({ example: 'Tools to triage GitHub issues' })
  description?: string | null;

  @ApiProperty({ type: McpToolsetTool, isArray: true })
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => McpToolsetTool)
  tools!: McpToolsetTool[];
}

export class McpToolsetUpdateRequest {
  @RequiredString({ example: 'toolset-id' }, 256)
  toolset_id!: string;

  @OptionalString({ example: 'issue_triage' }, 256)
  toolset_name?: string | null;

  @OptionalString()
  description?: string | null;

  @ApiPropertyOptional({ type: McpToolsetTool, isArray: true, nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => McpToolsetTool)
  tools?: McpToolsetTool[] | null;
}

export class McpToolsetResponse {
  @ApiProperty() toolset_id!: string;
  @ApiProperty() toolset_name!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: McpToolsetTool, isArray: true }) tools!: unknown;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: Date;
  @ApiPropertyOptional({ type: String, nullable: true }) created_by!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at!: Date;
  @ApiPropertyOptional({ type: String, nullable: true }) updated_by!: string | null;
}
