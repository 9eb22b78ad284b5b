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

/** The issue of one string, at a copy of `path` (the walk goes on changing it). */
function textProblem(value: string, path: (string | number)[], what: string): ValidationIssue | null {
  if (value.includes('\u0000')) {
    return {
      type: 'string_nul_character',
      loc: [...path],
      msg: `${what} must not contain the NUL character (\\u0000)`,
    };
  }
  if (LONE_SURROGATE.test(value)) {
    return {
      type: 'string_unicode',
      loc: [...path],
      msg: `${what} must be valid Unicode (found an unpaired surrogate)`,
    };
  }
  return null;
}

/**
 * The first unsafe string, key or nesting in `value`, its location `loc` plus the path to it. The path
 * is one array pushed and popped on the way down, copied only for the issue: a clean body (every
 * request's case) allocates nothing per field.
 */
export function findUnsafe(value: unknown, loc: (string | number)[], depth: number): ValidationIssue | null {
  return walk(value, [...loc], depth);
}

function walk(value: unknown, path: (string | number)[], depth: number): ValidationIssue | null {
  if (typeof value === 'string') return textProblem(value, path, 'Text');
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_DEPTH) {
    return {
      type: 'too_deep',
      loc: [...path],
      msg: `JSON must not be nested more than ${MAX_DEPTH} levels deep`,
    };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const issue = walk(value[i], path, depth + 1);
      path.pop();
      if (issue) return issue;
    }
    return null;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    path.push(key);
    const issue =
      textProblem(key, path, 'Names') ?? walk((value as Record<string, unknown>)[key], path, depth + 1);
    path.pop();
    if (issue) return issue;
  }
  return null;
}
