import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OptionalString, OptionalStringList } from '../../../platform/common/dto/fields';

export class McpOAuthAuthorizeQuery {
  @OptionalString({
    description:
      'Required. Where the code is sent back: this proxy, a loopback address, or MCP_TRUSTED_NATIVE_REDIRECT_URIS (400 otherwise).',
    example: 'http://localhost:5555/cb',
  })
  redirect_uri?: string;

  @OptionalString({
    description: 'Used when the server has no stored client_id (400 missing_client_id if neither).',
  })
  client_id?: string;

  @OptionalString({ description: "The client's state, returned with the code." })
  state?: string;

  @OptionalString({ description: 'PKCE challenge, passed to the upstream authorization server.' })
  code_challenge?: string;

  @OptionalString({ description: 'PKCE method; S256.', example: 'S256' })
  code_challenge_method?: string;

  @OptionalString({ description: 'OAuth response type; "code".', example: 'code' })
  response_type?: string;

  @OptionalString({ description: "Space-separated scopes (default: the server's stored scopes)." })
  scope?: string;
}

export class McpOAuthTokenRequest {
  @OptionalString({
    description:
      'authorization_code (allowed without a key on delegate servers) or refresh_token (needs a key).',
    example: 'authorization_code',
  })
  grant_type?: string;

  @OptionalString({ description: 'The code /callback returned.' }, 4096)
  code?: string;

  @OptionalString({
    description: "The client's redirect_uri (the exchange upstream uses the proxy's /callback).",
  })
  redirect_uri?: string;

  @OptionalString({ description: 'Used when the server has no stored client_id.' })
  client_id?: string;

  @OptionalString({ description: 'Used when the server has no stored client_secret.' })
  client_secret?: string;

  @OptionalString({ description: 'The PKCE verifier of the code_challenge sent to /authorize.' })
  code_verifier?: string;

  @OptionalString({ description: 'For grant_type=refresh_token.' }, 8192)
  refresh_token?: string;

  @OptionalString({ description: 'Space-separated scopes (refresh_token).' })
  scope?: string;
}

export class McpOAuthTokenResponse {
  @ApiProperty({ example: 'upstream-access-token' }) access_token!: string;
  @ApiPropertyOptional({ example: 'Bearer' }) token_type?: string;
  @ApiPropertyOptional({ example: 3600 }) expires_in?: number;
  @ApiPropertyOptional() refresh_token?: string;
  @ApiPropertyOptional() scope?: string;
}

export class McpOAuthRegisterRequest {
  @OptionalString({ example: 'my-mcp-client' })
  client_name?: string;

  @OptionalStringList({ example: ['authorization_code', 'refresh_token'] })
  grant_types?: string[];

  @OptionalStringList({ example: ['code'] })
  response_types?: string[];

  @OptionalString({ example: 'client_secret_post' })
  token_endpoint_auth_method?: string;
}

export class McpOAuthClientResponse {
  @ApiProperty({ example: 'github' }) client_id!: string;
  @ApiPropertyOptional({ example: 'dummy' }) client_secret?: string;
  @ApiProperty({ example: ['https://proxy.example.com/callback'] }) redirect_uris!: string[];
}
