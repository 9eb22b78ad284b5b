import type { Type } from '@nestjs/common';
import { ApiBody, ApiBodyOptions } from '@nestjs/swagger';

/**
 * The request body of an operation with the example Swagger UI puts in "Try it out". Without one,
 * Swagger UI fills every optional field with a placeholder ("string", additionalProp1, true), which
 * the API rightly refuses; this example is minimal and works as shown (or names a row the reader
 * replaces with their own).
 */
export const ApiBodyExample = (
  type: Type<unknown>,
  value: Record<string, unknown>,
  summary = 'Minimal request',
) => ApiBody({ type, examples: { minimal: { summary, value } } } as ApiBodyOptions);
