import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../platform/common/errors/api-errors.decorator';
import type { Request, Response } from 'express';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { CurrentAuth } from '../../../platform/auth/decorators';
import { GatewayService } from './gateway.service';
import { LLM_PATHS } from './llm-paths';
import { ModelListService } from './model-list.service';

/**
 * The OpenAI- and Anthropic-compatible routes. Bodies are passed on as the client sent them (the
 * upstream validates its own format), so they are plain objects here, not DTOs. The POST routes
 * are normally answered in front of express (llm-direct-routes.ts); they are declared here too for
 * the API docs and for requests the direct path leaves to express (e.g. a trailing slash).
 */
@ApiTags('LLM gateway')
@ApiBearerAuth()
@Controller()
export class LlmController {
  constructor(
    private readonly gateway: GatewayService,
    private readonly models: ModelListService,
  ) {}

  @Post(LLM_PATHS.chat)
  @HttpCode(200)
  @ApiOperation({ summary: 'Chat completion (OpenAI format; `stream: true` for server-sent events)' })
  @ApiErrors(400)
  @ApiOkResponse({
    description: 'OpenAI chat.completion (or text/event-stream of chat.completion.chunk)',
    schema: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        object: { type: 'string', example: 'chat.completion' },
        choices: { type: 'array', items: { type: 'object' } },
        usage: { type: 'object' },
      },
    },
  })
  @ApiBody({
    schema: { type: 'object', example: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] } },
  })
  chatCompletion(
    @CurrentAuth() auth: AuthContext,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.gateway.serve('chat', auth, body, req, res, req.ip);
  }

  @Post(LLM_PATHS.embeddings)
  @HttpCode(200)
  @ApiOperation({ summary: 'Embeddings (OpenAI format)' })
  @ApiErrors(400)
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        object: { type: 'string', example: 'list' },
        data: { type: 'array', items: { type: 'object' } },
        usage: { type: 'object' },
      },
    },
  })
  @ApiBody({ schema: { type: 'object', example: { model: 'text-embedding-3-small', input: 'Hello' } } })
  createEmbeddings(
    @CurrentAuth() auth: AuthContext,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.gateway.serve('embeddings', auth, body, req, res, req.ip);
  }

  @Post(LLM_PATHS.responses)
  @HttpCode(200)
  @ApiOperation({ summary: "OpenAI's Responses API, passed through to deployments that speak it" })
  @ApiErrors(400)
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        object: { type: 'string', example: 'response' },
        output: { type: 'array', items: { type: 'object' } },
        usage: { type: 'object' },
      },
    },
  })
  @ApiBody({ schema: { type: 'object', example: { model: 'gpt-4o', input: 'Hello' } } })
  createResponse(
    @CurrentAuth() auth: AuthContext,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.gateway.serve('responses', auth, body, req, res, req.ip);
  }

  @Post(LLM_PATHS.messages)
  @HttpCode(200)
  @ApiOperation({ summary: "Anthropic's Messages API (as Claude Code and the Anthropic SDK call it)" })
  @ApiErrors(400)
  @ApiOkResponse({
    description: 'Anthropic message (or text/event-stream of its events)',
    schema: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        type: { type: 'string', example: 'message' },
        content: { type: 'array', items: { type: 'object' } },
        usage: { type: 'object' },
      },
    },
  })
  @ApiBody({
    schema: {
      type: 'object',
      example: { model: 'claude-sonnet', max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }] },
    },
  })
  createMessage(
    @CurrentAuth() auth: AuthContext,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.gateway.serve('messages', auth, body, req, res, req.ip);
  }

  @Get(['v1/models', 'models'])
  @ApiOperation({ summary: 'The model groups this key may call (OpenAI format)' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        object: { type: 'string', example: 'list' },
        data: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              object: { type: 'string' },
              created: { type: 'integer' },
              owned_by: { type: 'string' },
            },
          },
        },
      },
    },
  })
  listModels(@CurrentAuth() auth: AuthContext) {
    return this.models.list(auth);
  }
}
