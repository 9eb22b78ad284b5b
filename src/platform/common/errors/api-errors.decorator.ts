import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponse } from './error-response.dto';

/**
 * The statuses a route declares itself; 422 on every operation and 401/403 on authenticated ones are
 * added in openapi.ts. (401 here is for public routes that check a credential of their own.)
 */
export type DeclaredErrorStatus = 400 | 401 | 404 | 409;

const DESCRIPTIONS: Record<DeclaredErrorStatus, string> = {
  400: 'Bad request: the input is well-formed but a rule of the operation refuses it',
  401: 'The credential in the request (not the API key) is not valid',
  404: 'Not found (or not visible to the caller)',
  409: 'Conflict: the object already exists',
};

/**
 * Documents the error answers a route can give besides the common ones, with LiteLLM's
 * envelope as the schema: `@ApiErrors(400, 404)`. List only what the handler can answer.
 */
export const ApiErrors = (...statuses: DeclaredErrorStatus[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponse }),
    ),
  );
