import request from 'supertest';
import { createTestApp, uniq } from './app.factory';
import { bearer, createKey } from './factories';
import { useE2e } from './harness';

/** What curl users and browsers send: bodies with odd content types, bracketed queries, preflights. */
describe('request bodies, query shapes and CORS', () => {
  const h = useE2e();
  const { http } = h;
  const admin = h.master;

  const keysWithAlias = (key_alias: string) =>
    h.prisma.liteLLM_VerificationToken.count({ where: { key_alias } });

  describe('request bodies', () => {
    it("should refuse a form-encoded body (curl's default) with 422 and create nothing", async () => {
      const alias = uniq('form');
      const res = await http()
        .post('/key/generate')
        .set(admin)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(JSON.stringify({ key_alias: alias, max_budget: 5, duration: '1h' }))
        .expect(422);
      expect(res.body.error).toMatchObject({ type: 'validation_error', code: '422' });
      expect(res.body.detail).toEqual([
        expect.objectContaining({ loc: ['body'], msg: expect.stringContaining('must be JSON') }),
      ]);
      expect(await keysWithAlias(alias)).toBe(0);
    });

    it('should refuse a text/plain body on /user/new and create no user', async () => {
      const userId = uniq('plain-user');
      await http()
        .post('/user/new')
        .set(admin)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ user_id: userId, user_role: 'proxy_admin' }))
        .expect(422);
      expect(await h.prisma.liteLLM_UserTable.count({ where: { user_id: userId } })).toBe(0);
    });

    it('should parse a body without a content type as JSON', async () => {
      const alias = uniq('no-type');
      const body = Buffer.from(JSON.stringify({ key_alias: alias, max_budget: 5, duration: '1h' }));
      const res = await http().post('/key/generate').set(admin).send(body).expect(200);
      expect(res.body).toMatchObject({ key_alias: alias, max_budget: 5 });
      expect(res.body.expires).not.toBeNull();
    });

    it('should parse any +json media type and a charset parameter as JSON', async () => {
      for (const type of ['application/vnd.api+json', 'application/json; charset=utf-8']) {
        const alias = uniq('json-type');
        await http()
          .post('/key/generate')
          .set(admin)
          .set('Content-Type', type)
          .send(JSON.stringify({ key_alias: alias }))
          .expect(200);
        expect(await keysWithAlias(alias)).toBe(1);
      }
    });

    it('should still accept a bodiless POST whatever its content type', async () => {
      await http().post('/key/generate').set(admin).set('Content-Type', 'text/plain').expect(200);
    });
  });

  describe('query strings', () => {
    it.each([
      ['/key/list?user_id[]=u', 'user_id'],
      ['/key/list?team_id[a]=b', 'team_id'],
      ['/team/list?organization_id[]=o', 'organization_id'],
      ['/user/info?user_id[]=someone', 'user_id'],
    ])('should answer 422 naming the parameter for %s', async (path, name) => {
      const res = await http().get(path).set(admin).expect(422);
      expect(res.body.error.param).toBe(name);
      expect(res.body.detail[0].loc).toEqual(['query', name]);
    });

    it('should keep ignoring bracketed names that are not parameters of the route', async () => {
      await http().get('/key/list?unknown[]=1').set(admin).expect(200);
    });
  });

  describe('CORS', () => {
    it('should answer a browser preflight from any origin before auth, as LiteLLM does', async () => {
      const res = await http()
        .options('/key/generate')
        .set('Origin', 'https://admin.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']).toBe('authorization,content-type');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('should add the CORS header to ordinary responses, errors included', async () => {
      const { raw } = await createKey(h.prisma);
      const ok = await http()
        .get('/key/info')
        .set(bearer(raw))
        .set('Origin', 'https://x.example')
        .expect(200);
      expect(ok.headers['access-control-allow-origin']).toBe('*');
      const denied = await http().get('/key/list').set('Origin', 'https://x.example').expect(401);
      expect(denied.headers['access-control-allow-origin']).toBe('*');
    });

    it('should answer only the origins listed in LITELLM_CORS_ORIGINS', async () => {
      const restricted = await createTestApp({
        env: {
          LITELLM_CORS_ORIGINS: 'https://admin.example.com, https://ops.example.com/',
          LITELLM_CORS_ALLOW_CREDENTIALS: 'true',
        },
      });
      try {
        const preflight = (origin: string) =>
          request(restricted.app.getHttpServer())
            .options('/key/list')
            .set('Origin', origin)
            .set('Access-Control-Request-Method', 'GET');
        const allowed = await preflight('https://ops.example.com').expect(204);
        expect(allowed.headers['access-control-allow-origin']).toBe('https://ops.example.com');
        expect(allowed.headers['access-control-allow-credentials']).toBe('true');
        const other = await preflight('https://evil.example.com');
        expect(other.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await restricted.close();
      }
    });
  });
});
