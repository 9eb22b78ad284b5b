import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../platform/auth/auth-context';
import { CurrentAuth } from '../../platform/auth/decorators';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import {
  KeyAliasesQuery,
  KeyBlockRequest,
  KeyBulkUpdateRequest,
  KeyDeleteRequest,
  KeyGenerateRequest,
  KeyInfoQuery,
  KeyInfoV2Request,
  KeyListQuery,
  KeyRegenerateRequest,
  KeyResetSpendRequest,
  KeyUpdateRequest,
} from './dto/key.requests';
import {
  KeyAliasesResponse,
  KeyBulkUpdateResponse,
  KeyGenerateResponse,
  KeyInfoResponse,
  KeyInfoV2Response,
  KeyRegenerateResponse,
  KeyResetSpendResponse,
  KeyRowResponse,
  KeyUpdateResponse,
} from './dto/key.responses';
import { KeyDeletionService } from './key-deletion.service';
import { KeyGenerationService } from './key-generation.service';
import { KeyQueriesService } from './key-queries.service';
import { KeyRotationService } from './key-rotation.service';
import { KeyUpdateService } from './key-update.service';
import { KeysService } from './keys.service';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

@ApiTags('keys')
@ApiBearerAuth('bearer')
@Controller()
export class KeysController {
  constructor(
    private readonly keys: KeysService,
    private readonly generation: KeyGenerationService,
    private readonly updates: KeyUpdateService,
    private readonly deletion: KeyDeletionService,
    private readonly queries: KeyQueriesService,
    private readonly rotation: KeyRotationService,
  ) {}

