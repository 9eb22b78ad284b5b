import request from 'supertest';
import { BUS_TRANSPORTS, TEST_REDIS_URL, useTwoApps } from './two-apps';
import { AuthCacheService } from '../src/platform/auth/auth-cache.service';
import { bearer, createKey, createUser, updateKey, updateUser } from './factories';
import { eventually } from './pods';

/** Two app instances ("pods") on one database: a key blocked through one is refused by the other. */
describe.each(BUS_TRANSPORTS)('auth cache invalidation across pods (%s)', (transport, env) => {
  const pods = useTwoApps(env);

  it('should refuse a key on pod B within 1 s of pod A blocking it', async () => {
    if (pods.skip) return console.warn(`skipped: no Redis at ${TEST_REDIS_URL}`);
    const { raw, token } = await createKey(pods.podA.prisma);
    await request(pods.podB.app.getHttpServer()).get('/user/available_roles').set(bearer(raw)).expect(200); // cached on B
    await updateKey(pods.podA.prisma, token, { blocked: true });
    await pods.podA.app.get(AuthCacheService).invalidateKey(token);
    const ms = await eventually(
      async () =>
        (await request(pods.podB.app.getHttpServer()).get('/user/available_roles').set(bearer(raw)))
          .status === 401,
      1000,
    );
    expect(ms).toBeLessThan(1000);
    expect(transport).toBeDefined();
  });

  it('should evict every key of a user on every pod when the user changes', async () => {
    if (pods.skip) return;
    const user = await createUser(pods.podA.prisma, 'internal_user', {
      user_id: `inv-${Date.now()}-${Math.random()}`,
    });
    const { raw } = await createKey(pods.podA.prisma, { user_id: user.user_id });
    await request(pods.podB.app.getHttpServer()).get('/user/available_roles').set(bearer(raw)).expect(200);
    await updateUser(pods.podA.prisma, user.user_id, { metadata: { scim_active: false } });
    await pods.podA.app.get(AuthCacheService).invalidateUser(user.user_id);
    await eventually(
      async () =>
        (await request(pods.podB.app.getHttpServer()).get('/user/available_roles').set(bearer(raw)))
          .status === 401,
      1000,
    );
  });
});
