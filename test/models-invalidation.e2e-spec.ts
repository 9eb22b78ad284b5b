import request from 'supertest';
import { DeploymentsService } from '../src/domains/gateway/deployments/deployments.service';
import { createTestApp, MASTER_KEY, TestApp, uniq } from './app.factory';
import { InvalidationBus } from '../src/platform/auth/invalidation-bus';
import { bearer, createProxyModel } from './factories';
import { eventually, tcpAnswers } from './pods';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two app instances ("pods") on one database: a model added, changed or deleted on A is served so by B. */
describe.each([
  ['postgres LISTEN/NOTIFY', { REDIS_URL: undefined, REDIS_HOST: undefined }],
  ['redis pub/sub', { REDIS_URL }],
])('model registry across pods (%s)', (_transport, env) => {
  let podA: TestApp;
  let podB: TestApp;
  let skip = false;
  const onB = () => podB.app.get(DeploymentsService);
  const listedOnB = async (name: string) => {
    const res = await request(podB.app.getHttpServer())
      .get('/model/info')
      .set(bearer(MASTER_KEY))
      .expect(200);
    return (res.body.data as { model_name: string }[]).some((m) => m.model_name === name);
  };

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

  it('should serve a model added on pod A from pod B within 1 s, and stop when A deletes it', async () => {
    if (skip) return console.warn(`skipped: no Redis at ${REDIS_URL}`);
    const name = uniq('pods-model');
    expect(await listedOnB(name)).toBe(false);
    const created = await request(podA.app.getHttpServer())
      .post('/model/new')
      .set(bearer(MASTER_KEY))
      .send({ model_name: name, litellm_params: { model: 'openai/gpt-4o', api_key: 'sk-pods', rpm: 5 } })
      .expect(200);
    expect(await eventually(async () => onB().group(name).length === 1, 1000)).toBeLessThan(1000);
    expect(onB().group(name)[0]).toMatchObject({ id: created.body.model_id, apiKey: 'sk-pods', rpm: 5 });
    expect(await listedOnB(name)).toBe(true);

    await request(podA.app.getHttpServer())
      .patch(`/model/${created.body.model_id}/update`)
      .set(bearer(MASTER_KEY))
      .send({ litellm_params: { rpm: 6 } })
      .expect(200);
    await eventually(async () => onB().byId(created.body.model_id)?.rpm === 6, 1000);

    await request(podA.app.getHttpServer())
      .post('/model/delete')
      .set(bearer(MASTER_KEY))
      .send({ id: created.body.model_id })
      .expect(200);
    await eventually(async () => onB().group(name).length === 0, 1000);
    expect(await listedOnB(name)).toBe(false);
  });

  it('should reload from the database when the bus reconnects, as messages may have been missed', async () => {
    if (skip || env.REDIS_URL) return; // PostgreSQL: the listener connection can be cut from here
    const name = uniq('missed');
    await createProxyModel(podA.prisma, { model_name: name, litellm_params: { model: 'openai/gpt-4o' } });
    expect(onB().group(name)).toEqual([]); // written without an announcement
    const bus = podB.app.get(InvalidationBus) as unknown as { pgListener: { processID: number } };
    await podB.prisma.$executeRaw`SELECT pg_terminate_backend(${bus.pgListener.processID}::int)`;
    await eventually(async () => onB().group(name).length === 1, 5000);
  });
});
