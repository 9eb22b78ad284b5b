import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsString, MaxLength, MinLength } from 'class-validator';
import { RequiredString } from '../../platform/common/dto/fields';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../platform/common/password';

export class InvitationNewRequest {
  @RequiredString({ description: 'The user to invite (must exist)', example: 'alice' }, 256)
  user_id!: string;
}

export class InvitationInfoQuery {
  @RequiredString({ description: 'The invitation id' }, 256)
  invitation_id!: string;
}

export class InvitationUpdateRequest {
  @RequiredString({}, 256)
  invitation_id!: string;
  @ApiProperty({ description: 'true sets accepted_at to now; false clears it' })
  @IsBoolean()
  is_accepted!: boolean;
}

export class InvitationDeleteRequest {
  @RequiredString({}, 256)
  invitation_id!: string;
}

export class OnboardingTokenQuery {
  @RequiredString({ description: 'The invitation id from the invitation link' }, 256)
  invite_link!: string;
}

export class OnboardingClaimRequest {
  @RequiredString({ description: 'The invitation id' }, 256)
  invitation_link!: string;
  @RequiredString({ description: 'Must be the user the invitation is for' }, 256)
  user_id!: string;
  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, writeOnly: true })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

/** LiteLLM's InvitationModel: the row as stored. */
export const INVITATION_EXAMPLE = {
  id: '0f3c2a9e-6a51-4c0e-9b7b-2d1c9f0e8a11',
  user_id: 'alice',
  is_accepted: false,
  accepted_at: null,
  expires_at: '2026-01-08T10:00:00.000Z',
  created_at: '2026-01-01T10:00:00.000Z',
  created_by: 'default_user_id',
  updated_at: '2026-01-01T10:00:00.000Z',
  updated_by: 'default_user_id',
};
