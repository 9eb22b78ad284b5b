import { Controller, Get, Inject, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../../../platform/auth/decorators';
import { notFound } from '../../../platform/common/errors/api-error';
import { ApiErrors } from '../../../platform/common/errors/api-errors.decorator';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { McpRegistryService } from './mcp-registry.service';

class McpRegistryRemote {
  @ApiProperty({ example: 'streamable-http' }) type!: string;
  @ApiProperty({ example: 'https://proxy.example.com/github/mcp' }) url!: string;
}

class McpRegistryServer {
  @ApiProperty({ example: 'github' }) name!: string;
  @ApiProperty({ example: 'github_tools' }) title!: string;
  @ApiProperty({ example: 'GitHub issues and pull requests' }) description!: string;
  @ApiProperty({ example: '1.0.0' }) version!: string;
  @ApiProperty({ type: McpRegistryRemote, isArray: true }) remotes!: McpRegistryRemote[];
}

class McpRegistryEntry {
  @ApiProperty({ type: McpRegistryServer }) server!: McpRegistryServer;
}

class McpRegistryJsonResponse {
  @ApiProperty({ type: McpRegistryEntry, isArray: true }) servers!: McpRegistryEntry[];
}

/** E4: the MCP registry document clients discover servers from (no auth; off unless configured). */
@ApiTags('mcp')
@Controller('v1/mcp')
export class McpRegistryJsonController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: McpRegistryService,
  ) {}

  @Public()
  @Get('registry.json')
  @ApiOperation({
    summary: 'MCP registry document',
    description:
      "No key needed. 404 unless general_settings.enable_mcp_registry is true. The gateway's own aggregate endpoint first, then every served server visible from the caller's address, each at /{name}/mcp.",
  })
  @ApiOkResponse({ type: McpRegistryJsonResponse })
  @ApiErrors(404)
  mcpRegistryJson(@Req() req: Request): McpRegistryJsonResponse {
    if (!this.config.gateway.enableMcpRegistry) throw notFound('MCP registry is not enabled');
    const base = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    const ip = this.registry.clientIp(req);
    const entry = (name: string, title: string, description: string, url: string): McpRegistryEntry => ({
      server: { name, title, description, version: '1.0.0', remotes: [{ type: 'streamable-http', url }] },
    });
    const servers = this.registry
      .all()
      .filter((s) => this.registry.visibleFrom(s, ip))
      .map((s) =>
        entry(
          s.name,
          s.serverName ?? s.name,
          s.description ?? '',
          `${base}/${encodeURIComponent(s.name)}/mcp`,
        ),
      );
    return {
      servers: [
        entry('litellm-mcp-server', 'LiteLLM MCP Server', 'Every MCP server of this proxy', `${base}/mcp`),
        ...servers,
      ],
    };
  }
}
