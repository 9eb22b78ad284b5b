import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { InvitationsController } from './invitations.controller';
import { InvitationsService } from './invitations.service';

/** `/invitation/*` and `/onboarding/*`. Users and memberships come from the tenancy core (global). */
@Module({
  imports: [KeysModule],
  controllers: [InvitationsController],
  providers: [InvitationsService],
  exports: [InvitationsService],
})
export class InvitationsModule {}
