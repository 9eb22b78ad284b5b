import { Module } from '@nestjs/common';

/** The REST façade of the MCP gateway (`/mcp-rest/tools/list`, `/mcp-rest/tools/call`). */
@Module({})
export class McpRestModule {}
