import { existsSync } from 'node:fs';
import { createEmptyDatabase } from './database';
import { eventually, MAIN_JS, startPods, tcpAnswers } from './pods';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MASTER = 'sk-1234';

/**
 * Two real server processes on one database (and Redis when it answers): revocation through one
 * pod is seen by the other within a second; a rotated key's grace period holds on both.
 */
describe.each([
  ['redis', true],
  ['postgres notify', false],
])('two app processes (%s invalidation)', (_name, useRedis) => {
  let ctx: Awaited<ReturnType<typeof startPods>> | undefined;
  let db: Awaited<ReturnType<typeof createEmptyDatabase>> | undefined;
  let skip = '';

  beforeAll(async () => {
    if (!existsSync(MAIN_JS)) skip = 'dist/main.js not built';
    else if (useRedis && !(await tcpAnswers(REDIS_URL, 6379))) skip = `no Redis at ${REDIS_URL}`;
    if (skip) return;
    db = await createEmptyDatabase('cp_pods');
    ctx = await startPods(2, {
      DATABASE_URL: db.url,
      LITELLM_MASTER_KEY: MASTER,
      REDIS_URL: useRedis ? REDIS_URL : '',
    });
  }, 90_000);
  afterAll(async () => {
    await ctx?.stop();
    await db?.drop();
  });

  const call = async (pod: number, method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${ctx!.pods[pod].url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const works = async (pod: number, key: string) => (await call(pod, 'GET', '/key/info', key)).status === 200;

  it('should refuse a key on pod B within 1 s after pod A blocks it', async () => {
    if (skip) return console.warn(`skipped: ${skip}`);
    const { body: key } = await call(0, 'POST', '/key/generate', MASTER, {});
    expect(await works(1, key.key)).toBe(true); // now cached on B
    expect((await call(0, 'POST', '/key/block', MASTER, { key: key.key })).status).toBe(200);
    const ms = await eventually(async () => !(await works(1, key.key)), 1000);
    expect(ms).toBeLessThan(1000);
    expect((await call(1, 'GET', '/key/info', key.key)).body.error.message).toContain('Key is blocked');
  });

  it('should refuse a deleted key on pod B within 1 s', async () => {
    if (skip) return;
    const { body: key } = await call(0, 'POST', '/key/generate', MASTER, {});
    expect(await works(1, key.key)).toBe(true);
    expect((await call(0, 'POST', '/key/delete', MASTER, { keys: [key.key] })).status).toBe(200);
    await eventually(async () => !(await works(1, key.key)), 1000);
  });

  it("should keep a regenerated key's old value working on both pods during its grace period, then refuse it", async () => {
    if (skip) return;
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
