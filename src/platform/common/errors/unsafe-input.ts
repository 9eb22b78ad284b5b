import type { NextFunction, Request, Response } from 'express';
import { RequestValidationError, ValidationIssue } from './api-error';

const MAX_DEPTH = 32;

/**
 * Refuses, as a 422 naming the field, two kinds of input that would otherwise surface as a 500:
 * - U+0000 in any string or object key: PostgreSQL cannot store it in text or jsonb, so Prisma
 *   fails (even on a lookup);
 * - JSON nested deeper than 32 levels: class-transformer recurses and overflows the stack.
 * Runs as middleware (after body parsing, before the auth guard, which may read the body) for the
 * body and query; the validation pipe applies the same check to path parameters.
 */
export function rejectUnsafeInput(req: Request, _res: Response, next: NextFunction) {
  next(unsafeInputError(req.body, req.query));
}

/** The 422 for the first unsafe value of the body, else of the query; undefined when both are safe. */
export function unsafeInputError(body: unknown, query: unknown): RequestValidationError | undefined {
  for (const [where, value] of [
    ['body', body],
    ['query', query],
  ] as const) {
    const issue = findUnsafe(value, [where], 0);
    if (issue) return new RequestValidationError([issue]);
  }
  return undefined;
}

/** A UTF-16 surrogate without its pair: JSON allows the escape, PostgreSQL cannot store it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function textProblem(value: string, loc: (string | number)[], what: string): ValidationIssue | null {
  if (value.includes('\u0000')) {
    return { type: 'string_nul_character', loc, msg: `${what} must not contain the NUL character (\\u0000)` };
  }
  if (LONE_SURROGATE.test(value)) {
    return {
      type: 'string_unicode',
      loc,
      msg: `${what} must be valid Unicode (found an unpaired surrogate)`,
    };
  }
  return null;
}

export function findUnsafe(value: unknown, loc: (string | number)[], depth: number): ValidationIssue | null {
  if (typeof value === 'string') return textProblem(value, loc, 'Text');
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_DEPTH) {
    return { type: 'too_deep', loc, msg: `JSON must not be nested more than ${MAX_DEPTH} levels deep` };
  }
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, i): [number, unknown] => [i, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const keyIssue = typeof key === 'string' ? textProblem(key, [...loc, key], 'Names') : null;
    if (keyIssue) return keyIssue;
    const issue = findUnsafe(item, [...loc, key], depth + 1);
    if (issue) return issue;
  }
  return null;
}
