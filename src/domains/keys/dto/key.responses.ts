import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType, PartialType } from '@nestjs/swagger';
import { KeyFieldsRequest } from './key-fields.request';
import { AuditColumnsResponse } from '../../../platform/common/dto/audit-columns';

const JSON_OBJECT = { type: 'object', additionalProperties: true } as const;
const nullableString = (description?: string) =>
  ApiProperty({ type: String, nullable: true, ...(description ? { description } : {}) });
const nullableDate = (description?: string) =>
  ApiProperty({ type: String, format: 'date-time', nullable: true, ...(description ? { description } : {}) });

/** A row of LiteLLM_VerificationToken as the key routes return it (`token` is the SHA-256 of the key). */
export class KeyRowResponse extends AuditColumnsResponse({ nullableTimes: true, nullableActors: true }) {
  @ApiProperty({ example: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8' })
  token!: string;
  @nullableString('`sk-...abcd`, empty with DISABLE_KEY_NAME') key_name!: string | null;
  @nullableString() key_alias!: string | null;
  @ApiProperty() soft_budget_cooldown!: boolean;
  @ApiProperty({ example: 0 }) spend!: number;
  @nullableDate() expires!: string | null;
  @ApiProperty({ type: [String], example: ['gpt-4o'] }) models!: string[];
  @ApiProperty(JSON_OBJECT) aliases!: Record<string, unknown>;
  @ApiProperty(JSON_OBJECT) config!: Record<string, unknown>;
  @ApiProperty({ ...JSON_OBJECT, nullable: true }) router_settings!: Record<string, unknown> | null;
  @nullableString() user_id!: string | null;
  @nullableString() team_id!: string | null;
  @nullableString() agent_id!: string | null;
  @nullableString() project_id!: string | null;
  @ApiProperty(JSON_OBJECT) permissions!: Record<string, unknown>;
  @ApiProperty({ type: 'integer', nullable: true }) max_parallel_requests!: number | null;
  @ApiProperty(JSON_OBJECT) metadata!: Record<string, unknown>;
  @ApiProperty({ type: Boolean, nullable: true }) blocked!: boolean | null;
  @ApiProperty({ type: 'integer', nullable: true }) tpm_limit!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) rpm_limit!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 10 }) max_budget!: number | null;
  @nullableString('e.g. `30d`') budget_duration!: string | null;
  @nullableDate() budget_reset_at!: string | null;
  @ApiProperty({ type: [String] }) allowed_cache_controls!: string[];
  @ApiProperty({ type: [String] }) allowed_routes!: string[];
  @ApiProperty({ type: [String] }) policies!: string[];
  @ApiProperty({ type: [String] }) access_group_ids!: string[];
  @ApiProperty(JSON_OBJECT) model_spend!: Record<string, unknown>;
  @ApiProperty(JSON_OBJECT) model_max_budget!: Record<string, unknown>;
  @nullableString() budget_id!: string | null;
  @nullableString() organization_id!: string | null;
  @nullableString() object_permission_id!: string | null;
  @nullableDate() last_active!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) rotation_count!: number | null;
  @ApiProperty({ type: Boolean, nullable: true }) auto_rotate!: boolean | null;
  @nullableString() rotation_interval!: string | null;
  @nullableDate() last_rotation_at!: string | null;
  @nullableDate() key_rotation_at!: string | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true }) budget_limits!: Record<string, unknown> | null;
}

/** A key row with its budget (LiteLLM_BudgetTable) and object permission rows, when linked. */
export class KeyRowWithRelationsResponse extends KeyRowResponse {
  @ApiProperty({ ...JSON_OBJECT, nullable: true, description: 'The LiteLLM_BudgetTable row of budget_id' })
  litellm_budget_table!: Record<string, unknown> | null;
  @ApiPropertyOptional({
    ...JSON_OBJECT,
    nullable: true,
    description: 'The LiteLLM_ObjectPermissionTable row',
  })
  object_permission?: Record<string, unknown> | null;
}

