import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../../platform/audit/audit.service';
import { CurrentActor } from '../../../platform/audit/current-actor.decorator';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { CurrentAuth } from '../../../platform/auth/decorators';
import { ApiBodyExample } from '../../../platform/common/dto/api-body-example';
import { ApiErrors } from '../../../platform/common/errors/api-errors.decorator';
import { ModelInfoService } from './model-info.service';
import { ModelManagementService } from './model-management.service';
import {
  ModelDeleteRequest,
  ModelDeleteResponse,
  ModelGroupInfoQuery,
  ModelGroupInfoResponse,
  ModelInfoPageResponse,
  ModelInfoQuery,
  ModelInfoResponse,
  ModelInfoV2Query,
  ModelNewRequest,
  ModelPatchRequest,
  ModelRowResponse,
  ModelUpdateRequest,
} from './models.dto';

const ADMIN_ONLY = 'Proxy admins only.';
const FILTERED =
  "Every key may call it; the answer lists the models the key may call (the key's models, else its team's, else all; admins see all). Credentials (api_key and the like) are never shown.";

const MODEL_INFO = `${FILTERED} config.yaml models have model_info.db_model false. litellm_model_id: that one model, 404 when it is not listed.`;

@ApiTags('models')
@ApiBearerAuth('bearer')
@Controller()
export class ModelsController {
  constructor(
    private readonly management: ModelManagementService,
    private readonly info: ModelInfoService,
  ) {}

  @Post('model/new')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Add a model deployment',
    description: `${ADMIN_ONLY} Stores the deployment (every string of litellm_params encrypted with LITELLM_SALT_KEY) and every pod serves it within a second. model_info.id sets the id (else a UUID); an id in use → 409. litellm_params.model is required and must be an openai/, azure/ or anthropic/ model (or an OpenAI-compatible server's with api_base). Returns the row without credentials.`,
  })
  @ApiBodyExample({
    model_name: 'gpt-4o',
    litellm_params: { model: 'openai/gpt-4o', api_key: 'sk-your-openai-key' },
  })
  @ApiOkResponse({ type: ModelRowResponse })
  @ApiErrors(400, 409)
  newModel(@Body() body: ModelNewRequest, @CurrentActor() actor: Actor) {
    return this.management.newModel(body, actor);
  }

  @Post('model/update')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Change a stored model deployment',
    description: `${ADMIN_ONLY} model_info.id names the model; the litellm_params and model_info fields sent replace the stored ones (null leaves one as it is), model_name renames. A config.yaml model → 400; unknown id → 404.`,
  })
  @ApiBodyExample({ model_info: { id: 'model-id' }, litellm_params: { rpm: 200 } })
  @ApiOkResponse({ type: ModelRowResponse })
  @ApiErrors(400, 404)
  updateModel(@Body() body: ModelUpdateRequest, @CurrentActor() actor: Actor) {
    return this.management.updateModel(body, actor);
  }

  @Patch('model/:model_id/update')
  @ApiOperation({
    summary: 'Change some fields of a stored model deployment',
    description: `${ADMIN_ONLY} Only the fields sent change; null removes a litellm_params or model_info field. A config.yaml model → 400; unknown id → 404.`,
  })
  @ApiBodyExample({ litellm_params: { tpm: 100000 } })
  @ApiOkResponse({ type: ModelRowResponse })
  @ApiErrors(400, 404)
  patchModel(
    @Param('model_id') modelId: string,
    @Body() body: ModelPatchRequest,
    @CurrentActor() actor: Actor,
  ) {
    return this.management.patchModel(modelId, body, actor);
  }

  @Post('model/delete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Delete a stored model deployment',
    description: `${ADMIN_ONLY} Every pod stops serving it within a second. Unknown id (or a config.yaml model) → 404.`,
  })
  @ApiBodyExample({ id: 'model-id' })
  @ApiOkResponse({ type: ModelDeleteResponse })
  @ApiErrors(404)
  deleteModel(@Body() body: ModelDeleteRequest, @CurrentActor() actor: Actor) {
    return this.management.deleteModel(body.id, actor);
  }

  @Get('model/info')
  @ApiOperation({ summary: 'List model deployments', description: MODEL_INFO })
  @ApiOkResponse({ type: ModelInfoResponse })
  @ApiErrors(404)
  modelInfo(@Query() query: ModelInfoQuery, @CurrentAuth() auth: AuthContext) {
    return this.info.modelInfo(query, auth);
  }

  @Get('v1/model/info')
  @ApiOperation({ summary: 'List model deployments (same as /model/info)', description: MODEL_INFO })
  @ApiOkResponse({ type: ModelInfoResponse })
  @ApiErrors(404)
  modelInfoV1(@Query() query: ModelInfoQuery, @CurrentAuth() auth: AuthContext) {
    return this.info.modelInfo(query, auth);
  }

  @Get('v2/model/info')
  @ApiOperation({
    summary: 'List model deployments, a page at a time',
    description: `${FILTERED} Filters: model (exact group), modelId, search (group name contains).`,
  })
  @ApiOkResponse({ type: ModelInfoPageResponse })
  modelInfoV2(@Query() query: ModelInfoV2Query, @CurrentAuth() auth: AuthContext) {
    return this.info.modelInfoV2(query, auth);
  }

  @Get('model_group/info')
  @ApiOperation({
    summary: 'List model groups',
    description: `${FILTERED} One entry per served model group: its providers, prices and summed rpm/tpm.`,
  })
  @ApiOkResponse({ type: ModelGroupInfoResponse })
  modelGroupInfo(@Query() query: ModelGroupInfoQuery, @CurrentAuth() auth: AuthContext) {
    return this.info.modelGroupInfo(query.model_group, auth);
  }
}
