import { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';

type Maybe<T, Nullable extends boolean> = Nullable extends true ? T | null : T;

/** The audit columns of a LiteLLM table row as the API returns them (ISO date-times, user ids). */
export interface AuditColumns<NullableTimes extends boolean = false, NullableActors extends boolean = false> {
  created_at: Maybe<string, NullableTimes>;
  created_by: Maybe<string, NullableActors>;
  updated_at: Maybe<string, NullableTimes>;
  updated_by: Maybe<string, NullableActors>;
}

export interface AuditColumnsOptions<NullableTimes extends boolean, NullableActors extends boolean> {
  /** The table's created_at / updated_at columns are nullable. */
  nullableTimes?: NullableTimes;
  /** The table's created_by / updated_by columns are nullable. */
  nullableActors?: NullableActors;
  /** Example of created_by / updated_by. */
  actorExample?: string;
}

/**
 * A base class for a response DTO of a row with `created_at`, `created_by`, `updated_at` and
 * `updated_by`; the options follow the table's nullability.
 */
export function AuditColumnsResponse<
  NullableTimes extends boolean = false,
  NullableActors extends boolean = false,
>(
  opts: AuditColumnsOptions<NullableTimes, NullableActors> = {},
): Type<AuditColumns<NullableTimes, NullableActors>> {
  const time = () =>
    ApiProperty({ type: String, format: 'date-time', ...(opts.nullableTimes ? { nullable: true } : {}) });
  const actor = () =>
    ApiProperty({
      type: String,
      ...(opts.nullableActors ? { nullable: true } : {}),
      ...(opts.actorExample === undefined ? {} : { example: opts.actorExample }),
    });
  class AuditColumnsResponseBase {
    @time() created_at!: Maybe<string, NullableTimes>;
    @actor() created_by!: Maybe<string, NullableActors>;
    @time() updated_at!: Maybe<string, NullableTimes>;
    @actor() updated_by!: Maybe<string, NullableActors>;
  }
  return AuditColumnsResponseBase;
}
