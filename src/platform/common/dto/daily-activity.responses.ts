import { ApiProperty } from '@nestjs/swagger';

/** Sums of a Daily*Spend table's metric columns (one day, or one breakdown bucket). */
export class DailyActivityMetrics {
  @ApiProperty({ example: 1.25 }) spend!: number;
  @ApiProperty({ type: 'integer', example: 1200 }) prompt_tokens!: number;
  @ApiProperty({ type: 'integer', example: 300 }) completion_tokens!: number;
  @ApiProperty({ type: 'integer', example: 0 }) cache_read_input_tokens!: number;
  @ApiProperty({ type: 'integer', example: 0 }) cache_creation_input_tokens!: number;
  @ApiProperty({ type: 'integer', example: 1500 }) total_tokens!: number;
  @ApiProperty({ type: 'integer', example: 10 }) api_requests!: number;
  @ApiProperty({ type: 'integer', example: 9 }) successful_requests!: number;
  @ApiProperty({ type: 'integer', example: 1 }) failed_requests!: number;
}

/** One day of a report: its totals and the same metrics broken down by model, provider, key, ... */
export class DailyActivityDay {
  @ApiProperty({ example: '2026-11-28' }) date!: string;
  @ApiProperty({ type: DailyActivityMetrics }) metrics!: DailyActivityMetrics;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: true },
    description:
      'Per dimension (models, model_groups, providers, api_keys, ...), per value: metrics and metadata.',
    example: { models: { 'gpt-4o': { metrics: { spend: 1.25 } } } },
  })
  breakdown!: Record<string, Record<string, unknown>>;
}

/** Totals over every matching day (not just the page) and the page position. */
export class DailyActivityMetadata {
  @ApiProperty({ example: 1.25 }) total_spend!: number;
  @ApiProperty({ type: 'integer', example: 1200 }) total_prompt_tokens!: number;
  @ApiProperty({ type: 'integer', example: 300 }) total_completion_tokens!: number;
  @ApiProperty({ type: 'integer', example: 1500 }) total_tokens!: number;
  @ApiProperty({ type: 'integer', example: 10 }) total_api_requests!: number;
  @ApiProperty({ type: 'integer', example: 9 }) total_successful_requests!: number;
  @ApiProperty({ type: 'integer', example: 1 }) total_failed_requests!: number;
  @ApiProperty({ type: 'integer', example: 0 }) total_cache_read_input_tokens!: number;
  @ApiProperty({ type: 'integer', example: 0 }) total_cache_creation_input_tokens!: number;
  @ApiProperty({ type: 'integer', example: 1 }) page!: number;
  @ApiProperty({ type: 'integer', example: 1 }) total_pages!: number;
  @ApiProperty({ example: false }) has_more!: boolean;
}

/** GET /user/daily/activity and /team/daily/activity: whole days, newest first. */
export class DailyActivityResponse {
  @ApiProperty({ type: [DailyActivityDay] }) results!: DailyActivityDay[];
  @ApiProperty({ type: DailyActivityMetadata }) metadata!: DailyActivityMetadata;
}
