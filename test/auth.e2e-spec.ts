import type { Prisma } from '@prisma/client';
import { AdmissionService } from '../src/domains/gateway/serve/admission.service';
import { AuthCacheService } from '../src/platform/auth/auth-cache.service';
import { AuthService } from '../src/platform/auth/auth.service';
import { MASTER_KEY, uniq } from './app.factory';
import {
  bearer,
  createBlockedKey,
  createBudget,
  createDeprecatedKey,
  createExpiredKey,
  createKey,
  createProject,
  createTeam,
  createUser,
  newRawKey,
  updateDeprecatedKey,
  updateKey,
} from './factories';
import { useE2e } from './harness';
import { ProbeController } from './probe.controller';

describe('authentication and the error envelope', () => {
  const h = useE2e({ controllers: [ProbeController] });
  const { http } = h;

  const envelope = (status: number, type: string) => ({
    error: { message: expect.any(String), type, param: null, code: String(status) },
  });

  it('should answer 401 in the LiteLLM envelope when no key is sent', async () => {
    const res = await http().get('/probe/whoami').expect(401);
    expect(res.body).toEqual({
      error: {
        message: 'Authentication Error, No api key passed in.',
        type: 'auth_error',
        param: null,
        code: '401',
      },
    });
  });

  it('should refuse an unknown sk- key with 401 and the key hash in the message', async () => {
    const res = await http().get('/user/available_roles').set(bearer('sk-unknown-key-0000')).expect(401);
    expect(res.body).toEqual(envelope(401, 'auth_error'));
    expect(res.body.error.message).toContain('Invalid proxy server token passed');
    expect(res.body.error.message).not.toContain('sk-unknown-key-0000');
  });

  it('should refuse a token that does not start with sk-', async () => {
    const res = await http().get('/user/available_roles').set(bearer('not-a-key')).expect(401);
    expect(res.body.error.message).toContain("expected to start with 'sk-'");
  });

  it('should refuse an Authorization header without the Bearer prefix', async () => {
    const res = await http().get('/user/available_roles').set('Authorization', MASTER_KEY).expect(401);
    expect(res.body.error.message).toContain('Malformed API Key passed in');
  });

  it('should let the master key reach an admin-only handler as proxy_admin', async () => {
    const res = await http().get('/probe/whoami').set(bearer(MASTER_KEY)).expect(200);
    expect(res.body).toEqual({ user_id: 'default_user_id', role: 'proxy_admin', is_master_key: true });
  });

  it('should accept the master key in x-litellm-api-key, which wins over Authorization', async () => {
    await http()
      .get('/probe/whoami')
      .set('x-litellm-api-key', MASTER_KEY)
      .set(bearer('sk-wrong'))
      .expect(200);
    await http().get('/probe/whoami').set('x-litellm-api-key', `Bearer ${MASTER_KEY}`).expect(200);
    await http()
      .get('/probe/whoami')
      .set('x-litellm-api-key', 'sk-wrong')
      .set(bearer(MASTER_KEY))
      .expect(401);
  });

  it('should authenticate a key row written the way LiteLLM writes it, with the owner role', async () => {
    const admin = await createUser(h.prisma, 'proxy_admin');
    const { raw } = await createKey(h.prisma, { user_id: admin.user_id });
    const res = await http().get('/probe/whoami').set(bearer(raw)).expect(200);
    expect(res.body).toEqual({ user_id: admin.user_id, role: 'proxy_admin', is_master_key: false });
  });

  it('should let an internal user key reach self-managed routes and refuse admin-only ones with 401', async () => {
    const user = await createUser(h.prisma, 'internal_user');
    const { raw } = await createKey(h.prisma, { user_id: user.user_id });
    await http().get('/user/available_roles').set(bearer(raw)).expect(200);
    const res = await http().get('/probe/whoami').set(bearer(raw)).expect(401);
    expect(res.body.error.message).toMatch(
      /^Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys\/users\/teams\. Route=\/probe\/whoami\. Your role=internal_user\. Your user_id=/,
    );
    expect(res.body.error.message).not.toContain(user.user_id);
  });

  it('should refuse an expired key with type expired_key', async () => {
    const { raw } = await createExpiredKey(h.prisma);
    const res = await http().get('/user/available_roles').set(bearer(raw)).expect(401);
    expect(res.body.error.type).toBe('expired_key');
    expect(res.body.error.message).toContain('Expired Key');
    expect(res.body.error.param).toBe(`sk-...${raw.slice(-4)}`);
  });

  it('should refuse a blocked key', async () => {
    const { raw } = await createBlockedKey(h.prisma);
    const res = await http().get('/user/available_roles').set(bearer(raw)).expect(401);
    expect(res.body.error.message).toBe(
      "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.",
    );
  });

  it('should refuse a key of a blocked team', async () => {
    const team = await createTeam(h.prisma, { blocked: true });
    const { raw } = await createKey(h.prisma, { team_id: team.team_id });
    const res = await http().get('/user/available_roles').set(bearer(raw)).expect(401);
    expect(res.body.error.message).toContain(`Team=${team.team_id} is blocked`);
  });

  it('should refuse a key of a blocked project', async () => {
    const project = await createProject(h.prisma, { blocked: true });
    const { raw } = await createKey(h.prisma, { project_id: project.project_id });
    const res = await http().get('/user/available_roles').set(bearer(raw)).expect(401);
    expect(res.body.error.message).toContain(`Project=${project.project_id} is blocked`);
  });

  it('should refuse a cached key as soon as it is blocked and invalidated', async () => {
    const { raw, token } = await createKey(h.prisma);
    await http().get('/user/available_roles').set(bearer(raw)).expect(200);
    await updateKey(h.prisma, token, { blocked: true });
    await http().get('/user/available_roles').set(bearer(raw)).expect(200); // still cached: proves the cache is used
    await h.app.get(AuthCacheService).invalidateKey(token);
    await http().get('/user/available_roles').set(bearer(raw)).expect(401);
  });

  it('should accept a rotated key during its grace period and refuse it after', async () => {
    const { token: newToken } = await createKey(h.prisma);
    const old = newRawKey(); // rotated out: only in the deprecated table
    await createDeprecatedKey(h.prisma, {
      token: old.token,
      active_token_id: newToken,
      revoke_at: new Date(Date.now() + 60_000),
    });
    await http().get('/user/available_roles').set(bearer(old.raw)).expect(200);
    await updateDeprecatedKey(h.prisma, old.token, { revoke_at: new Date(Date.now() - 1) });
    await h.app.get(AuthCacheService).invalidateKey(newToken);
    await http().get('/user/available_roles').set(bearer(old.raw)).expect(401);
  });

  describe('a key that is not cached, asked for by many requests at once', () => {
    const readsOf = (spy: jest.SpyInstance, table: string) =>
      spy.mock.calls.filter(([query]) => (query as Prisma.Sql).text.includes(table)).length;
    afterEach(() => jest.restoreAllMocks());

    it('should read the key once for all of them', async () => {
      const { raw, token } = await createKey(h.prisma);
      const reads = jest.spyOn(h.prisma, 'queryRows');
      const auth = h.app.get(AuthService);
      const contexts = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(raw)));
      expect(contexts.map((c) => c.key?.token)).toEqual(Array(20).fill(token));
      expect(readsOf(reads, '"LiteLLM_VerificationToken" v')).toBe(1);
    });

    it("should read the gateway's request subject once for all of them", async () => {
      const { raw } = await createKey(h.prisma);
      const auth = await h.app.get(AuthService).authenticate(raw);
      const reads = jest.spyOn(h.prisma, 'queryRows');
      const admission = h.app.get(AdmissionService);
      const subjects = await Promise.all(Array.from({ length: 20 }, () => admission.subjectOf(auth)));
      expect(new Set(subjects).size).toBe(1);
      expect(readsOf(reads, '"LiteLLM_VerificationToken" v')).toBe(1);
    });

    /** Holds the next read's answer (the read itself runs at once) until `release`. */
    function holdNextRead() {
      let readDone!: () => void;
      const didRead = new Promise<void>((resolve) => (readDone = resolve));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const read = h.prisma.queryRows.bind(h.prisma);
      jest.spyOn(h.prisma, 'queryRows').mockImplementationOnce(async (query) => {
        const rows = await read(query);
        readDone();
        await held;
        return rows;
      });
      return { didRead, release };
    }

    it('should not hand a request that arrives after an invalidation the read that began before it', async () => {
      const { raw, token } = await createKey(h.prisma);
      const auth = h.app.get(AuthService);
      // The first request reads the key unblocked; its answer is held until the key is blocked.
      const { didRead, release } = holdNextRead();
      const first = auth.authenticate(raw);
      await didRead;
      await updateKey(h.prisma, token, { blocked: true });
      await h.app.get(AuthCacheService).invalidateKey(token);
      const second = auth.authenticate(raw);
      release();
      await expect(second).rejects.toMatchObject({ status: 401 });
      await expect(first).resolves.toMatchObject({ key: { token } }); // read before the block
    });

    it("should not hand a later request the gateway's read of a key that began before an invalidation", async () => {
      const { raw, token } = await createKey(h.prisma, { rpm_limit: 10 });
      const auth = await h.app.get(AuthService).authenticate(raw);
      const admission = h.app.get(AdmissionService);
      const { didRead, release } = holdNextRead();
      const first = admission.subjectOf(auth);
      await didRead;
      await updateKey(h.prisma, token, { rpm_limit: 20 });
      await h.app.get(AuthCacheService).invalidateKey(token);
      const again = await h.app.get(AuthService).authenticate(raw);
      const second = admission.subjectOf(again);
      release();
      await expect(second).resolves.toMatchObject({ key: { rpm: 20 } });
      await expect(first).resolves.toMatchObject({ key: { rpm: 10 } });
      await expect(admission.subjectOf(again)).resolves.toMatchObject({ key: { rpm: 20 } }); // the old read was not kept
    });
  });

  it('should answer 404 in the envelope for an unknown route', async () => {
    const res = await http().get('/no/such/route').set(bearer(MASTER_KEY)).expect(404);
    expect(res.body).toEqual(envelope(404, 'not_found_error'));
  });

  it('should answer 422 with the field named and a FastAPI detail list', async () => {
    const res = await http().post('/probe/validate').set(bearer(MASTER_KEY)).send({ count: -1 }).expect(422);
    expect(res.body.error.type).toBe('validation_error');
    expect(res.body.error.code).toBe('422');
    expect(res.body.error.message).toContain('name');
    expect(res.body.detail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ loc: ['body', 'name'] }),
        expect.objectContaining({ loc: ['body', 'count'] }),
      ]),
    );
  });

  it('should answer 422, not 500, for a body that is not a JSON object', async () => {
    for (const body of ['[1,2]', '"text"', '']) {
      const res = await http()
        .post('/probe/validate')
        .set(bearer(MASTER_KEY))
        .set('content-type', 'application/json')
        .send(body);
      expect([400, 422]).toContain(res.status);
      expect(res.body.error.code).toBe(String(res.status));
    }
  });

  it('should answer 422, not 500, for NUL characters and absurdly deep JSON anywhere in the request', async () => {
    const nul = await http()
      .post('/probe/validate')
      .set(bearer(MASTER_KEY))
      .send({ name: 'a\u0000b' })
      .expect(422);
    expect(nul.body.detail[0].loc).toEqual(['body', 'name']);
    const deep = `{"name":"n","deep":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const res = await http()
      .post('/probe/validate')
      .set(bearer(MASTER_KEY))
      .set('content-type', 'application/json')
      .send(deep);
    expect(res.status).toBe(422);
    expect(res.body.detail[0].type).toBe('too_deep');
    await http().get('/probe/budget/x%00y').expect(422);
    await http().get('/probe/whoami?filter=%00').set(bearer(MASTER_KEY)).expect(422);
  });

  it('should answer 400 for malformed JSON', async () => {
    const res = await http()
      .post('/probe/validate')
      .set(bearer(MASTER_KEY))
      .set('content-type', 'application/json')
      .send('{"name":')
      .expect(400);
    expect(res.body.error.type).toBe('bad_request_error');
  });

  it('should answer 500 without internals for an unexpected error', async () => {
    const res = await http().get('/probe/crash').expect(500);
    expect(res.body.error.type).toBe('internal_server_error');
    expect(res.body.error.message).not.toContain('secret internal detail');
    expect(res.headers['x-request-id']).toBeDefined();
  });

  it('should serialize BigInt columns as JSON numbers', async () => {
    const budget = await createBudget(h.prisma, {
      budget_id: uniq('budget'),
      tpm_limit: 123456789012n,
      rpm_limit: 42n,
    });
    const res = await http().get(`/probe/budget/${budget.budget_id}`).expect(200);
    expect(res.text).toContain('"tpm_limit":123456789012');
    expect(res.body.rpm_limit).toBe(42);
  });

  it('should answer 404 for a record that does not exist (Prisma P2025)', async () => {
    const res = await http().get('/probe/budget/nope').expect(404);
    expect(res.body.error.type).toBe('not_found_error');
  });
});
