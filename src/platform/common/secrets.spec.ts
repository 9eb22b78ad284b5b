import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { decryptSecret, encryptSecret, SecretDecryptionError, secretsKey, tryDecryptSecret } from './secrets';

const SALT = 'sk-salt-for-tests';

/** A GCM value laid out as spec secrets.md says: nonce[12] ‖ ciphertext ‖ tag[16], base64url. */
function gcmVector(plain: string, key: Buffer, prefix: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return prefix + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
}

/** A legacy NaCl secretbox value: nonce[24] ‖ box, key = SHA-256(salt). */
function secretboxBytes(plain: string, salt: string): Buffer {
  const key = createHash('sha256').update(salt).digest();
  const nonce = nacl.randomBytes(24);
  return Buffer.concat([nonce, nacl.secretbox(Buffer.from(plain, 'utf8'), nonce, key)]);
}

const v3Key = (salt: string) =>
  Buffer.from(hkdfSync('sha256', salt, Buffer.alloc(0), 'litellm-at-rest-v3', 32));
const v2Key = (salt: string) => createHash('sha256').update(salt).digest();

describe('secrets at rest', () => {
  it('should write v3:gcm: with padded base64url and read it back', () => {
    const stored = encryptSecret('sk-upstream-key', SALT);
    expect(stored).toMatch(/^v3:gcm:[A-Za-z0-9_-]+={0,2}$/);
    expect(stored).not.toContain('sk-upstream-key');
    expect(decryptSecret(stored, SALT)).toBe('sk-upstream-key');
    expect(encryptSecret('sk-upstream-key', SALT)).not.toBe(stored); // fresh nonce each time
  });

  it('should round-trip the empty string and non-ASCII text', () => {
    for (const plain of ['', 'ключ-🔑']) expect(decryptSecret(encryptSecret(plain, SALT), SALT)).toBe(plain);
  });

  it('should read a v3:gcm: value built with HKDF-SHA256 per the spec', () => {
    expect(decryptSecret(gcmVector('azure-key', v3Key(SALT), 'v3:gcm:'), SALT)).toBe('azure-key');
  });

  it('should read a v2:gcm: value keyed by the raw SHA-256 of the salt', () => {
    expect(decryptSecret(gcmVector('https://x.openai.azure.com', v2Key(SALT), 'v2:gcm:'), SALT)).toBe(
      'https://x.openai.azure.com',
    );
  });

  it('should read legacy secretbox values in base64url and in standard base64', () => {
    let urlSafe = '';
    let standard = '';
    // Loop until the two alphabets differ, so both decoders are really exercised.
    while (urlSafe === standard) {
      const bytes = secretboxBytes('openai/gpt-4o', SALT);
      urlSafe = bytes.toString('base64url');
      standard = bytes.toString('base64');
    }
    expect(decryptSecret(urlSafe, SALT)).toBe('openai/gpt-4o');
    expect(decryptSecret(standard, SALT)).toBe('openai/gpt-4o');
  });

  it.each([
    ['v3', (salt: string) => encryptSecret('x', salt)],
    ['v2', (salt: string) => gcmVector('x', v2Key(salt), 'v2:gcm:')],
    ['legacy', (salt: string) => secretboxBytes('x', salt).toString('base64url')],
  ])(
    'should refuse a %s value under another salt key, naming LITELLM_SALT_KEY and not the value',
    (_, make) => {
      const stored = make('sk-other-salt');
      expect(() => decryptSecret(stored, SALT)).toThrow(SecretDecryptionError);
      expect(() => decryptSecret(stored, SALT)).toThrow(/check LITELLM_SALT_KEY/);
      try {
        decryptSecret(stored, SALT);
      } catch (e) {
        expect((e as Error).message).not.toContain(stored);
      }
    },
  );

  it('should leave plain text to tryDecryptSecret callers as undefined', () => {
    expect(tryDecryptSecret('openai/gpt-4o', SALT)).toBeUndefined();
    expect(tryDecryptSecret('v3:gcm:not-base64!', SALT)).toBeUndefined();
    expect(tryDecryptSecret(encryptSecret('y', SALT), SALT)).toBe('y');
  });

  it('should take LITELLM_SALT_KEY, else the master key', () => {
    expect(secretsKey({ saltKey: 'salt', masterKey: 'sk-master' })).toBe('salt');
    expect(secretsKey({ saltKey: undefined, masterKey: 'sk-master' })).toBe('sk-master');
    expect(() => secretsKey({})).toThrow();
  });
});
