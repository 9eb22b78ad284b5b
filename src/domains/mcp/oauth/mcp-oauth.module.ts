import { Module } from '@nestjs/common';

/**
 * MCP OAuth: the discovery documents (`/.well-known/…`), the gateway's `/authorize`, `/token`,
 * `/register` and `/callback`, and the management routes under `/v1/mcp/server/oauth/…`.
 */
@Module({})
export class McpOAuthModule {}
