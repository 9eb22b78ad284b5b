import { encryptSecret, tryDecryptSecret } from '../../../platform/common/secrets';
import type { McpCredentials } from './mcp-server';

type Json = Record<string, unknown>;

/** The fields of `LiteLLM_MCPServerTable.credentials` LiteLLM encrypts one by one (db.py). */
export const SECRET_CREDENTIAL_FIELDS = [
  'auth_value',
  'client_id',
  'client_secret',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
] as const;

const SECRET_FIELDS = new Set<string>(SECRET_CREDENTIAL_FIELDS);
/** Newer LiteLLM writes a marker in front of some ciphertexts (secrets.md). */
const ENC_MARKER = 'litellm_enc::';
const GCM_PREFIX = /^v[23]:gcm:/;

/** What a stored credentials value decrypts to, and the fields that would not open (names only). */
export interface StoredCredentials {
  fields: Json;
  unreadable: string[];
}

/**
 * `credentials` as LiteLLM writes it, in the clear. Three shapes are read: a JSON object whose
 * secret fields are encrypted one by one (LiteLLM's db.py), the same object as JSON text (written
 * through `json.dumps`), and newer code's one ciphertext of the whole JSON map. A field that is
 * not a ciphertext is kept as written (LiteLLM reads with `return_original_value`); a `v2:`/`v3:`
 * ciphertext that does not open is dropped and named in `unreadable`, never used as plain text.
 */
export function readStoredCredentials(stored: unknown, saltKey: string | undefined): StoredCredentials {
  const map = credentialsMap(stored, saltKey);
  const fields: Json = {};
  const unreadable: string[] = [];
  for (const [name, value] of Object.entries(map)) {
    if (!SECRET_FIELDS.has(name) || typeof value !== 'string') fields[name] = value;
    else {
      const opened = openSecret(value, saltKey);
      if (opened === undefined) unreadable.push(name);
      else fields[name] = opened;
    }
  }
  return { fields, unreadable };
}

/** The JSON map a stored value holds, before its fields are decrypted. */
function credentialsMap(stored: unknown, saltKey: string | undefined): Json {
  if (isObject(stored)) return stored;
  if (typeof stored !== 'string' || stored === '') return {};
  const parsed = parseObject(stored);
  if (parsed) return parsed;
  const whole = openSecret(stored, saltKey);
  return (whole === undefined ? undefined : parseObject(whole)) ?? {};
}

/**
 * One stored secret in the clear: a ciphertext that opens → its plain text; a `v2:`/`v3:`
 * ciphertext that does not → undefined; anything else is a value stored unencrypted.
 */
function openSecret(value: string, saltKey: string | undefined): string | undefined {
  const bare = value.startsWith(ENC_MARKER) ? value.slice(ENC_MARKER.length) : value;
  const opened = saltKey === undefined ? undefined : tryDecryptSecret(bare, saltKey);
  if (opened !== undefined) return opened;
  return GCM_PREFIX.test(bare) || bare !== value ? undefined : value;
}

/** Credentials to store: each secret field encrypted on its own (`v3:gcm:`), the rest as sent. */
export function encryptCredentials(fields: Json, saltKey: string): Json {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k, SECRET_FIELDS.has(k) && typeof v === 'string' ? encryptSecret(v, saltKey) : v]),
  );
}

/** The stored map (already encrypted) as a plain object, whatever shape LiteLLM wrote it in. */
export function storedCredentialsObject(stored: unknown, saltKey: string | undefined): Json {
  if (isObject(stored)) return { ...stored };
  if (typeof stored !== 'string' || stored === '') return {};
  const parsed = parseObject(stored);
  if (parsed) return parsed;
  // One ciphertext of the whole map: re-encrypt its fields one by one so a merge can add to it.
  const whole = openSecret(stored, saltKey);
  const map = whole === undefined ? undefined : parseObject(whole);
  return map && saltKey !== undefined ? encryptCredentials(map, saltKey) : {};
}

/** The decrypted map as the registry hands it to the MCP gateway (`McpCredentials`). */
export function toMcpCredentials(fields: Json): McpCredentials {
  const { auth_value, client_id, client_secret, scopes, ...rest } = fields;
  const credentials: McpCredentials = { ...rest };
  if (typeof auth_value === 'string') credentials.authValue = auth_value;
  if (typeof client_id === 'string') credentials.clientId = client_id;
  if (typeof client_secret === 'string') credentials.clientSecret = client_secret;
  if (Array.isArray(scopes)) credentials.scopes = scopes.filter((s): s is string => typeof s === 'string');
  return credentials;
}

/**
 * `LiteLLM_MCPUserCredentials.credential_b64` in the clear: a ciphertext (current writers), else
 * plain urlsafe base64 (older LiteLLM wrote the credential unencrypted). Undefined when neither.
 */
export function decodeUserCredential(stored: string, saltKey: string | undefined): string | undefined {
  const opened = saltKey === undefined ? undefined : tryDecryptSecret(stored, saltKey);
  if (opened !== undefined) return opened;
  if (GCM_PREFIX.test(stored) || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(stored)) return undefined;
  const bytes = Buffer.from(stored, 'base64');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) && text !== '' ? text : undefined;
}

function parseObject(text: string): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
