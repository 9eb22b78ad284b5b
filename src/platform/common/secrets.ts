import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';

/**
 * Secrets at rest in LiteLLM's formats (spec secrets.md), so a LiteLLM database's stored
 * credentials stay readable and what we write stays readable by LiteLLM:
 * - `v3:gcm:` (written): AES-256-GCM, key = HKDF-SHA256(salt key, no salt, info `litellm-at-rest-v3`);
 * - `v2:gcm:`: AES-256-GCM, key = SHA-256(salt key);
 * - legacy (no prefix): NaCl secretbox (XSalsa20-Poly1305), key = SHA-256(salt key), base64url or base64.
 * The salt key is LITELLM_SALT_KEY, else the master key (`secretsKey`).
 */

const V3 = 'v3:gcm:';
const V2 = 'v2:gcm:';
const V3_INFO = 'litellm-at-rest-v3';
const GCM_NONCE = 12;
const GCM_TAG = 16;
const SECRETBOX_MIN = nacl.secretbox.nonceLength + nacl.secretbox.overheadLength;

/** A stored secret that does not open with this salt key. Never carries the value itself. */
export class SecretDecryptionError extends Error {
  constructor(format: string) {
    super(
      `A stored secret (${format} format) could not be decrypted: check LITELLM_SALT_KEY (when unset, the master key is used; it must be the one the secret was written with)`,
    );
    this.name = 'SecretDecryptionError';
  }
}

/** The key secrets are encrypted with: LITELLM_SALT_KEY, else the master key (as LiteLLM). */
export function secretsKey(config: { saltKey?: string; masterKey?: string }): string {
  const key = config.saltKey || config.masterKey;
  if (!key) throw new Error('no LITELLM_SALT_KEY or master key to encrypt secrets with');
  return key;
}

export function encryptSecret(plain: string, saltKey: string): string {
  const nonce = randomBytes(GCM_NONCE);
  const cipher = createCipheriv('aes-256-gcm', v3Key(saltKey), nonce);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return V3 + toBase64Url(Buffer.concat([nonce, body]));
}

/** Reads any of the three formats; throws `SecretDecryptionError` when the value does not open. */
export function decryptSecret(value: string, saltKey: string): string {
  if (value.startsWith(V3)) return openGcm(value.slice(V3.length), v3Key(saltKey), 'v3:gcm');
  if (value.startsWith(V2)) return openGcm(value.slice(V2.length), sha256(saltKey), 'v2:gcm');
  return openSecretbox(value, sha256(saltKey));
}

/** `decryptSecret`, or undefined when the value is not a secret this key opens (e.g. plain text). */
export function tryDecryptSecret(value: string, saltKey: string): string | undefined {
  try {
    return decryptSecret(value, saltKey);
  } catch (e) {
    if (e instanceof SecretDecryptionError) return undefined;
    throw e;
  }
}

function openGcm(encoded: string, key: Buffer, format: string): string {
  const raw = Buffer.from(encoded, 'base64url');
  if (raw.length < GCM_NONCE + GCM_TAG) throw new SecretDecryptionError(format);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, GCM_NONCE));
    decipher.setAuthTag(raw.subarray(raw.length - GCM_TAG));
    const plain = Buffer.concat([
      decipher.update(raw.subarray(GCM_NONCE, raw.length - GCM_TAG)),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch {
    throw new SecretDecryptionError(format);
  }
}

/** Node's base64 decoder reads both alphabets, so base64url and older standard-base64 rows decode alike. */
function openSecretbox(encoded: string, key: Buffer): string {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(encoded)) throw new SecretDecryptionError('legacy');
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length < SECRETBOX_MIN) throw new SecretDecryptionError('legacy');
  const nonce = raw.subarray(0, nacl.secretbox.nonceLength);
  const plain = nacl.secretbox.open(raw.subarray(nacl.secretbox.nonceLength), nonce, key);
  if (!plain) throw new SecretDecryptionError('legacy');
  return Buffer.from(plain).toString('utf8');
}

// A registry reload decrypts every string of every stored model: derive each key once per salt key.
const derived = new Map<string, Buffer>();

function memo(kind: string, saltKey: string, derive: () => Buffer): Buffer {
  const id = `${kind}\0${saltKey}`;
  let key = derived.get(id);
  if (!key) {
    if (derived.size >= 16) derived.clear();
    key = derive();
    derived.set(id, key);
  }
  return key;
}

function v3Key(saltKey: string): Buffer {
  return memo('v3', saltKey, () =>
    Buffer.from(hkdfSync('sha256', Buffer.from(saltKey, 'utf8'), Buffer.alloc(0), V3_INFO, 32)),
  );
}

function sha256(saltKey: string): Buffer {
  return memo('sha256', saltKey, () => createHash('sha256').update(saltKey, 'utf8').digest());
}

/** Padded, as Python's `urlsafe_b64encode` writes and its decoder requires. */
function toBase64Url(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
