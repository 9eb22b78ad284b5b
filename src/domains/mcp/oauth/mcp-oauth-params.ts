/**
 * The named string fields of a query or form, as sent; repeated or nested values are dropped
 * (`?state=a&state=b` is not a state).
 */
export function stringFields<K extends string>(
  source: unknown,
  names: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  if (source === null || typeof source !== 'object') return out;
  for (const name of names) {
    const value = (source as Record<string, unknown>)[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

export const AUTHORIZE_FIELDS = [
  'redirect_uri',
  'client_id',
  'state',
  'code_challenge',
  'code_challenge_method',
  'response_type',
  'scope',
] as const;

export const TOKEN_FIELDS = [
  'grant_type',
  'code',
  'redirect_uri',
  'client_id',
  'client_secret',
  'code_verifier',
  'refresh_token',
  'scope',
] as const;

export const CALLBACK_FIELDS = ['code', 'state', 'error', 'error_description', 'error_uri'] as const;
