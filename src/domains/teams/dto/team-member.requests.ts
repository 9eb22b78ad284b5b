import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptions, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, ValidateBy, ValidateNested } from 'class-validator';
import {
  OptionalBoolean,
  OptionalInt,
  OptionalNumber,
  OptionalString,
  RequiredString,
  OptionalEnum,
} from '../../../platform/common/dto/fields';

export const TEAM_ROLES = ['admin', 'user'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];
const MAX_ID_LENGTH = 256;
const MAX_EMAIL_LENGTH = 320;
/** At most this many members in one /team/member_add or /team/bulk_member_add call. */
export const MAX_MEMBERS = 500;

/** LiteLLM's `Member`: a user (by id, email or both) and their role in the team. */
export class TeamMemberRequest {
  @OptionalString({ example: 'alice' }, MAX_ID_LENGTH)
  user_id?: string | null;
  @OptionalString({ example: 'alice@example.com' }, MAX_EMAIL_LENGTH)
  user_email?: string | null;
  @ApiProperty({ enum: TEAM_ROLES, example: 'user' })
  @IsIn(TEAM_ROLES)
  role!: TeamRole;
}

function isMember(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  const optionalString = (v: unknown, max: number) =>
    v === undefined || v === null || (typeof v === 'string' && v.length <= max);
  return (
    optionalString(m.user_id, MAX_ID_LENGTH) &&
    optionalString(m.user_email, MAX_EMAIL_LENGTH) &&
    TEAM_ROLES.includes(m.role as TeamRole)
  );
}

/** `member`: one Member or a list of them (LiteLLM accepts both). */
const MemberOrMembers = () =>
  applyDecorators(
    ApiProperty({
      required: true,
      description: `One member or a list (at most ${MAX_MEMBERS})`,
      oneOf: [
        { $ref: getSchemaPath(TeamMemberRequest) },
        { type: 'array', items: { $ref: getSchemaPath(TeamMemberRequest) } },
      ],
      example: { user_id: 'alice', role: 'user' },
    } as ApiPropertyOptions),
    ValidateBy({
      name: 'isMemberOrMemberList',
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) ? value.length <= MAX_MEMBERS && value.every(isMember) : isMember(value),
        defaultMessage: () =>
          `must be {user_id?, user_email?, role: "admin" | "user"} or a list of at most ${MAX_MEMBERS} of them`,
      },
    }),
  );

export class TeamMemberAddRequest {
  @RequiredString({ example: 'team-search' }, MAX_ID_LENGTH)
  team_id!: string;
  @MemberOrMembers()
  member!: TeamMemberRequest | TeamMemberRequest[];
  @OptionalNumber({ description: 'Gives each new member a budget row of their own (USD)', example: 10 })
  max_budget_in_team?: number | null;
}

export class TeamBulkMemberAddRequest {
  @RequiredString({ example: 'team-search' }, MAX_ID_LENGTH)
  team_id!: string;
  @ApiProperty({
    required: false,
    nullable: true,
    type: [TeamMemberRequest],
    description: `At most ${MAX_MEMBERS}`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => TeamMemberRequest)
  members?: TeamMemberRequest[] | null;
  @OptionalBoolean({ description: 'Add every user of the proxy (members is then ignored)' })
  all_users?: boolean | null;
  @OptionalNumber({ description: 'Gives each new member a budget row of their own (USD)' })
  max_budget_in_team?: number | null;
}

export class TeamMemberDeleteRequest {
  @RequiredString({ example: 'team-search' }, MAX_ID_LENGTH)
  team_id!: string;
  @OptionalString({ example: 'alice' }, MAX_ID_LENGTH)
  user_id?: string | null;
  @OptionalString({ description: 'Used when no user_id is given' }, MAX_EMAIL_LENGTH)
  user_email?: string | null;
}

export class TeamMemberUpdateRequest {
  @RequiredString({ example: 'team-search' }, MAX_ID_LENGTH)
  team_id!: string;
  @OptionalString({ example: 'alice' }, MAX_ID_LENGTH)
  user_id?: string | null;
  @OptionalString({ description: 'Used when no user_id is given' }, MAX_EMAIL_LENGTH)
  user_email?: string | null;
  @OptionalEnum(TEAM_ROLES)
  role?: TeamRole | null;
  @OptionalNumber({ description: "The member's own budget in this team (USD; null removes the limit)" })
  max_budget_in_team?: number | null;
  @OptionalInt()
  tpm_limit?: number | null;
  @OptionalInt()
  rpm_limit?: number | null;
}

export class TeamMemberResetSpendRequest {
  @OptionalNumber({ description: 'New spend (default 0); at most the current spend', example: 0 })
  reset_to?: number | null;
}
