import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../platform/auth/auth-context';
import { CurrentAuth, Public } from '../../platform/auth/decorators';
import { ApiErrors } from '../../platform/common/errors/api-errors.decorator';
import { ApiBodyExample } from '../../platform/common/dto/api-body-example';
import {
  INVITATION_EXAMPLE,
  InvitationDeleteRequest,
  InvitationInfoQuery,
  InvitationNewRequest,
  InvitationUpdateRequest,
  OnboardingClaimRequest,
  OnboardingTokenQuery,
} from './invitations.dto';
import { InvitationsService } from './invitations.service';
import type { Actor } from '../../platform/audit/audit.service';
import { CurrentActor } from '../../platform/audit/current-actor.decorator';

const INVITATION = { schema: { example: INVITATION_EXAMPLE } };

@ApiTags('invitations')
@Controller()
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('invitation/new')
  @HttpCode(200)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    summary: 'Invite a user to the admin UI (link valid 7 days)',
    description:
      'Proxy admins invite anyone; org admins members of their organizations; team admins members of their teams.',
  })
  @ApiOkResponse(INVITATION)
  @ApiBodyExample({ user_id: 'alice' }, 'Invite user alice (the user must exist)')
  @ApiErrors(400)
  newInvitation(@CurrentActor() actor: Actor, @Body() body: InvitationNewRequest) {
    return this.invitations.create(actor, body.user_id);
  }

  @Get('invitation/info')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'An invitation (proxy admins)' })
  @ApiOkResponse(INVITATION)
  @ApiErrors(400)
  invitationInfo(@CurrentAuth() auth: AuthContext, @Query() query: InvitationInfoQuery) {
    return this.invitations.info(auth, query.invitation_id);
  }

  @Post('invitation/update')
  @HttpCode(200)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Mark an invitation accepted or not (proxy admins)' })
  @ApiOkResponse(INVITATION)
  @ApiBodyExample({
    invitation_id: '8c1f5a0e-3b9d-4c7e-a2f1-6d0b9e4c7a35',
    is_accepted: true,
  })
  @ApiErrors(400)
  updateInvitation(@CurrentActor() actor: Actor, @Body() body: InvitationUpdateRequest) {
    return this.invitations.update(actor, body.invitation_id, body.is_accepted);
  }

  @Post('invitation/delete')
  @HttpCode(200)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    summary: 'Delete an invitation',
    description: 'Proxy admins, or the admin who created it. Returns the deleted row.',
  })
  @ApiOkResponse(INVITATION)
  @ApiBodyExample({ invitation_id: '8c1f5a0e-3b9d-4c7e-a2f1-6d0b9e4c7a35' })
  @ApiErrors(400)
  deleteInvitation(@CurrentAuth() auth: AuthContext, @Body() body: InvitationDeleteRequest) {
    return this.invitations.delete(auth, body.invitation_id);
  }

  @Public()
  @Get('onboarding/get_token')
  @ApiOperation({
    summary: 'Open an invitation link (no key needed)',
    description: 'Marks the link accepted and returns a 24 h UI key for the invited user as `token`.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        login_url: '/ui/onboarding?token=sk-...&user_email=alice%40example.com',
        token: 'sk-...',
        user_email: 'alice@example.com',
      },
    },
  })
  @ApiErrors(401)
  onboardingGetToken(@Query() query: OnboardingTokenQuery) {
    return this.invitations.getToken(query.invite_link);
  }

  @Public()
  @Post('onboarding/claim_token')
  @HttpCode(200)
  @ApiOperation({
    summary: "Set the invited user's password (no key needed)",
    description: 'The link must have been opened with /onboarding/get_token; claiming uses it up.',
  })
  @ApiOkResponse({
    schema: { example: { user_id: 'alice', user_email: 'alice@example.com', user_role: 'internal_user' } },
  })
  @ApiBodyExample({
    invitation_link: '8c1f5a0e-3b9d-4c7e-a2f1-6d0b9e4c7a35',
    user_id: 'alice',
    password: 'a-long-passphrase',
  })
  @ApiErrors(401)
  onboardingClaimToken(@Body() body: OnboardingClaimRequest) {
    return this.invitations.claimToken(body);
  }
}
