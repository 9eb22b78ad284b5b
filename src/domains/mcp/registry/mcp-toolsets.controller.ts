import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../../../platform/audit/audit.service';
import { CurrentActor } from '../../../platform/audit/current-actor.decorator';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { CurrentAuth } from '../../../platform/auth/decorators';
import { ApiErrors } from '../../../platform/common/errors/api-errors.decorator';
import { McpToolsetNewRequest, McpToolsetResponse, McpToolsetUpdateRequest } from './mcp-toolsets.dto';
import { McpToolsetsService } from './mcp-toolsets.service';

const TOOLSET_ID = { name: 'toolset_id', example: 'toolset-id' };

/** MCP toolsets (§1.3 E28–E32). */
@ApiTags('mcp')
@ApiBearerAuth('bearer')
@Controller('v1/mcp/toolset')
export class McpToolsetsController {
  constructor(private readonly toolsets: McpToolsetsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create an MCP toolset',
    description: 'Proxy admins only. A name already taken → 409.',
  })
  @ApiCreatedResponse({ type: McpToolsetResponse })
  @ApiErrors(409)
  createMcpToolset(@Body() body: McpToolsetNewRequest, @CurrentActor() actor: Actor) {
    return this.toolsets.createToolset(body, actor);
  }

  @Get()
  @ApiOperation({
    summary: 'List MCP toolsets',
    description: "Admins: every toolset. Others: the toolsets in their key's mcp_toolsets (none: []).",
  })
  @ApiOkResponse({ type: McpToolsetResponse, isArray: true })
  listMcpToolsets(@CurrentAuth() auth: AuthContext) {
    return this.toolsets.listToolsets(auth);
  }

  @Get(':toolset_id')
  @ApiOperation({
    summary: 'Get an MCP toolset',
    description: "Non-admins need it in their key's mcp_toolsets (403). Unknown → 404.",
  })
  @ApiParam(TOOLSET_ID)
  @ApiOkResponse({ type: McpToolsetResponse })
  @ApiErrors(404)
  getMcpToolset(@Param('toolset_id') toolsetId: string, @CurrentAuth() auth: AuthContext) {
    return this.toolsets.toolsetInfo(auth, toolsetId);
  }

  @Put()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Update an MCP toolset',
    description: 'Proxy admins only. Changes the fields sent. Unknown → 404; a name already taken → 409.',
  })
  @ApiAcceptedResponse({ type: McpToolsetResponse })
  @ApiErrors(404, 409)
  updateMcpToolset(@Body() body: McpToolsetUpdateRequest, @CurrentActor() actor: Actor) {
    return this.toolsets.updateToolset(body, actor);
  }

  @Delete(':toolset_id')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Delete an MCP toolset',
    description: 'Proxy admins only. Unknown → 404. Empty answer.',
  })
  @ApiParam(TOOLSET_ID)
  @ApiAcceptedResponse({
    description: 'Deleted; the body is empty (as in LiteLLM).',
    schema: { type: 'string', maxLength: 0, example: '' },
  })
  @ApiErrors(404)
  async deleteMcpToolset(
    @Param('toolset_id') toolsetId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.toolsets.deleteToolset(toolsetId, actor);
  }
}
