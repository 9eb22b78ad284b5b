import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsIn,
  IsNumber,
  IsOptional,
  ValidateNested,
} from 'class-validator';
import {
  BooleanQuery,
  OptionalNumber,
  OptionalString,
  OptionalStringList,
  PageQuery,
  RequiredString,
  RequiredStringList,
  SizeQuery,
} from '../../../platform/common/dto/fields';
import { KeyFieldsRequest } from './key-fields.request';

export class KeyGenerateRequest extends KeyFieldsRequest {
  @OptionalString({ description: 'Custom key value; must start with "sk-"' }, 256)
  key?: string | null;
}

export class KeyUpdateRequest extends KeyFieldsRequest {
  @RequiredString({ description: 'The key (sk-...) or its hash' }, 256)
  key!: string;
  @OptionalNumber({ description: 'Temporary extra budget; needs temp_budget_expiry' }, 0)
  temp_budget_increase?: number | null;
  @ApiProperty({ required: false, nullable: true, type: String, format: 'date-time' })
  @IsOptional()
  @IsDateString()
  temp_budget_expiry?: string | null;
}

export class KeyRegenerateRequest extends KeyFieldsRequest {
  @OptionalString({ description: 'The key (sk-...) or its hash; or pass it in the path' }, 256)
  key?: string | null;
  @OptionalString({ description: 'Custom new key value; must start with "sk-"' }, 256)
  new_key?: string | null;
  @OptionalString({ description: 'How long the old key keeps working, e.g. "24h"', example: '24h' }, 32)
  grace_period?: string | null;
}

export class KeyDeleteRequest {
  @OptionalStringList({ description: 'Keys (sk-...) or hashes' }, 256)
  @ArrayMaxSize(1000)
  keys?: string[] | null;
  @OptionalStringList({}, 256)
  @ArrayMaxSize(1000)
  key_aliases?: string[] | null;
}

export class KeyBlockRequest {
  @RequiredString({ description: 'The key (sk-...) or its hash' }, 256)
  key!: string;
}

export class KeyResetSpendRequest {
  @ApiProperty({ description: 'New spend value, between 0 and the current spend', example: 0 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  reset_to!: number;
}

export class KeyBulkUpdateItem {
  @RequiredString({}, 256)
  key!: string;
  @OptionalString({}, 256)
  budget_id?: string | null;
  @OptionalNumber({}, 0)
  max_budget?: number | null;
  @OptionalString({}, 256)
  team_id?: string | null;
  @OptionalStringList()
  tags?: string[] | null;
}

export class KeyBulkUpdateRequest {
  @ApiProperty({ type: [KeyBulkUpdateItem] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => KeyBulkUpdateItem)
  keys!: KeyBulkUpdateItem[];
}

export class KeyInfoV2Request {
  @RequiredStringList({}, 256)
  @ArrayMaxSize(1000)
  keys!: string[];
}

export class KeyInfoQuery {
  @OptionalString({ description: "The key (sk-...) or hash; defaults to the caller's key" }, 256)
  key?: string;
}

export const KEY_SORT_FIELDS = [
  'spend',
  'max_budget',
  'created_at',
  'updated_at',
  'token',
  'key_alias',
] as const;

export class KeyListQuery {
  @PageQuery()
  page?: number;
  @SizeQuery(100, 10)
  size?: number;
  @OptionalString({ description: 'Only keys of this user' }, 256)
  user_id?: string;
  @OptionalString({ description: 'Only keys of this team' }, 256)
  team_id?: string;
  @OptionalString({ description: 'Only keys of this organization' }, 256)
  organization_id?: string;
  @OptionalString({ description: 'Only this key: the key (sk-...) or its hash' }, 256)
  key_hash?: string;
  @OptionalString({ description: 'Only keys with exactly this alias' }, 256)
  key_alias?: string;
  @OptionalString({ description: 'Only keys of this project' }, 256)
  project_id?: string;
  @OptionalString({ description: 'Only keys in this access group' }, 256)
  access_group_id?: string;
  @BooleanQuery({ description: 'Return rows instead of hashes' })
  return_full_object?: boolean;
  @BooleanQuery({ description: 'Also keys of teams the caller administers' })
  include_team_keys?: boolean;
  @BooleanQuery({ description: 'Also keys the caller created' })
  include_created_by_keys?: boolean;
  @OptionalString(
    { enum: KEY_SORT_FIELDS, description: 'Column to sort by (default created_at, newest first)' },
    32,
  )
  sort_by?: string;
  @ApiProperty({
    required: false,
    enum: ['asc', 'desc'],
    default: 'desc',
    description: 'Direction of sort_by',
  })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  sort_order?: 'asc' | 'desc';
  @OptionalString({ description: 'e.g. "user"' }, 64)
  expand?: string;
  @OptionalString({ description: 'Only "deleted": list archived keys' }, 32)
  status?: string;
}

export class KeyAliasesQuery {
  @PageQuery()
  page?: number;
  @SizeQuery(100, 50)
  size?: number;
  @OptionalString({ description: 'Case-insensitive substring' }, 256)
  search?: string;
}