/** A key row without its hash (GET /key/info). */
export class KeyInfoRow extends OmitType(KeyRowWithRelationsResponse, ['token'] as const) {}

/** GET /key/info: the row without its hash, under `info`. */
export class KeyInfoResponse {
  @ApiProperty({
    description: "The key as asked for (or the hash of the caller's own key)",
    example: 'sk-...',
  })
  key!: string;
  @ApiProperty({ type: KeyInfoRow }) info!: KeyInfoRow;
}

/** POST /v2/key/info: the keys asked for and the rows the caller may read. */
export class KeyInfoV2Response {
  @ApiProperty({ type: [String], example: ['sk-...'] }) key!: string[];
  @ApiProperty({ type: [KeyRowWithRelationsResponse] }) info!: KeyRowWithRelationsResponse[];
}

/** POST /key/update: the updated row with the key as sent. */
export class KeyUpdateResponse extends KeyRowResponse {
  @ApiProperty({ description: 'The key as sent (sk-... or its hash)', example: 'sk-...' }) key!: string;
  @ApiProperty({ ...JSON_OBJECT, nullable: true }) litellm_budget_table!: Record<string, unknown> | null;
}

class KeyBulkUpdateSuccess {
  @ApiProperty({ example: 'sk-...' }) key!: string;
  @ApiProperty({ type: KeyUpdateResponse }) key_info!: KeyUpdateResponse;
}

class KeyBulkUpdateFailure {
  @ApiProperty({ example: 'sk-...' }) key!: string;
  @ApiProperty({ ...JSON_OBJECT, description: 'The update as sent' }) key_info!: Record<string, unknown>;
  @ApiProperty({ example: 'Key not found, passed key=sk-...abcd' }) failed_reason!: string;
}

/** POST /key/bulk_update: each key succeeds or fails on its own. */
export class KeyBulkUpdateResponse {
  @ApiProperty({ type: 'integer', example: 2 }) total_requested!: number;
  @ApiProperty({ type: [KeyBulkUpdateSuccess] }) successful_updates!: KeyBulkUpdateSuccess[];
  @ApiProperty({ type: [KeyBulkUpdateFailure] }) failed_updates!: KeyBulkUpdateFailure[];
}

/** GET /key/aliases. */
export class KeyAliasesResponse {
  @ApiProperty({ type: [String], example: ['prod-backend'] }) aliases!: string[];
  @ApiProperty({ type: 'integer', example: 1 }) total_count!: number;
  @ApiProperty({ type: 'integer', example: 1 }) current_page!: number;
  @ApiProperty({ type: 'integer', example: 1 }) total_pages!: number;
  @ApiProperty({ type: 'integer', example: 50 }) size!: number;
}

/** POST /key/{key}/reset_spend. */
export class KeyResetSpendResponse {
  @ApiProperty({ example: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8' })
  key_hash!: string;
  @ApiProperty({ example: 7.5 }) previous_spend!: number;
  @ApiProperty({ example: 0 }) spend!: number;
  @ApiProperty({ type: Number, nullable: true, example: 10 }) max_budget!: number | null;
  @nullableDate() budget_reset_at!: string | null;
}

/**
 * POST /key/generate, /key/service-account/generate and the regenerate routes (LiteLLM's
 * GenerateKeyResponse): the request's fields echoed, then the stored row over them, and the raw key,
 * shown this once.
 */
export class KeyGenerateResponse extends IntersectionType(
  PartialType(KeyFieldsRequest),
  KeyRowWithRelationsResponse,
) {
  @ApiProperty({
    description: 'The raw key: shown once, stored only as its SHA-256 hash',
    example: 'sk-Xp3vM9c2...',
  })
  key!: string;
  @ApiProperty({
    description: 'Same as token',
    example: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
  })
  token_id!: string;
}

/** The regenerate routes also echo the grace period they were given. */
export class KeyRegenerateResponse extends KeyGenerateResponse {
  @ApiPropertyOptional({ type: String, nullable: true, example: '24h' })
  grace_period?: string | null;
}