  @Post('key/generate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Generate a virtual key',
    description: 'The raw key is returned once and stored only as its SHA-256 hash.',
  })
  @ApiOkResponse({ type: KeyGenerateResponse })
  @ApiErrors(400, 404)
  @ApiBodyExample({
    models: ['gpt-4o'],
    max_budget: 10,
    duration: '30d',
    metadata: { owner: 'search-team' },
  })
  generateKey(@CurrentActor() actor: Actor, @Body() body: KeyGenerateRequest) {
    return this.generation.generate(actor, body);
  }

  @Post('key/service-account/generate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Generate a service-account key for a team (no user owner)' })
  @ApiOkResponse({ type: KeyGenerateResponse })
  @ApiErrors(400, 404)
  @ApiBodyExample({ team_id: 'team-1234', models: ['gpt-4o'] }, 'A key owned by an existing team')
  generateServiceAccountKey(@CurrentActor() actor: Actor, @Body() body: KeyGenerateRequest) {
    return this.generation.generate(actor, body, { serviceAccount: true });
  }

  @Post('key/update')
  @HttpCode(200)
  @ApiOperation({ summary: 'Update a key', description: 'Only the fields sent change.' })
  @ApiOkResponse({ type: KeyUpdateResponse })
  @ApiErrors(400, 404)
  @ApiBodyExample({ key: 'sk-your-key', max_budget: 20 }, 'Raise the budget of a key')
  updateKey(@CurrentActor() actor: Actor, @Body() body: KeyUpdateRequest) {
    return this.updates.update(actor, body);
  }

  @Post('key/bulk_update')
  @HttpCode(200)
  @ApiOperation({ summary: 'Update up to 500 keys (proxy admin only)' })
  @ApiOkResponse({ type: KeyBulkUpdateResponse })
  @ApiErrors(400)
  @ApiBodyExample(
    { keys: [{ key: 'sk-your-key', max_budget: 20 }] },
    'Keys are updated one by one; failures are listed',
  )
  bulkUpdateKeys(@CurrentActor() actor: Actor, @Body() body: KeyBulkUpdateRequest) {
    return this.updates.bulkUpdate(actor, body);
  }

  @Post('key/delete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Delete keys',
    description: 'Rows are archived to LiteLLM_DeletedVerificationToken. All or nothing.',
  })
  @ApiOkResponse({ schema: { example: { deleted_keys: ['sk-...'] } } })
  @ApiErrors(404)
  @ApiBodyExample({ keys: ['sk-your-key'] })
  deleteKeys(@CurrentActor() actor: Actor, @Body() body: KeyDeleteRequest) {
    return this.deletion.delete(actor, body);
  }

  @Get('key/info')
  @ApiOperation({ summary: "A key's row (the caller's own key when no key is given)" })
  @ApiOkResponse({ type: KeyInfoResponse })
  @ApiErrors(404)
  keyInfo(@CurrentAuth() auth: AuthContext, @Query() query: KeyInfoQuery) {
    return this.queries.info(auth, query.key);
  }

  @Post('v2/key/info')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rows of several keys' })
  @ApiOkResponse({ type: KeyInfoV2Response })
  @ApiBodyExample({ keys: ['sk-your-key'] })
  keyInfoV2(@CurrentAuth() auth: AuthContext, @Body() body: KeyInfoV2Request) {
    return this.queries.infoMany(auth, body.keys);
  }

  @Get('key/list')
  @ApiOperation({
    summary: 'List keys (paginated)',
    description:
      'Non-admins see their own keys, and with include_team_keys the keys of teams they administer.',
  })
  @ApiOkResponse({
    schema: { example: { keys: ['5e88...hash'], total_count: 1, current_page: 1, total_pages: 1 } },
  })
  @ApiErrors(400)
  listKeys(@CurrentAuth() auth: AuthContext, @Query() query: KeyListQuery) {
    return this.queries.list(auth, query);
  }

  @Get('key/aliases')
  @ApiOperation({ summary: 'List key aliases (paginated, searchable)' })
  @ApiOkResponse({ type: KeyAliasesResponse })
  listKeyAliases(@CurrentAuth() auth: AuthContext, @Query() query: KeyAliasesQuery) {
    return this.queries.aliases(auth, query);
  }

  @Post('key/regenerate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Regenerate a key',
    description: 'With grace_period the old key keeps working until then.',
  })
  @ApiOkResponse({ type: KeyRegenerateResponse })
  @ApiErrors(400, 404)
  @ApiBodyExample({ key: 'sk-your-key' })
  regenerateKey(@CurrentActor() actor: Actor, @Body() body: KeyRegenerateRequest) {
    return this.rotation.regenerate(actor, undefined, body);
  }

  @Post('key/:key/regenerate')
  @HttpCode(200)
  @ApiParam({ name: 'key', description: 'The key (sk-...) or its hash', example: 'sk-your-key' })
  @ApiOperation({ summary: 'Regenerate the key named in the path' })
  @ApiOkResponse({ type: KeyRegenerateResponse })
  @ApiErrors(400, 404)
  @ApiBodyExample({}, 'A new key with the same settings')
  regenerateKeyByPath(
    @CurrentActor() actor: Actor,
    @Param('key') key: string,
    @Body() body: KeyRegenerateRequest,
  ) {
    return this.rotation.regenerate(actor, key, body);
  }

  @Post('key/:key/reset_spend')
  @HttpCode(200)
  @ApiParam({ name: 'key', description: 'The key (sk-...) or its hash', example: 'sk-your-key' })
  @ApiOperation({ summary: "Lower a key's spend (proxy admin or team admin)" })
  @ApiOkResponse({ type: KeyResetSpendResponse })
  @ApiErrors(400, 404)
  @ApiBodyExample({ reset_to: 0 })
  resetKeySpend(@CurrentActor() actor: Actor, @Param('key') key: string, @Body() body: KeyResetSpendRequest) {
    return this.keys.resetSpend(actor, key, body.reset_to);
  }

  @Post('key/block')
  @HttpCode(200)
  @ApiOperation({ summary: 'Block a key', description: 'Refused on every pod within a second.' })
  @ApiOkResponse({ type: KeyRowResponse })
  @ApiErrors(400, 404)
  @ApiBodyExample({ key: 'sk-your-key' })
  blockKey(@CurrentActor() actor: Actor, @Body() body: KeyBlockRequest) {
    return this.keys.setBlocked(actor, body.key, true);
  }

  @Post('key/unblock')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unblock a key' })
  @ApiOkResponse({ type: KeyRowResponse })
  @ApiErrors(400, 404)
  @ApiBodyExample({ key: 'sk-your-key' })
  unblockKey(@CurrentActor() actor: Actor, @Body() body: KeyBlockRequest) {
    return this.keys.setBlocked(actor, body.key, false);
  }

  @Post('key/health')
  @HttpCode(200)
  @ApiOperation({ summary: "Check the caller's own key" })
  @ApiOkResponse({ schema: { example: { key: 'healthy', logging_callbacks: null } } })
  @ApiErrors(400)
  keyHealth(@CurrentAuth() auth: AuthContext) {
    return this.keys.health(auth);
  }
}
