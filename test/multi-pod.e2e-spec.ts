import { describeTwoPods, eventually, POD_MASTER_KEY as MASTER } from './pods';

/**
 * Two real server processes on one database (and Redis when it answers): revocation through one
 * pod is seen by the other within a second; a rotated key's grace period holds on both.
 */
describeTwoPods('two app processes', (pair) => {
  const { call, works } = pair;
  const skip = () => pair.skip;
  it('should refuse a key on pod B within 1 s after pod A blocks it', async () => {
    if (skip()) return console.warn(`skipped: ${skip()}`);
    const { body: key } = await call(0, 'POST', '/key/generate', MASTER, {});
    expect(await works(1, key.key)).toBe(true); // now cached on B
    expect((await call(0, 'POST', '/key/block', MASTER, { key: key.key })).status).toBe(200);
    const ms = await eventually(async () => !(await works(1, key.key)), 1000);
    expect(ms).toBeLessThan(1000);
    expect((await call(1, 'GET', '/key/info', key.key)).body.error.message).toContain('Key is blocked');
  });

  it('should refuse a deleted key on pod B within 1 s', async () => {
    if (skip()) return;
    const { body: key } = await call(0, 'POST', '/key/generate', MASTER, {});
    expect(await works(1, key.key)).toBe(true);
    expect((await call(0, 'POST', '/key/delete', MASTER, { keys: [key.key] })).status).toBe(200);
    await eventually(async () => !(await works(1, key.key)), 1000);
  });

  it("should keep a regenerated key's old value working on both pods during its grace period, then refuse it", async () => {
    if (skip()) return;
    const { body: key } = await call(0, 'POST', '/key/generate', MASTER, {});
    expect(await works(1, key.key)).toBe(true);
    const { status, body: rotated } = await call(0, 'POST', '/key/regenerate', MASTER, {
      key: key.key,
      grace_period: '3s',
    });
    expect(status).toBe(200);
    const revokeAt = Date.now() + 3000;
    expect(await works(0, key.key)).toBe(true);
    expect(await works(1, key.key)).toBe(true);
    expect(await works(1, rotated.key)).toBe(true);
    await new Promise((r) => setTimeout(r, Math.max(0, revokeAt - Date.now() + 50)));
    expect(await works(0, key.key)).toBe(false);
    expect(await works(1, key.key)).toBe(false);
    expect(await works(1, rotated.key)).toBe(true);
  });
});
