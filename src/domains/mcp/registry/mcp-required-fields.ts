import { badRequest } from '../../../platform/common/errors/api-error';
import { ConfigError } from '../../../platform/config/config-error';

/** The fields of a submission (`NewMCPServerRequest`) `general_settings.mcp_required_fields` may name. */
export const SUBMISSION_FIELDS = [
  'server_id',
  'server_name',
  'alias',
  'description',
  'transport',
  'auth_type',
  'credentials',
  'url',
  'spec_path',
  'mcp_info',
  'mcp_access_groups',
  'allowed_tools',
  'tool_name_to_display_name',
  'tool_name_to_description',
  'extra_headers',
  'static_headers',
  'instructions',
  'command',
  'args',
  'env',
  'authorization_url',
  'token_url',
  'registration_url',
  'oauth2_flow',
  'allow_all_keys',
  'available_on_public_internet',
  'delegate_auth_to_upstream',
  'is_byok',
  'byok_description',
  'byok_api_key_help_url',
  'source_url',
];

/**
 * Checks `mcp_required_fields` once, at start-up: a name that is no submission field stops start-up
 * with one line (LiteLLM answers every submission 500 instead).
 */
export function checkRequiredFieldNames(fields: readonly string[]): void {
  const unknown = fields.filter((f) => !SUBMISSION_FIELDS.includes(f));
  if (unknown.length > 0)
    throw new ConfigError(
      'general_settings.mcp_required_fields',
      `names fields a submission does not have: ${unknown.join(', ')} (known: ${SUBMISSION_FIELDS.join(', ')})`,
    );
}

/**
 * E7: every required field must be filled: absent, null, an empty or blank string and an empty
 * list count as missing, and so does `auth_type: "none"` (LiteLLM's rule) → 400 naming them all.
 */
export function checkRequiredFields(body: object, fields: readonly string[]): void {
  const values = body as Record<string, unknown>;
  const missing = fields.filter((field) => {
    const value = values[field];
    if (value === undefined || value === null) return true;
    if (typeof value === 'string' && value.trim() === '') return true;
    if (Array.isArray(value) && value.length === 0) return true;
    return field === 'auth_type' && value === 'none';
  });
  if (missing.length > 0)
    throw badRequest(`Submission is missing required fields: ${JSON.stringify(missing)}`, missing[0]);
}
