import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { AuthContext } from '../../platform/auth/auth-context';
import { CurrentAuth } from '../../platform/auth/decorators';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import {
  TagChangeResponse,
  TagDeleteRequest,
  TagDeleteResponse,
  TagInfoRequest,
  TagListQuery,
  TagNewRequest,
  TagUpdateRequest,
  TagWithBudgetResponse,
} from './tags.dto';
import { TagsService } from './tags.service';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

const ADMIN_ONLY = 'Proxy admins only.';
const ERRORS =
  'Errors use the usual envelope with their real status (LiteLLM answers every tag error as 500 with a FastAPI `detail`).';

@ApiTags('tags')
@ApiBearerAuth('bearer')
@ApiExtraModels(TagWithBudgetResponse)
@Controller('tag')
export class TagsController {
  constructor(private readonly tags: TagsService) {}

  @Post('new')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a tag',
    description: `${ADMIN_ONLY} Budget fields create a budget row for the tag; budget_id links an existing one instead (not both: 400). The tag is added to litellm_params.tags of the stored deployments whose model id or name is in models. Duplicate name → 400. ${ERRORS}`,
  })
  @ApiOkResponse({ type: TagChangeResponse })
  @ApiBodyExample({ name: 'production', description: 'Production traffic' })
  @ApiErrors(400)
  newTag(@Body() body: TagNewRequest, @CurrentActor() actor: Actor) {
    return this.tags.newTag(body, actor);
  }

  @Post('update')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Update a tag',
    description: `${ADMIN_ONLY} Only the fields sent change (null description clears it, null models empties the list). Budget fields change the tag's budget in place, or create one. Unknown tag → 404. ${ERRORS}`,
  })
  @ApiOkResponse({ type: TagChangeResponse })
  @ApiBodyExample({ name: 'production', description: 'Production traffic (EU)' })
  @ApiErrors(400, 404)
  updateTag(@Body() body: TagUpdateRequest, @CurrentActor() actor: Actor) {
    return this.tags.updateTag(body, actor);
  }

  @Post('info')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Get tags by name',
    description: `${ADMIN_ONLY} An object keyed by tag name, each with its budget. Any unknown name → 404 naming them. ${ERRORS}`,
  })
  @ApiOkResponse({
    schema: { type: 'object', additionalProperties: { $ref: getSchemaPath(TagWithBudgetResponse) } },
  })
  @ApiBodyExample({ names: ['production'] })
  @ApiErrors(404)
  tagInfo(@Body() body: TagInfoRequest) {
    return this.tags.tagInfo(body.names);
  }

  @Get('list')
  @ApiOperation({
    summary: 'List tags',
    description:
      'Proxy admins and admin viewers: every stored tag (with its budget), then the "dynamic" tags seen only in spend logs (models null). Others who reach this route see only tags their own keys spent on. start_date and end_date (YYYY-MM-DD, both or neither) limit the dynamic tags; bad dates → 400.',
  })
  @ApiOkResponse({ type: TagWithBudgetResponse, isArray: true })
  @ApiErrors(400)
  listTags(@Query() query: TagListQuery, @CurrentAuth() auth: AuthContext) {
    return this.tags.listTags(query, auth);
  }

  @Post('delete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Delete a tag',
    description: `${ADMIN_ONLY} The tag's budget row is kept. Unknown tag → 404. ${ERRORS}`,
  })
  @ApiOkResponse({ type: TagDeleteResponse })
  @ApiBodyExample({ name: 'production' })
  @ApiErrors(404)
  deleteTag(@Body() body: TagDeleteRequest, @CurrentActor() actor: Actor) {
    return this.tags.deleteTag(body.name, actor);
  }
}
