import { hashPassword, verifyPassword } from './password';

describe('password hashing', () => {
  it('should store a salted scrypt hash in the documented format and verify it', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterx', stored)).toBe(false);
    expect(await hashPassword('correct horse battery')).not.toBe(stored);
  });

  it('should refuse values that are not in our format, without throwing', async () => {
    for (const stored of [
      null,
      undefined,
      '',
      'plaintext',
      'scrypt$x$8$1$a$b',
      'scrypt$1099511627776$8$1$YQ$Yg',
      'scrypt$16384$8$1$YQ$',
    ])
      expect(await verifyPassword('anything', stored)).toBe(false);
  });
});
