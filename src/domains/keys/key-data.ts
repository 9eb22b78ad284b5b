import { randomBytes } from 'node:crypto';
import { Prisma } from '@prisma/client';
import { badRequest } from '../../platform/common/errors/api-error';
import { validateModelMaxBudget } from '../../platform/common/model-max-budget';
import {
  assertDuration,
  budgetResetFromDuration,
  expiryFromDuration,
} from '../../platform/common/durations-input';
import { addDuration } from '../../platform/common/duration';
import { abbreviateKey, hashApiKey } from '../../platform/common/hashing';
import type { KeyFieldsRequest } from './dto/key-fields.request';

/** Request fields LiteLLM keeps inside `metadata` rather than in columns. */
const METADATA_FIELDS = [
  'model_rpm_limit',
  'model_tpm_limit',
  'rpm_limit_type',
  'tpm_limit_type',
  'tags',
  'guardrails',
  'prompts',
  'enforced_params',
  'allowed_passthrough_routes',
  'allowed_vector_store_indexes',
  'temp_budget_increase',
  'temp_budget_expiry',
] as const;

/** `key_type` seeds `allowed_routes` (spec tenancy.md §3.3). */
const KEY_TYPE_ROUTES: Record<string, string[] | undefined> = {
  llm_api: ['llm_api_routes'],
  management: ['management_routes'],
  read_only: ['info_routes'],
};

/** Scalar/JSON columns copied as sent (undefined = not sent = unchanged). */
const DIRECT_FIELDS = [
  'key_alias',
  'user_id',
  'team_id',
  'organization_id',
  'project_id',
  'agent_id',
  'budget_id',
  'max_budget',
  'budget_duration',
  'max_parallel_requests',
  'blocked',
  'auto_rotate',
  'rotation_interval',
] as const;
const JSON_FIELDS = ['model_max_budget', 'aliases', 'config', 'permissions', 'router_settings'] as const;
const LIST_FIELDS = [
  'models',
  'allowed_cache_controls',
  'allowed_routes',
  'access_group_ids',
  'policies',
] as const;

export const KEY_TABLE = 'LiteLLM_VerificationToken';

/** A key row as the write paths read and answer it: with its linked budget. */
export type KeyRow = Prisma.LiteLLM_VerificationTokenGetPayload<{ include: { litellm_budget_table: true } }>;

/** A `key` parameter: a raw `sk-` key is hashed; anything else is taken as the stored hash. */
export function toTokenHash(value: string): string {
  return value.startsWith('sk-') ? hashApiKey(value) : value;
}

/** New key material: LiteLLM's format `sk-` + URL-safe random. */
export function newRawKey(): string {
  return `sk-${randomBytes(24).toString('base64url')}`;
}

/** A caller-chosen key (`key` on generate, `new_key` on regenerate). */
export function validateCustomKey(value: string, field: string): string {
  if (!value.startsWith('sk-')) {
    const masked = value.length > 8 ? `${value.slice(0, 4)}****${value.slice(-4)}` : '****';
    throw badRequest(
      `Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: ${masked}`,
      field,
    );
  }
  if (value.length < 12 || !/^sk-[A-Za-z0-9_\-.]+$/.test(value)) {
    throw badRequest(
      `Invalid key format. A custom key needs at least 9 characters after 'sk-', using letters, digits, '-', '_' or '.'.`,
      field,
    );
  }
  return value;
}

export function keyName(rawKey: string, disabled: boolean): string | null {
  return disabled ? null : abbreviateKey(rawKey);
}

/** The GenerateKeyResponse shape: request fields, the row, and the raw key (shown this once). */
export function keyGenerateResponse(req: KeyFieldsRequest, row: KeyRow, rawKey: string) {
  const echo = Object.fromEntries(Object.entries(req).filter(([k]) => k !== 'key' && k !== 'new_key'));
  return { ...echo, ...row, key: rawKey, key_name: row.key_name, token: row.token, token_id: row.token };
}

