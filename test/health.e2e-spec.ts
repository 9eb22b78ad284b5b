import { useE2e } from './harness';

describe('health and docs', () => {
  const { http } = useE2e();

  it('should answer liveness without a key on both spellings', async () => {
    expect((await http().get('/health/liveliness').expect(200)).body).toBe("I'm alive!");
    expect((await http().get('/health/liveness').expect(200)).body).toBe("I'm alive!");
  });

  it('should report the database as connected on readiness without a key', async () => {
    const res = await http().get('/health/readiness').expect(200);
    expect(res.body).toMatchObject({ status: 'connected', db: 'connected', success_callbacks: [] });
    expect(typeof res.body.litellm_version).toBe('string');
  });

  it('should serve Swagger UI at /docs and the OpenAPI document at /openapi.json and /docs-json', async () => {
    expect((await http().get('/docs').expect(200)).text).toContain('swagger-ui');
    await http().get('/docs/swagger-ui-bundle.js').expect(200);
    const doc = (await http().get('/openapi.json').expect(200)).body;
    expect(doc.paths['/health/readiness']).toBeDefined();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect((await http().get('/docs-json').expect(200)).body.paths).toEqual(doc.paths);
  });

  it('should redirect / to /docs', async () => {
    const res = await http().get('/').expect(302);
    expect(res.headers.location).toBe('/docs');
  });
});
