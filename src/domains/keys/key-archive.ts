import { Prisma } from '@prisma/client';

/**
 * The columns LiteLLM_DeletedVerificationToken shares with LiteLLM_VerificationToken (every key
 * column except `budget_limits`), so archiving is one set-based INSERT ... SELECT.
 */
const ARCHIVED_COLUMNS = [
  'token', 'key_name', 'key_alias', 'soft_budget_cooldown', 'spend', 'expires', 'models', 'aliases', 'config',
  'user_id', 'team_id', 'agent_id', 'project_id', 'permissions', 'max_parallel_requests', 'metadata', 'blocked',
  'tpm_limit', 'rpm_limit', 'max_budget', 'budget_duration', 'budget_reset_at', 'allowed_cache_controls',
  'allowed_routes', 'policies', 'access_group_ids', 'model_spend', 'model_max_budget', 'router_settings', 'budget_id',
  'organization_id', 'object_permission_id', 'created_at', 'created_by', 'updated_at', 'updated_by', 'last_active',
  'rotation_count', 'auto_rotate', 'rotation_interval', 'last_rotation_at', 'key_rotation_at',
] as const; // prettier-ignore

const COLUMN_LIST = Prisma.raw(ARCHIVED_COLUMNS.map((c) => `"${c}"`).join(', '));

export interface ArchiveBy {
  deletedBy: string;
  deletedByApiKey: string;
  changedBy: string | null;
}

/** Copies the keys' rows into LiteLLM_DeletedVerificationToken; returns how many were copied. */
export function archiveKeys(tx: Prisma.TransactionClient, tokens: string[], by: ArchiveBy): Promise<number> {
  return tx.$executeRaw`
    INSERT INTO "LiteLLM_DeletedVerificationToken" (id, ${COLUMN_LIST}, deleted_at, deleted_by, deleted_by_api_key, litellm_changed_by)
    SELECT gen_random_uuid()::text, ${COLUMN_LIST}, now(), ${by.deletedBy}, ${by.deletedByApiKey}, ${by.changedBy}
    FROM "LiteLLM_VerificationToken" WHERE token = ANY(${tokens})`;
}
