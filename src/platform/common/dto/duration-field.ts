import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateBy, ValidationArguments } from 'class-validator';
import type { DurationRule } from '../duration';
import { invalidDurationMessage, isAcceptedDuration } from '../durations-input';
import { OptionalString } from './fields';

/**
 * The constraint name of `@DurationField`. The validation pipe answers a body whose only problems
 * are durations with LiteLLM's 400 (message and `param` as the services used to raise them),
 * not the 422 of a wrongly shaped body.
 */
export const DURATION_CONSTRAINT = 'isDuration';

/** Longest duration string a request may send (a longer one is a 422, like any too-long string). */
export const DURATION_MAX_LENGTH = 32;

/**
 * A duration field of a request body (`duration`, `budget_duration`, `rotation_interval`, the team
 * member durations): optional, nullable, a string, and a duration its rule accepts (see
 * DurationRule). Checked by the global validation pipe, so before any handler, access check or
 * lookup runs; the parser is the one the row builders and the scheduler jobs use.
 */
export const DurationField = (rule: DurationRule, doc: Omit<ApiPropertyOptions, 'type' | 'required'> = {}) =>
  applyDecorators(
    OptionalString(doc, DURATION_MAX_LENGTH),
    ValidateBy({
      name: DURATION_CONSTRAINT,
      constraints: [rule],
      validator: {
        // Non-strings are IsString's to report (422); null and absence never get here (IsOptional).
        validate: (value: unknown, args?: ValidationArguments) =>
          typeof value !== 'string' || checkedPerEntry.has(args!.object) || isAcceptedDuration(value, rule),
        defaultMessage: (args?: ValidationArguments) => invalidDurationMessage(args!.property, args!.value),
      },
    }),
  );

/** Entries of bulk requests whose durations the service checks entry by entry. */
const checkedPerEntry = new WeakSet<object>();

/**
 * On the array of a bulk request (`/user/bulk_update`'s `users`): a bad duration in one entry fails
 * that entry only, in the service's per-entry results (as LiteLLM), not the whole request. Marks
 * each transformed entry so `@DurationField` leaves it to the service.
 */
export const DurationsCheckedPerEntry = () =>
  Transform(({ value }: { value: unknown }) => {
    if (Array.isArray(value)) {
      for (const entry of value) if (entry && typeof entry === 'object') checkedPerEntry.add(entry);
    }
    return value;
  });
