import { ApiProperty } from '@nestjs/swagger';
import { ValidationIssue } from './api-error';

/** The inside of LiteLLM's error envelope, as the exception filter writes it. */
export class ErrorBody {
  @ApiProperty({
    example: 'Key not found',
    description: 'What went wrong, in a sentence a person can act on.',
  })
  message!: string;
  @ApiProperty({
    example: 'not_found_error',
    description:
      'The error class (bad_request_error, auth_error, not_found_error, conflict_error, validation_error, ...).',
  })
  type!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'The request field at fault, if any.',
  })
  param!: string | null;
  @ApiProperty({ example: '404', description: 'The HTTP status, as a string (LiteLLM sends it so).' })
  code!: string;
}

/** `{"error":{"message","type","param","code"}}`: every 4xx and 5xx answer. */
export class ErrorResponse {
  @ApiProperty({ type: ErrorBody })
  error!: ErrorBody;
}

/** One item of FastAPI's 422 `detail` list. */
export class ValidationIssueResponse implements ValidationIssue {
  @ApiProperty({ example: 'isString', description: 'The check that failed.' })
  type!: string;
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    example: ['body', 'key_alias'],
    description: 'Where: `body`, `query` or `path`, then the field path.',
  })
  loc!: (string | number)[];
  @ApiProperty({ example: 'key_alias must be a string' })
  msg!: string;
}

/** A 422: the envelope plus FastAPI's `detail` list, which some LiteLLM clients read. */
export class ValidationErrorResponse extends ErrorResponse {
  @ApiProperty({ type: [ValidationIssueResponse] })
  detail!: ValidationIssueResponse[];
}
