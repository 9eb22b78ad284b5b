import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, Max } from 'class-validator';
import {
  OptionalObject,
  OptionalString,
  PageQuery,
  RequiredString,
  SizeQuery,
} from '../../platform/common/dto/fields';
import { WORKFLOW_RUN_STATUSES } from './workflow-status';

/** Runs listed per call (LiteLLM: `limit` 1..250, default 50). */
export const RUNS_MAX_LIMIT = 250;
export const RUNS_DEFAULT_LIMIT = 50;
/** Events or messages listed per call (LiteLLM: `limit` 1..500, default 100). */
export const LOG_MAX_LIMIT = 500;
export const LOG_DEFAULT_LIMIT = 100;
/** Keeps `(page - 1) * limit` a 32-bit offset. */
const MAX_PAGE = 1_000_000;

/** A machine name such as `step.started` or `assistant`: letters, digits and `_ . : -`. */
const TOKEN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;
/** Free text on one line: any characters but control characters (and broken UTF-16), not blank. */
const LABEL = /^(?=.*\S)[^\p{Cc}\p{Cs}]+$/u;

const tokenRule = (property: string) =>
  Matches(TOKEN, {
    message: `${property} may contain only letters, digits, '_', '.', ':' and '-', and must not start with '.', ':' or '-'`,
  });
const labelRule = (property: string) =>
  Matches(LABEL, {
    message: `${property} must not be blank or contain control characters or broken Unicode`,
  });

/** A required caller-defined machine name (not an enum). */
const RequiredToken = (
  property: string,
  maxLength: number,
  doc: Omit<ApiPropertyOptions, 'type' | 'required'>,
) =>
  applyDecorators(
    RequiredString({ minLength: 1, maxLength, pattern: TOKEN.source, ...doc }, maxLength),
    tokenRule(property),
  );

/** A required caller-defined one-line label. */
const RequiredLabel = (
  property: string,
  maxLength: number,
  doc: Omit<ApiPropertyOptions, 'type' | 'required'>,
) => applyDecorators(RequiredString({ minLength: 1, maxLength, ...doc }, maxLength), labelRule(property));

const JSON_OBJECT_DOC = 'Any JSON object; stored as sent.';

export class WorkflowRunCreateRequest {
  @RequiredLabel('workflow_type', 128, {
    description: 'Names the system that owns the run; used as a list filter.',
    example: 'shin-builder',
  })
  workflow_type!: string;

  @OptionalObject({ description: `The run's input. ${JSON_OBJECT_DOC}`, example: { issue: 42 } })
  input?: Record<string, unknown> | null;

  @OptionalObject({
    description: `Domain-specific fields (worktree_path, pr_url, ...). ${JSON_OBJECT_DOC}`,
    example: { worktree_path: '/tmp/wt-42' },
  })
  metadata?: Record<string, unknown> | null;
}

export class WorkflowRunUpdateRequest {
  @ApiProperty({
    required: false,
    nullable: true,
    enum: WORKFLOW_RUN_STATUSES,
    description: 'Sets the status directly (events move it too).',
    example: 'completed',
  })
  @IsOptional()
  @IsIn(WORKFLOW_RUN_STATUSES)
  status?: string | null;

  @OptionalObject({ description: `The run's result; replaces the stored output. ${JSON_OBJECT_DOC}` })
  output?: Record<string, unknown> | null;

  @OptionalObject({ description: `Replaces the stored metadata. ${JSON_OBJECT_DOC}` })
  metadata?: Record<string, unknown> | null;
}

export class WorkflowEventCreateRequest {
  @RequiredToken('event_type', 128, {
    description:
      'Caller-defined. step.started → status running, step.failed → failed, hook.waiting → paused, hook.received → running; other types leave the status alone.',
    example: 'step.started',
  })
  event_type!: string;

  @RequiredLabel('step_name', 256, { description: 'Caller-defined name of the step.', example: 'plan' })
  step_name!: string;

  @OptionalObject({ description: `Event payload. ${JSON_OBJECT_DOC}`, example: { attempt: 1 } })
  data?: Record<string, unknown> | null;
}

export class WorkflowMessageCreateRequest {
  @RequiredToken('role', 64, { description: 'Who wrote the message.', example: 'user' })
  role!: string;

  @ApiProperty({
    required: true,
    type: String,
    description: 'The full message, stored untruncated.',
    example: 'Fix the failing test.',
  })
  @IsString()
  content!: string;

  @OptionalString(
    { description: 'Conversation id of the agent (e.g. a --resume session id).', example: 'c0ffee-session' },
    256,
  )
  @labelRule('session_id')
  session_id?: string | null;
}

export class WorkflowRunListQuery {
  @OptionalString({ description: 'Only runs of this workflow_type.', example: 'shin-builder' }, 128)
  workflow_type?: string;

  @OptionalString(
    { description: 'Only runs in one of these statuses (comma-separated).', example: 'running,paused' },
    1024,
  )
  status?: string;

