import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../platform/auth/auth-context';
import { CurrentAuth } from '../../platform/auth/decorators';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import { OrganizationManagementService } from './organization-management.service';
import { OrganizationMembersService } from './organization-members.service';
import { OrganizationQueriesService } from './organization-queries.service';
import {
  OrganizationDeleteRequest,
  OrganizationInfoQuery,
  OrganizationInfoRequest,
  OrganizationInfoResponse,
  OrganizationListQuery,
  OrganizationMemberAddRequest,
  OrganizationMemberAddResponse,
  OrganizationMemberDeleteRequest,
  OrganizationMembershipResponse,
  OrganizationMembershipWithBudgetResponse,
  OrganizationMemberUpdateRequest,
  OrganizationNewRequest,
  OrganizationResponse,
  OrganizationUpdateRequest,
  OrganizationWithMembersResponse,
} from './organizations.dto';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

const ADMIN_ONLY = 'Proxy admins only (401 for anyone else).';
const ORG_ADMINS =
  'Proxy admins, and org admins (an org_admin membership) of the organization_id in the request; anyone else 401 with the reason (no membership, no role in that organization, or the wrong role).';

/** `/organization/*` (spec tenancy.md §8). */
@ApiTags('organizations')
@ApiBearerAuth('bearer')
@Controller('organization')
export class OrganizationsController {
  constructor(
    private readonly management: OrganizationManagementService,
    private readonly queries: OrganizationQueriesService,
    private readonly members: OrganizationMembersService,
  ) {}

  @Post('new')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create an organization',
    description: `${ADMIN_ONLY} Budget fields (max_budget, budget_duration, tpm_limit...) create the organization's budget row; budget_id links an existing budget instead (not both: 422). model_rpm_limit / model_tpm_limit are kept in metadata. Duplicate organization_id → 409; an alias may be shared, as in LiteLLM. A caller whose key is limited to some models may only grant those.`,
  })
  @ApiOkResponse({ type: OrganizationResponse })
  @ApiBodyExample({
    organization_alias: 'Acme',
    models: ['gpt-4o'],
    max_budget: 1000,
  })
  @ApiErrors(400, 409)
  newOrganization(@Body() body: OrganizationNewRequest, @CurrentActor() actor: Actor) {
    return this.management.create(actor, body);
  }

  @Patch('update')
  @ApiOperation({
    summary: 'Update an organization',
    description: `${ADMIN_ONLY} Changes the fields sent. Budget fields (also nested in litellm_budget_table, as the UI sends them) change the organization's budget row in place: organizations sharing it see the change; null clears a budget field. metadata is merged (a null value removes a key). Unknown organization → 404.`,
  })
  @ApiOkResponse({ type: OrganizationWithMembersResponse })
  @ApiBodyExample({ organization_id: 'org-acme', max_budget: 2000 })
  @ApiErrors(400, 404)
  updateOrganization(@Body() body: OrganizationUpdateRequest, @CurrentActor() actor: Actor) {
    return this.management.update(actor, body);
  }

  @Delete('delete')
  @ApiOperation({
    summary: 'Delete organizations',
    description: `${ADMIN_ONLY} All or nothing: an unknown id → 404, and an organization that still has teams or keys → 400 (delete or move them first), with nothing deleted. Memberships go with the organization; budget rows are kept. Returns the deleted organizations as they were.`,
  })
  @ApiOkResponse({ type: OrganizationWithMembersResponse, isArray: true })
  @ApiBodyExample({ organization_ids: ['org-acme'] })
  @ApiErrors(400, 404)
  deleteOrganizations(@Body() body: OrganizationDeleteRequest, @CurrentActor() actor: Actor) {
    return this.management.delete(actor, body.organization_ids);
  }

  @Get('list')
  @ApiOperation({
    summary: 'List organizations',
    description:
      'Proxy admins and proxy admin viewers see every organization; anyone else the organizations they belong to (any role). org_id filters by id, org_alias by a case-insensitive part of the alias.',
  })
  @ApiOkResponse({ type: OrganizationWithMembersResponse, isArray: true })
  listOrganizations(@Query() query: OrganizationListQuery, @CurrentAuth() auth: AuthContext) {
    return this.queries.list(auth, query);
  }

  @Get('info')
  @ApiOperation({
    summary: 'Get an organization',
    description: `${ORG_ADMINS} Proxy admin viewers may read too. Returns the budget, the memberships with their users, the teams and the object permission. Unknown id → 404.`,
  })
  @ApiOkResponse({ type: OrganizationInfoResponse })
  @ApiErrors(404)
  organizationInfo(@Query() query: OrganizationInfoQuery, @CurrentAuth() auth: AuthContext) {
    return this.queries.info(auth, query.organization_id);
  }

  @Post('info')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Get organizations (deprecated)',
    deprecated: true,
    description: `Use GET /organization/info. ${ORG_ADMINS} An org admin names an organization they administer in organization_id and may only ask for organizations they administer. Empty list → 400; an unknown id → 404.`,
  })
  @ApiOkResponse({ type: OrganizationResponse, isArray: true })
  @ApiBodyExample({ organizations: ['org-acme'] })
  @ApiErrors(400, 404)
  organizationInfoDeprecated(@Body() body: OrganizationInfoRequest, @CurrentAuth() auth: AuthContext) {
    return this.queries.infoMany(auth, body.organizations);
  }

  @Post('member_add')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Add organization members',
    description: `${ORG_ADMINS} All or nothing. Each member is found by user_id, else by user_email, else created as an internal user. Already a member → 409. max_budget_in_organization gives each new member a budget in the organization. Org admins can only add new users or users who belong only to organizations they administer (403 otherwise). Unknown organization → 404.`,
  })
  @ApiOkResponse({ type: OrganizationMemberAddResponse })
  @ApiBodyExample({
    organization_id: 'org-acme',
    member: [{ user_id: 'alice', role: 'internal_user' }],
  })
  @ApiErrors(400, 404, 409)
  addOrganizationMembers(@Body() body: OrganizationMemberAddRequest, @CurrentActor() actor: Actor) {
    return this.members.add(actor, body);
  }

  @Patch('member_update')
  @ApiOperation({
    summary: 'Update an organization member',
    description: `${ORG_ADMINS} Changes the member's role and/or budget in the organization (max_budget_in_organization creates the member's budget row or changes it). Unknown organization → 400, unknown member → 404, as LiteLLM.`,
  })
  @ApiOkResponse({ type: OrganizationMembershipWithBudgetResponse })
  @ApiBodyExample({
    organization_id: 'org-acme',
    user_id: 'alice',
    role: 'org_admin',
  })
  @ApiErrors(400, 404)
  updateOrganizationMember(@Body() body: OrganizationMemberUpdateRequest, @CurrentActor() actor: Actor) {
    return this.members.update(actor, body);
  }

  @Delete('member_delete')
  @ApiOperation({
    summary: 'Remove an organization member',
    description: `${ORG_ADMINS} Deletes the membership and returns it; the user stays. Unknown organization or member → 404.`,
  })
  @ApiOkResponse({ type: OrganizationMembershipResponse })
  @ApiBodyExample({ organization_id: 'org-acme', user_id: 'alice' })
  @ApiErrors(400, 404)
  deleteOrganizationMember(@Body() body: OrganizationMemberDeleteRequest, @CurrentActor() actor: Actor) {
    return this.members.remove(actor, body);
  }
}
