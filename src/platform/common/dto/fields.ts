import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

/**
 * Field decorators for request DTOs: validation and OpenAPI documentation come from one place
 * so they cannot drift. All "Optional" fields accept JSON null (LiteLLM's None) as well as absence;
 * services tell the two apart where it matters (`undefined` = not sent).
 */
type Doc = Omit<ApiPropertyOptions, 'type' | 'required'>;
/** The documentation a field decorator takes (its type and presence come from the decorator). */
export type FieldDoc = Doc;

const optional = (doc: Doc, type: ApiPropertyOptions['type'], isArray = false) =>
  ApiProperty({ required: false, nullable: true, type, isArray, ...doc } as ApiPropertyOptions);

export const OptionalString = (doc: Doc = {}, maxLength = 1024) =>
  applyDecorators(optional(doc, String), IsOptional(), IsString(), MaxLength(maxLength));

export const RequiredString = (doc: Doc = {}, maxLength = 1024) =>
  applyDecorators(
    ApiProperty({ required: true, type: String, ...doc } as ApiPropertyOptions),
    IsString(),
    MaxLength(maxLength),
  );

/** A finite number; `""` is read as null, as LiteLLM does for budgets. */
export const OptionalNumber = (doc: Doc = {}, min?: number) =>
  applyDecorators(
    optional(doc, Number),
    Transform(({ value }) => (value === '' ? null : value)),
    IsOptional(),
    IsNumber({ allowNaN: false, allowInfinity: false }),
    ...(min === undefined ? [] : [Min(min)]),
  );

/** A whole number (BigInt columns such as tpm_limit stay within JavaScript's safe range). */
export const OptionalInt = (doc: Doc = {}, min = 0) =>
  applyDecorators(optional(doc, 'integer'), IsOptional(), IsInt(), Min(min), Max(Number.MAX_SAFE_INTEGER));

/** One of a fixed set of strings (documented as an enum). */
export const OptionalEnum = (values: readonly string[], doc: Doc = {}) =>
  applyDecorators(
    ApiProperty({ required: false, nullable: true, enum: values, ...doc } as ApiPropertyOptions),
    IsOptional(),
    IsIn(values as string[]),
  );

export const OptionalBoolean = (doc: Doc = {}) =>
  applyDecorators(optional(doc, Boolean), IsOptional(), IsBoolean());

export const OptionalStringList = (doc: Doc = {}, maxItemLength = 1024) =>
  applyDecorators(
    optional(doc, String, true),
    IsOptional(),
    IsArray(),
    IsString({ each: true }),
    MaxLength(maxItemLength, { each: true }),
  );

export const RequiredStringList = (doc: Doc = {}, maxItemLength = 1024) =>
  applyDecorators(
    ApiProperty({ required: true, type: String, isArray: true, ...doc } as ApiPropertyOptions),
    IsArray(),
    IsString({ each: true }),
    MaxLength(maxItemLength, { each: true }),
  );

/** A JSON object (not an array). */
export const OptionalObject = (doc: Doc = {}) =>
  applyDecorators(
    ApiProperty({
      required: false,
      nullable: true,
      type: 'object',
      additionalProperties: true,
      ...doc,
    } as unknown as ApiPropertyOptions),
    IsOptional(),
    IsObject(),
  );

/** Query-string page number (1-based). */
export const PageQuery = (doc: Doc = {}) =>
  applyDecorators(
    ApiProperty({
      required: false,
      type: 'integer',
      minimum: 1,
      default: 1,
      description: 'Page number (1-based).',
      ...doc,
    } as ApiPropertyOptions),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
  );

/** Query-string page size. */
export const SizeQuery = (max: number, fallback: number, doc: Doc = {}) =>
  applyDecorators(
    ApiProperty({
      required: false,
      type: 'integer',
      minimum: 1,
      maximum: max,
      default: fallback,
      description: `Rows per page (at most ${max}).`,
      ...doc,
    } as ApiPropertyOptions),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(max),
  );

/** Query-string boolean: `true`/`false` (also 1/0). */
export const BooleanQuery = (doc: Doc = {}) =>
  applyDecorators(
    ApiProperty({ required: false, type: Boolean, ...doc } as ApiPropertyOptions),
    IsOptional(),
    Transform(({ value }) =>
      value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value,
    ),
    IsBoolean(),
  );