  @SizeQuery(RUNS_MAX_LIMIT, RUNS_DEFAULT_LIMIT, { description: 'Runs per page.' })
  limit?: number;

  @PageQuery({
    description: 'Page number (1-based), `limit` runs per page. Not in LiteLLM.',
    maximum: MAX_PAGE,
  })
  @Max(MAX_PAGE)
  page?: number;
}

export class WorkflowLogQuery {
  @SizeQuery(LOG_MAX_LIMIT, LOG_DEFAULT_LIMIT, { description: 'Entries per page.' })
  limit?: number;

  @PageQuery({
    description: 'Page number (1-based), `limit` entries per page. Not in LiteLLM.',
    maximum: MAX_PAGE,
  })
  @Max(MAX_PAGE)
  page?: number;
}

const DATE_TIME = { type: String, format: 'date-time', example: '2026-01-01T00:00:00.000Z' } as const;
const JSON_OBJECT = { type: 'object', additionalProperties: true, nullable: true } as const;

/** A `LiteLLM_WorkflowRun` row. */
export class WorkflowRunResponse {
  @ApiProperty({ format: 'uuid', example: '5b3f7a52-6b1e-4c8e-9a59-2d8f3c1e0a11' })
  run_id!: string;
  @ApiProperty({
    format: 'uuid',
    description: 'Send it as x-litellm-session-id on LLM calls so their spend joins to the run.',
    example: '0f9c2a41-1d7e-4a4b-8f0e-7b6d5c4e3a21',
  })
  session_id!: string;
  @ApiProperty({ example: 'shin-builder' })
  workflow_type!: string;
  @ApiProperty({
    example: 'running',
    description: 'A cache of the event log: the latest status-changing event.',
  })
  status!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Hash of the key that created the run.' })
  created_by!: string | null;
  @ApiProperty(DATE_TIME)
  created_at!: string;
  @ApiProperty(DATE_TIME)
  updated_at!: string;
  @ApiProperty({ ...JSON_OBJECT, example: { issue: 42 } })
  input!: Record<string, unknown> | null;
  @ApiProperty({ ...JSON_OBJECT, example: null })
  output!: Record<string, unknown> | null;
  @ApiProperty({ ...JSON_OBJECT, example: { worktree_path: '/tmp/wt-42' } })
  metadata!: Record<string, unknown> | null;
}

/** A `LiteLLM_WorkflowEvent` row. */
export class WorkflowEventResponse {
  @ApiProperty({ format: 'uuid' })
  event_id!: string;
  @ApiProperty({ format: 'uuid' })
  run_id!: string;
  @ApiProperty({ example: 'step.started' })
  event_type!: string;
  @ApiProperty({ example: 'plan' })
  step_name!: string;
  @ApiProperty({ type: 'integer', example: 0, description: 'Per run, from 0, without gaps.' })
  sequence_number!: number;
  @ApiProperty({ ...JSON_OBJECT, example: { attempt: 1 } })
  data!: Record<string, unknown> | null;
  @ApiProperty(DATE_TIME)
  created_at!: string;
}

/** A `LiteLLM_WorkflowMessage` row. */
export class WorkflowMessageResponse {
  @ApiProperty({ format: 'uuid' })
  message_id!: string;
  @ApiProperty({ format: 'uuid' })
  run_id!: string;
  @ApiProperty({ example: 'user' })
  role!: string;
  @ApiProperty({ example: 'Fix the failing test.' })
  content!: string;
  @ApiProperty({ type: 'integer', example: 0, description: 'Per run, from 0, without gaps (own counter).' })
  sequence_number!: number;
  @ApiProperty({ type: String, nullable: true, example: null })
  session_id!: string | null;
  @ApiProperty(DATE_TIME)
  created_at!: string;
}

export class WorkflowRunDetailResponse extends WorkflowRunResponse {
  @ApiProperty({
    type: [WorkflowEventResponse],
    description: 'The most recent event (empty before the first).',
  })
  events!: WorkflowEventResponse[];
  @ApiProperty({
    example: 0.0123,
    description:
      "Sum of LiteLLM_SpendLogs.spend (USD) whose session_id is the run's session_id. Not in LiteLLM.",
  })
  spend!: number;
}

export class WorkflowRunListResponse {
  @ApiProperty({ type: [WorkflowRunResponse] })
  runs!: WorkflowRunResponse[];
  @ApiProperty({ type: 'integer', example: 1, description: 'Runs in this answer.' })
  count!: number;
}

export class WorkflowEventListResponse {
  @ApiProperty({ type: [WorkflowEventResponse] })
  events!: WorkflowEventResponse[];
  @ApiProperty({ type: 'integer', example: 1, description: 'Events in this answer.' })
  count!: number;
}

export class WorkflowMessageListResponse {
  @ApiProperty({ type: [WorkflowMessageResponse] })
  messages!: WorkflowMessageResponse[];
  @ApiProperty({ type: 'integer', example: 1, description: 'Messages in this answer.' })
  count!: number;
}
