import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty } from 'class-validator';
import {
  OptionalBoolean,
  OptionalInt,
  OptionalString,
  OptionalStringList,
  RequiredString,
} from '../../../platform/common/dto/fields';

export class McpUserCredentialRequest {
  @RequiredString(
    { description: 'Your credential for the server; stored encrypted, never shown.', example: 'my-api-key' },
    8192,
  )
  @IsNotEmpty()
  credential!: string;

  @OptionalBoolean({ description: 'false: check only, store nothing. Default true.' })
  save?: boolean | null;
}

export class McpOauthUserCredentialRequest {
  @RequiredString({ description: 'Stored encrypted, never shown.', example: 'upstream-access-token' }, 16384)
  @IsNotEmpty()
  access_token!: string;

  @OptionalString({}, 16384)
  refresh_token?: string | null;

  @OptionalInt({ description: 'Seconds until the access token expires.', example: 3600 })
  expires_in?: number | null;

  @OptionalStringList({ example: [] })
  scopes?: string[] | null;
}

export class McpUserCredentialStatusResponse {
  @ApiProperty() server_id!: string;
  @ApiProperty() has_credential!: boolean;
}

export class McpOauthCredentialStatusResponse extends McpUserCredentialStatusResponse {
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) expires_at?: string | null;
  @ApiProperty() is_expired!: boolean;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) connected_at?: string | null;
}

export class McpOauthCredentialListItem {
  @ApiProperty() server_id!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) server_name!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) alias!: string | null;
  @ApiProperty({ enum: ['oauth2'] }) credential_type!: string;
  @ApiProperty() has_credential!: boolean;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) expires_at!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) connected_at!: string | null;
}

export class McpAccessGroupsResponse {
  @ApiProperty({ type: String, isArray: true, example: ['engineering'] }) access_groups!: string[];
}

export class McpClientIpResponse {
  @ApiPropertyOptional({ type: String, nullable: true, example: '10.0.0.12' }) ip!: string | null;
}
