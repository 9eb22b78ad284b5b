import request from 'supertest';
import { BUS_TRANSPORTS, TEST_REDIS_URL, useTwoApps } from './two-apps';
import { DeploymentsService } from '../src/domains/gateway/deployments/deployments.service';
import { MASTER_KEY, uniq } from './app.factory';
import { InvalidationBus } from '../src/platform/auth/invalidation-bus';
import { bearer, createProxyModel } from './factories';
import { eventually } from './pods';

/** Two app instances ("pods") on one database: a model added, changed or deleted on A is served so by B. */
describe.each(BUS_TRANSPORTS)('model registry across pods (%s)', (_transport, env) => {
  const pods = useTwoApps(env);
  const onB = () => pods.podB.app.get(DeploymentsService);
  const listedOnB = async (name: string) => {
    const res = await request(pods.podB.app.getHttpServer())
      .get('/model/info')
      .set(bearer(MASTER_KEY))
      .expect(200);
    return (res.body.data as { model_name: string }[]).some((m) => m.model_name === name);
  };

  it('should serve a model added on pod A from pod B within 1 s, and stop when A deletes it', async () => {
    if (pods.skip) return console.warn(`skipped: no Redis at ${TEST_REDIS_URL}`);
    const name = uniq('pods-model');
    expect(await listedOnB(name)).toBe(false);
    const created = await request(pods.podA.app.getHttpServer())
      .post('/model/new')
      .set(bearer(MASTER_KEY))
      .send({ model_name: name, litellm_params: { model: 'openai/gpt-4o', api_key: 'sk-pods', rpm: 5 } })
      .expect(200);
    expect(await eventually(async () => onB().group(name).length === 1, 1000)).toBeLessThan(1000);
    expect(onB().group(name)[0]).toMatchObject({ id: created.body.model_id, apiKey: 'sk-pods', rpm: 5 });
    expect(await listedOnB(name)).toBe(true);

    await request(pods.podA.app.getHttpServer())
      .patch(`/model/${created.body.model_id}/update`)
      .set(bearer(MASTER_KEY))
      .send({ litellm_params: { rpm: 6 } })
      .expect(200);
    await eventually(async () => onB().byId(created.body.model_id)?.rpm === 6, 1000);

    await request(pods.podA.app.getHttpServer())
      .post('/model/delete')
      .set(bearer(MASTER_KEY))
      .send({ id: created.body.model_id })
      .expect(200);
    await eventually(async () => onB().group(name).length === 0, 1000);
    expect(await listedOnB(name)).toBe(false);
  });

  it('should reload from the database when the bus reconnects, as messages may have been missed', async () => {
    if (pods.skip || env.REDIS_URL) return; // PostgreSQL: the listener connection can be cut from here
    const name = uniq('missed');
    await createProxyModel(pods.podA.prisma, {
      model_name: name,
      litellm_params: { model: 'openai/gpt-4o' },
    });
    expect(onB().group(name)).toEqual([]); // written without an announcement
    const bus = pods.podB.app.get(InvalidationBus) as unknown as { pgListener: { processID: number } };
    await pods.podB.prisma.$executeRaw`SELECT pg_terminate_backend(${bus.pgListener.processID}::int)`;
    await eventually(async () => onB().group(name).length === 1, 5000);
  });
});
