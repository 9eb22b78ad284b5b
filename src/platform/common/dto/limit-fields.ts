import { applyDecorators, Type } from '@nestjs/common';
import { Max } from 'class-validator';
import { DurationField } from './duration-field';
import { FieldDoc, OptionalEnum, OptionalInt, OptionalNumber, OptionalObject } from './fields';

/** LiteLLM's `rpm_limit_type` / `tpm_limit_type` values. */
export const LIMIT_TYPES = ['guaranteed_throughput', 'best_effort_throughput', 'dynamic'] as const;
export type LimitType = (typeof LIMIT_TYPES)[number];

/**
 * The budget and rate-limit fields of LiteLLM's request bodies, which keys, teams, users and budgets
 * (and through budgets customers, projects, organizations and tags) take. `undefined` = not sent,
 * null = LiteLLM's None.
 */
export interface LimitFields {
  max_budget?: number | null;
  soft_budget?: number | null;
  budget_duration?: string | null;
  model_max_budget?: Record<string, unknown> | null;
  tpm_limit?: number | null;
  rpm_limit?: number | null;
  max_parallel_requests?: number | null;
  model_rpm_limit?: Record<string, unknown> | null;
  model_tpm_limit?: Record<string, unknown> | null;
  rpm_limit_type?: LimitType | null;
  tpm_limit_type?: LimitType | null;
}
export type LimitField = keyof LimitFields;

/**
 * One rule per field (validation, nullability, OpenAPI type); the documentation is the domain's.
 * A `maximum` in a field's documentation is enforced as well.
 */
const FIELD_DECORATORS: Record<LimitField, (doc: FieldDoc) => PropertyDecorator> = {
  max_budget: (doc) => OptionalNumber(doc),
  soft_budget: (doc) => OptionalNumber(doc),
  budget_duration: (doc) => DurationField('reset', doc),
  model_max_budget: (doc) => OptionalObject(doc),
  tpm_limit: (doc) => withMaximum(doc, OptionalInt(doc)),
  rpm_limit: (doc) => withMaximum(doc, OptionalInt(doc)),
  max_parallel_requests: (doc) => withMaximum(doc, OptionalInt(doc)),
  model_rpm_limit: (doc) => OptionalObject(doc),
  model_tpm_limit: (doc) => OptionalObject(doc),
  rpm_limit_type: (doc) => OptionalEnum(LIMIT_TYPES, doc),
  tpm_limit_type: (doc) => OptionalEnum(LIMIT_TYPES, doc),
};

function withMaximum(doc: FieldDoc, decorator: PropertyDecorator): PropertyDecorator {
  const maximum = (doc as { maximum?: unknown }).maximum;
  return typeof maximum === 'number' ? applyDecorators(Max(maximum), decorator) : decorator;
}

/**
 * A base class for a request DTO with the given budget/limit fields, in that order (the OpenAPI
 * order), each documented by `docs` (nothing by default), on top of `base` when given:
 *
 *     class TeamFieldsRequest extends LimitFieldsRequest(['max_budget', 'tpm_limit'], { max_budget: { example: 100 } }) {}
 *
 * The rules stay the same in every domain; only what the documentation says may differ.
 */
export function LimitFieldsRequest<K extends LimitField, B extends object = object>(
  fields: readonly K[],
  docs: Partial<Record<K, FieldDoc>> = {},
  base?: Type<B>,
): Type<B & Pick<LimitFields, K>> {
  const Base = base ?? (class {} as Type<B>);
  class LimitFieldsRequestBase extends Base {}
  for (const field of fields) {
    FIELD_DECORATORS[field]((docs[field] as FieldDoc | undefined) ?? {})(
      LimitFieldsRequestBase.prototype,
      field,
    );
  }
  return LimitFieldsRequestBase as Type<B & Pick<LimitFields, K>>;
}
