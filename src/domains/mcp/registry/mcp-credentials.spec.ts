import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { encryptSecret } from '../../../platform/common/secrets';
import {
  decodeUserCredential,
  encryptCredentials,
  readStoredCredentials,
  storedCredentialsObject,
  toMcpCredentials,
} from './mcp-credentials';

const SALT = 'sk-salt-for-mcp-spec';

/** LiteLLM's legacy writer: NaCl secretbox under sha256(salt), urlsafe base64. */
function legacyEncrypt(plain: string, salt = SALT): string {
  const key = createHash('sha256').update(salt).digest();
  const nonce = randomBytes(24);
  const box = nacl.secretbox(Buffer.from(plain), nonce, key);
  return Buffer.concat([nonce, Buffer.from(box)]).toString('base64url');
}

/** LiteLLM's v2 writer: AES-256-GCM under sha256(salt). */
function v2Encrypt(plain: string, salt = SALT): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', createHash('sha256').update(salt).digest(), nonce);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return 'v2:gcm:' + Buffer.concat([nonce, body]).toString('base64url');
}

describe('MCP server credentials at rest', () => {
  it('should open a map whose secret fields are encrypted one by one, in every format, keeping plain fields', () => {
    const stored = {
      auth_value: legacyEncrypt('tok-legacy'),
      client_id: v2Encrypt('cid-v2'),
      client_secret: encryptSecret('secret-v3', SALT),
      aws_access_key_id: 'litellm_enc::' + encryptSecret('AKIA', SALT),
      aws_region_name: 'eu-west-1',
      scopes: ['read', 'write'],
    };
    expect(readStoredCredentials(stored, SALT)).toEqual({
      fields: {
        auth_value: 'tok-legacy',
        client_id: 'cid-v2',
        client_secret: 'secret-v3',
        aws_access_key_id: 'AKIA',
        aws_region_name: 'eu-west-1',
        scopes: ['read', 'write'],
      },
      unreadable: [],
    });
  });

  it('should read the map written as JSON text and as one ciphertext of the whole map', () => {
    const asText = JSON.stringify({ auth_value: legacyEncrypt('tok-a') });
    expect(readStoredCredentials(asText, SALT).fields).toEqual({ auth_value: 'tok-a' });
    const whole = encryptSecret(JSON.stringify({ auth_value: 'tok-b', client_secret: 'cs' }), SALT);
    expect(readStoredCredentials(whole, SALT).fields).toEqual({ auth_value: 'tok-b', client_secret: 'cs' });
    expect(
      readStoredCredentials(legacyEncrypt(JSON.stringify({ auth_value: 'tok-c' })), SALT).fields,
    ).toEqual({
      auth_value: 'tok-c',
    });
  });

  it('should keep a value stored unencrypted, and drop (naming it) a ciphertext of another salt key', () => {
    const stored = { auth_value: 'plain-token', client_secret: encryptSecret('x', 'another-salt') };
    expect(readStoredCredentials(stored, SALT)).toEqual({
      fields: { auth_value: 'plain-token' },
      unreadable: ['client_secret'],
    });
    expect(readStoredCredentials(null, SALT)).toEqual({ fields: {}, unreadable: [] });
  });

  it('should encrypt only the secret fields, in v3, and read them back', () => {
    const stored = encryptCredentials(
      { auth_value: 'tok', aws_region_name: 'us-east-1', client_id: null },
      SALT,
    );
    expect(stored.auth_value).toMatch(/^v3:gcm:/);
    expect(stored).toEqual({ auth_value: expect.any(String), aws_region_name: 'us-east-1' });
    expect(readStoredCredentials(stored, SALT).fields).toEqual({
      auth_value: 'tok',
      aws_region_name: 'us-east-1',
    });
    expect(storedCredentialsObject(JSON.stringify(stored), SALT)).toEqual(stored);
  });

  it('should name the fields the MCP gateway uses', () => {
    expect(
      toMcpCredentials({ auth_value: 'a', client_id: 'b', client_secret: 'c', scopes: ['s'], x: 1 }),
    ).toEqual({
      authValue: 'a',
      clientId: 'b',
      clientSecret: 'c',
      scopes: ['s'],
      x: 1,
    });
  });

  it('should decode a BYOK credential_b64 encrypted (current) or as plain urlsafe base64 (older LiteLLM)', () => {
    expect(decodeUserCredential(encryptSecret('byok-1', SALT), SALT)).toBe('byok-1');
    expect(decodeUserCredential(legacyEncrypt('byok-2'), SALT)).toBe('byok-2');
    expect(decodeUserCredential(Buffer.from('byok-3').toString('base64url'), SALT)).toBe('byok-3');
    expect(decodeUserCredential(encryptSecret('byok-4', 'another-salt'), SALT)).toBeUndefined();
  });
});
