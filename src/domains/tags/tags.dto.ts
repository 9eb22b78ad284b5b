import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsNotEmpty } from 'class-validator';
import { BudgetFieldsRequest, BudgetResponse, ID_MAX_LENGTH, LIST_MAX_SIZE } from '../budgets/budgets.dto';
import {
  OptionalNumber,
  OptionalString,
  OptionalStringList,
  RequiredString,
  RequiredStringList,
} from '../../platform/common/dto/fields';

const TagName = (description: string) =>
  applyDecorators(RequiredString({ description, example: 'production' }, ID_MAX_LENGTH), IsNotEmpty());

/** LiteLLM's `TagBase` + budget fields (`TagNewRequest`). */
export class TagNewRequest extends BudgetFieldsRequest {
  @TagName('The tag, as sent in request metadata `tags`.')
  name!: string;

  @OptionalString({ description: 'What this tag is for.', example: 'Production traffic' }, 4096)
  description?: string | null;

  @OptionalStringList(
    {
      description: 'Model ids or model names this tag may route to (stored as given).',
      example: ['gpt-4'],
      maxItems: LIST_MAX_SIZE,
    },
    ID_MAX_LENGTH,
  )
  @ArrayMaxSize(LIST_MAX_SIZE)
  models?: string[] | null;

  @OptionalString(
    { description: "Link an existing budget instead of budget fields such as 'max_budget'." },
    ID_MAX_LENGTH,
  )
  @IsNotEmpty()
  budget_id?: string | null;
}

/**
 * LiteLLM's `TagUpdateRequest`. Only fields sent are changed (LiteLLM clears `models` and
 * `description` when they are left out); `models: null` empties the list.
 */
export class TagUpdateRequest extends TagNewRequest {
  @OptionalNumber({ description: "Set the tag's accumulated spend (e.g. 0 to clear it)." }, 0)
  spend?: number | null;
}

export class TagInfoRequest {
  @RequiredStringList(
    { description: 'Tags to return.', example: ['production'], maxItems: LIST_MAX_SIZE },
    ID_MAX_LENGTH,
  )
  @ArrayMaxSize(LIST_MAX_SIZE)
  names!: string[];
}

export class TagDeleteRequest {
  @TagName('The tag to delete.')
  name!: string;
}

export class TagListQuery {
  @OptionalString(
    {
      description:
        'YYYY-MM-DD. With end_date, limits the dynamic (spend-only) tags to those seen in the window. Stored tags are always listed.',
      example: '2026-01-01',
    },
    10,
  )
  start_date?: string;

  @OptionalString({ description: 'YYYY-MM-DD; give it together with start_date.', example: '2026-01-31' }, 10)
  end_date?: string;
}

/** LiteLLM's `TagConfig`. */
export class TagResponse {
  @ApiProperty({ example: 'production' })
  name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Production traffic' })
  description!: string | null;
  @ApiProperty({ type: String, isArray: true, nullable: true, example: ['gpt-4'] })
  models!: string[] | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: '{model_id: model_name} for the models that are ids of stored deployments.',
    example: {},
  })
  model_info!: Record<string, string>;
  @ApiProperty({ type: String, format: 'date-time' })
  created_at!: string;
  @ApiProperty({ type: String, format: 'date-time' })
  updated_at!: string;
  @ApiProperty({ type: String, nullable: true, example: 'default_user_id' })
  created_by!: string | null;
  @ApiProperty({ example: 0 })
  spend!: number;
}

/** A stored tag with its budget (`/tag/info`, `/tag/list`); dynamic tags have no budget and models null. */
export class TagWithBudgetResponse extends TagResponse {
  @ApiPropertyOptional({ type: BudgetResponse })
  litellm_budget_table?: BudgetResponse;
}

export class TagChangeResponse {
  @ApiProperty({ example: 'Tag production created successfully' })
  message!: string;
  @ApiProperty({ type: TagResponse })
  tag!: TagResponse;
}

export class TagDeleteResponse {
  @ApiProperty({ example: 'Tag production deleted successfully' })
  message!: string;
}