/** Business-rule checks shared by generate, update and regenerate (400 with LiteLLM's messages). */
export function validateKeyFields(req: KeyFieldsRequest): void {
  for (const field of ['max_budget', 'soft_budget'] as const) {
    const value = req[field];
    if (typeof value === 'number' && value < 0) {
      throw badRequest(`${field} cannot be negative. Received: ${value}`, field);
    }
  }
  if (typeof req.spend === 'number' && req.spend < 0)
    throw badRequest(`spend cannot be negative. Received: ${req.spend}`, 'spend');
  if (req.model_max_budget) validateModelMaxBudget(req.model_max_budget);
  assertDuration(req.rotation_interval, 'rotation_interval');
  if (req.auto_rotate && req.rotation_interval === null) {
    throw badRequest('rotation_interval is required when auto_rotate is true', 'rotation_interval');
  }
}

/**
 * LiteLLM's reserved metadata fields: kept when `metadata` is replaced, and immutable once set
 * (`LiteLLM_Reserved_Metadata_Fields` in its `_types.py`).
 */
const RESERVED_METADATA_FIELDS = ['service_account_id'] as const;

/**
 * `metadata` sent on an update replaces the stored one, as in LiteLLM (so `{}` clears it), except
 * for the reserved fields, which keep their stored value and may not be changed.
 */
function replacedMetadata(
  req: KeyFieldsRequest,
  existingMetadata: Record<string, unknown>,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ...(req.metadata ?? {}) };
  for (const field of RESERVED_METADATA_FIELDS) {
    const stored = existingMetadata[field];
    if (stored === undefined || stored === null) continue;
    if (field in metadata && metadata[field] !== stored) {
      throw badRequest(
        `${field} is immutable once set and cannot be changed via update.`,
        `metadata.${field}`,
      );
    }
    metadata[field] = stored;
  }
  return metadata;
}

/**
 * The columns a request sets. Metadata sent replaces `existingMetadata` (update semantics, see
 * `replacedMetadata`); metadata fields sent as top-level fields (tags, guardrails, …) are set on top.
 * On generate `existingMetadata` is `{}`. Only fields present in the request are returned.
 */
export function keyColumns(
  req: KeyFieldsRequest,
  now: Date,
  existingMetadata: Record<string, unknown> = {},
): Prisma.LiteLLM_VerificationTokenUncheckedUpdateInput {
  const data: Record<string, unknown> = {};
  for (const field of DIRECT_FIELDS) if (req[field] !== undefined) data[field] = req[field];
  for (const field of JSON_FIELDS) if (req[field] !== undefined) data[field] = req[field] ?? {};
  for (const field of LIST_FIELDS) if (req[field] !== undefined) data[field] = req[field] ?? [];
  if (req.tpm_limit !== undefined) data.tpm_limit = req.tpm_limit === null ? null : BigInt(req.tpm_limit);
  if (req.rpm_limit !== undefined) data.rpm_limit = req.rpm_limit === null ? null : BigInt(req.rpm_limit);
  if (req.spend !== undefined) data.spend = req.spend ?? 0;
  if (req.key_type && KEY_TYPE_ROUTES[req.key_type] && req.allowed_routes === undefined) {
    data.allowed_routes = KEY_TYPE_ROUTES[req.key_type];
  }

  const expires = expiryFromDuration(req.duration, now);
  if (expires !== undefined) data.expires = expires;
  const resetAt = budgetResetFromDuration(req.budget_duration, now);
  if (resetAt !== undefined) data.budget_reset_at = resetAt;
  if (req.auto_rotate === false) data.key_rotation_at = null;
  if (req.auto_rotate && req.rotation_interval)
    data.key_rotation_at = addDuration(now, req.rotation_interval);

  // null counts as not sent: LiteLLM drops None values before applying an update.
  const metadata = req.metadata == null ? { ...existingMetadata } : replacedMetadata(req, existingMetadata);
  let metadataChanged = req.metadata != null;
  for (const field of METADATA_FIELDS) {
    const value = (req as Record<string, unknown>)[field];
    if (value !== undefined) {
      metadata[field] = value;
      metadataChanged = true;
    }
  }
  if (metadataChanged) data.metadata = metadata as Prisma.InputJsonValue;
  return data as Prisma.LiteLLM_VerificationTokenUncheckedUpdateInput;
}
