import request from 'supertest';
import { AuthCacheService } from '../src/platform/auth/auth-cache.service';
import { createTestApp, TestApp } from './app.factory';
import { bearer, createKey, createUser, updateKey, updateUser } from './factories';
import { eventually, tcpAnswers } from './pods';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two app instances ("pods") on one database: a key blocked through one is refused by the other. */
describe.each([
  ['postgres LISTEN/NOTIFY', { REDIS_URL: undefined, REDIS_HOST: undefined }],
  ['redis pub/sub', { REDIS_URL }],
])('auth cache invalidation across pods (%s)', (transport, env) => {
  let podA: TestApp;
  let podB: TestApp;
  let skip = false;

  beforeAll(async () => {
    if (env.REDIS_URL && !(await tcpAnswers(env.REDIS_URL, 6379))) {
      skip = true;
      return;
    }
    podA = await createTestApp({ env });
    podB = await createTestApp({ env });
  });
  afterAll(async () => {
    await podA?.close();
    await podB?.close();
  });

  it('should refuse a key on pod B within 1 s of pod A blocking it', async () => {
    if (skip) return console.warn(`skipped: no Redis at ${REDIS_URL}`);
    const { raw, token } = await createKey(podA.prisma);
    await request(podB.app.getHttpServer()).get('/user/available_roles').set(bearer(raw)).expect(200); // cached on B
    await updateKey(podA.prisma, token, { blocked: true });
    await podA.app.get(AuthCacheService).invalidateKey(token);
    const ms = await eventually(
      async () =>
        (await request(podB.app.getHttpServer()).get('/user/available_roles').set(bearer(raw))).status ===
        401,
      1000,
    );
    expect(ms).toBeLessThan(1000);
    expect(transport).toBeDefined();
  });

  it('should evict every key of a user on every pod when the user changes', async () => {
    if (skip) return;
    const user = await createUser(podA.prisma, 'internal_user', {
      user_id: `inv-${Date.now()}-${Math.random()}`,
    });
    const { raw } = await createKey(podA.prisma, { user_id: user.user_id });
    await request(podB.app.getHttpServer()).get('/user/available_roles').set(bearer(raw)).expect(200);
    await updateUser(podA.prisma, user.user_id, { metadata: { scim_active: false } });
    await podA.app.get(AuthCacheService).invalidateUser(user.user_id);
    await eventually(
      async () =>
        (await request(podB.app.getHttpServer()).get('/user/available_roles').set(bearer(raw))).status ===
        401,
      1000,
    );
  });
});
