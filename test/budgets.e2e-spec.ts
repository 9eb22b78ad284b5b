import { nextResetAt } from '../src/platform/common/duration';
import { uniq } from './app.factory';
import {
  addOrgMember,
  createCustomer,
  createKey,
  createOrganization,
  createProject,
  createTag,
  createTeam,
  createUser,
  createUserWithKey,
  setTeamMembership,
} from './factories';
import { useE2e } from './harness';

describe('budgets (/budget/*)', () => {
  const h = useE2e();
  const { http } = h;
  const asMaster = h.master;

  /** A user with `role` and a key of theirs. */
  const actor = (role: string) => createUserWithKey(h.prisma, role);
  const newBudget = (body: Record<string, unknown>, headers = asMaster) =>
    http().post('/budget/new').set(headers).send(body);
  const budgetRow = (budgetId: string) =>
    h.prisma.liteLLM_BudgetTable.findUnique({ where: { budget_id: budgetId } });
  const auditRows = (budgetId: string) =>
    h.prisma.liteLLM_AuditLog.findMany({
      where: { table_name: 'LiteLLM_BudgetTable', object_id: budgetId },
      orderBy: { updated_at: 'asc' },
    });

  describe('POST /budget/new', () => {
    it('should create a budget with the fields sent, created_by the caller, and an audit row', async () => {
      const budgetId = uniq('budget');
      const res = await newBudget({
        budget_id: budgetId,
        max_budget: 100,
        soft_budget: 80,
        max_parallel_requests: 5,
        tpm_limit: 1000,
        rpm_limit: 10,
        model_max_budget: { 'gpt-4o': { budget_limit: 10, time_period: '1d' } },
      }).expect(200);
      expect(res.body).toMatchObject({
        budget_id: budgetId,
        max_budget: 100,
        soft_budget: 80,
        max_parallel_requests: 5,
        tpm_limit: 1000,
        rpm_limit: 10,
        model_max_budget: { 'gpt-4o': { budget_limit: 10, time_period: '1d' } },
        budget_duration: null,
        budget_reset_at: null,
        created_by: 'default_user_id',
        updated_by: 'default_user_id',
      });
      const row = await budgetRow(budgetId);
      expect(row).toMatchObject({ max_budget: 100, tpm_limit: BigInt(1000), created_by: 'default_user_id' });
      const audit = await auditRows(budgetId);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: 'created', changed_by: 'default_user_id' });
    });

    it('should generate a budget id when none is sent', async () => {
      const res = await newBudget({ max_budget: 1 }).expect(200);
      expect(res.body.budget_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await budgetRow(res.body.budget_id)).not.toBeNull();
    });

    it('should set budget_reset_at to the next calendar boundary of budget_duration', async () => {
      const before = new Date();
      const res = await newBudget({ budget_id: uniq('budget'), budget_duration: '30d' }).expect(200);
      const after = new Date();
      const expected = [nextResetAt('30d', before).toISOString(), nextResetAt('30d', after).toISOString()];
      expect(expected).toContain(res.body.budget_reset_at);
      const firstOfMonth = new Date(res.body.budget_reset_at);
      expect(firstOfMonth.getUTCDate()).toBe(1);
      expect(firstOfMonth.getUTCHours()).toBe(0);
    });

    it('should keep an explicit budget_reset_at', async () => {
      const res = await newBudget({
        budget_id: uniq('budget'),
        budget_duration: '1d',
        budget_reset_at: '2031-05-06T07:08:09Z',
      }).expect(200);
      expect(res.body.budget_reset_at).toBe('2031-05-06T07:08:09.000Z');
    });

    it('should refuse a duplicate budget id with 400 and keep the first row', async () => {
      const budgetId = uniq('budget');
      await newBudget({ budget_id: budgetId, max_budget: 1 }).expect(200);
      const res = await newBudget({ budget_id: budgetId, max_budget: 2 }).expect(400);
      expect(res.body.error).toMatchObject({
        message: `Budget with id '${budgetId}' already exists.`,
        code: '400',
      });
      expect((await budgetRow(budgetId))?.max_budget).toBe(1);
    });

    it.each([
      [{ max_budget: -1 }, 'max_budget must be a non-negative finite number. Received: -1'],
      [{ soft_budget: -0.5 }, 'soft_budget must be a non-negative finite number. Received: -0.5'],
      [{ budget_duration: '10x' }, "Invalid budget_duration '10x'"],
      [{ budget_duration: '0d' }, "Invalid budget_duration '0d'"],
      [{ budget_duration: '2mo' }, "Invalid budget_duration '2mo'"],
      [{ model_max_budget: { 'gpt-4o': { budget_limit: -1 } } }, 'Invalid model_max_budget:'],
      [{ model_max_budget: { 'gpt-4o': 5 } }, 'Invalid model_max_budget:'],
      [
        { model_max_budget: { 'gpt-4o': { budget_limit: 1, time_period: 'soon' } } },
        'Invalid model_max_budget:',
      ],
    ])('should refuse %j with 400 and create nothing', async (body, message) => {
      const budgetId = uniq('budget');
      const res = await newBudget({ budget_id: budgetId, ...body }).expect(400);
      expect(res.body.error.message).toContain(message);
      expect(await budgetRow(budgetId)).toBeNull();
    });

    it.each([
      { max_budget: 'abc' },
      { max_budget: [1] },
      { tpm_limit: 1.5 },
      { rpm_limit: -1 },
      { max_parallel_requests: 2 ** 31 },
      { tpm_limit: 2 ** 60 },
      { budget_id: 123 },
      { budget_id: '' },
      { budget_id: 'x'.repeat(257) },
      { budget_duration: 30 },
      { model_max_budget: ['gpt-4o'] },
      { model_max_budget: 'gpt-4o' },
      { budget_reset_at: 'tomorrow' },
      { budget_reset_at: 12345 },
      { budget_reset_at: '0000-01-01T00:00:00Z' },
    ])('should refuse the wrong type %j with 422', async (body) => {
      const res = await newBudget(body).expect(422);
      expect(res.body.error.type).toBe('validation_error');
      expect(res.body.detail[0].loc[0]).toBe('body');
    });
  });

  describe('POST /budget/update', () => {
    it('should change only the fields sent, clear fields sent as null, and audit the change', async () => {
      const budgetId = uniq('budget');
      await newBudget({ budget_id: budgetId, max_budget: 10, soft_budget: 5, tpm_limit: 100 }).expect(200);
      const admin = await actor('proxy_admin');
      const res = await http()
        .post('/budget/update')
        .set(admin.headers)
        .send({ budget_id: budgetId, max_budget: 0, soft_budget: null })
        .expect(200);
      expect(res.body).toMatchObject({
        budget_id: budgetId,
        max_budget: 0,
        soft_budget: null,
        tpm_limit: 100,
        created_by: 'default_user_id',
        updated_by: admin.userId,
      });
      expect(await budgetRow(budgetId)).toMatchObject({
        max_budget: 0,
        soft_budget: null,
        tpm_limit: BigInt(100),
      });
      const audit = await auditRows(budgetId);
      expect(audit.map((a) => a.action)).toEqual(['created', 'updated']);
      expect(audit[1]).toMatchObject({
        changed_by: admin.userId,
        before_value: expect.objectContaining({ max_budget: 10, soft_budget: 5 }),
        updated_values: { max_budget: 0, soft_budget: null },
      });
    });

    it('should not recompute budget_reset_at when budget_duration changes (LiteLLM)', async () => {
      const budgetId = uniq('budget');
      const created = await newBudget({ budget_id: budgetId, budget_duration: '1d' }).expect(200);
      const res = await http()
        .post('/budget/update')
        .set(asMaster)
        .send({ budget_id: budgetId, budget_duration: '30d' })
        .expect(200);
      expect(res.body.budget_duration).toBe('30d');
      expect(res.body.budget_reset_at).toBe(created.body.budget_reset_at);
    });

    it('should move budget_reset_at when it is sent', async () => {
      const budgetId = uniq('budget');
      await newBudget({ budget_id: budgetId, budget_duration: '1d' }).expect(200);
      const res = await http()
        .post('/budget/update')
        .set(asMaster)
        .send({ budget_id: budgetId, budget_reset_at: '2030-01-01T00:00:00Z' })
        .expect(200);
      expect(res.body.budget_reset_at).toBe('2030-01-01T00:00:00.000Z');
    });

    it('should answer 400 without budget_id and 404 for an unknown one', async () => {
      const missing = await http().post('/budget/update').set(asMaster).send({ max_budget: 1 }).expect(400);
      expect(missing.body.error.message).toBe('budget_id is required');
      const unknown = uniq('nope');
      const res = await http()
        .post('/budget/update')
        .set(asMaster)
        .send({ budget_id: unknown, max_budget: 1 })
        .expect(404);
      expect(res.body.error).toMatchObject({
        message: `Budget with id '${unknown}' does not exist.`,
        code: '404',
      });
      expect(await budgetRow(unknown)).toBeNull();
    });

    it('should apply the /budget/new rules and change nothing on 400', async () => {
      const budgetId = uniq('budget');
      await newBudget({ budget_id: budgetId, max_budget: 10 }).expect(200);
      for (const body of [
        { max_budget: -1 },
        { budget_duration: 'weekly-ish' },
        { model_max_budget: { m: { budget_limit: 1, colour: 'red' } } },
      ]) {
        await http()
          .post('/budget/update')
          .set(asMaster)
          .send({ budget_id: budgetId, ...body })
          .expect(400);
      }
      expect(await budgetRow(budgetId)).toMatchObject({
        max_budget: 10,
        budget_duration: null,
        model_max_budget: null,
      });
    });
  });

  describe('POST /budget/info', () => {
    it('should return the rows asked for and leave out unknown ids', async () => {
      const a = uniq('budget');
      const b = uniq('budget');
      await newBudget({ budget_id: a, max_budget: 1 }).expect(200);
      await newBudget({ budget_id: b, max_budget: 2 }).expect(200);
      const res = await http()
        .post('/budget/info')
        .set(asMaster)
        .send({ budgets: [a, b, uniq('nope'), a] })
        .expect(200);
      expect(res.body.map((r: { budget_id: string }) => r.budget_id).sort()).toEqual([a, b].sort());
    });

    it('should answer 400 for an empty list and 422 for a list of the wrong type', async () => {
      const res = await http().post('/budget/info').set(asMaster).send({ budgets: [] }).expect(400);
      expect(res.body.error.message).toBe("Specify list of budget id's to query. Passed in=[]");
      await http().post('/budget/info').set(asMaster).send({ budgets: 'a' }).expect(422);
      await http()
        .post('/budget/info')
        .set(asMaster)
        .send({ budgets: [1] })
        .expect(422);
      await http().post('/budget/info').set(asMaster).send({}).expect(422);
      await http()
        .post('/budget/info')
        .set(asMaster)
        .send({ budgets: Array.from({ length: 1001 }, (_, i) => `b${i}`) })
        .expect(422);
    });
  });

  describe('GET /budget/settings', () => {
    it('should list the configurable fields with their values', async () => {
      const budgetId = uniq('budget');
      await newBudget({ budget_id: budgetId, max_budget: 7, tpm_limit: 99, budget_duration: '1d' }).expect(
        200,
      );
      const res = await http()
        .get('/budget/settings')
        .query({ budget_id: budgetId })
        .set(asMaster)
        .expect(200);
      expect(res.body.map((f: { field_name: string }) => f.field_name)).toEqual([
        'max_budget',
        'soft_budget',
        'max_parallel_requests',
        'tpm_limit',
        'rpm_limit',
        'budget_duration',
        'model_max_budget',
      ]);
      expect(res.body[0]).toEqual({
        field_name: 'max_budget',
        field_type: 'Float',
        field_description: expect.any(String),
        field_value: 7,
        stored_in_db: true,
        field_default_value: null,
        premium_field: false,
        nested_fields: null,
      });
      expect(res.body[3]).toMatchObject({ field_name: 'tpm_limit', field_type: 'Integer', field_value: 99 });
      expect(res.body[5]).toMatchObject({ field_name: 'budget_duration', field_value: '1d' });
      expect(res.body[1].field_value).toBeNull();
    });

    it('should give null values for an unknown budget and 422 without budget_id', async () => {
      const res = await http()
        .get('/budget/settings')
        .query({ budget_id: uniq('nope') })
        .set(asMaster)
        .expect(200);
      expect(res.body).toHaveLength(7);
      expect(res.body.every((f: { field_value: unknown }) => f.field_value === null)).toBe(true);
      await http().get('/budget/settings').set(asMaster).expect(422);
    });
  });

  describe('GET /budget/list', () => {
    it('should return a plain list with the total in X-Total-Count', async () => {
      const budgetId = uniq('budget');
      await newBudget({ budget_id: budgetId }).expect(200);
      const total = await h.prisma.liteLLM_BudgetTable.count();
      const res = await http().get('/budget/list').set(asMaster).expect(200);
      expect(Array.isArray(res.body)).toBe(true);
      expect(Number(res.headers['x-total-count'])).toBeGreaterThanOrEqual(total);
      if (total <= 1000) expect(res.body.map((r: { budget_id: string }) => r.budget_id)).toContain(budgetId);
    });

    it('should page with page and size, oldest first', async () => {
      const ids = [uniq('budget'), uniq('budget'), uniq('budget')];
      for (const id of ids) await newBudget({ budget_id: id }).expect(200);
      const list = (query: Record<string, number>) =>
        http().get('/budget/list').query(query).set(asMaster).expect(200);
      const names = (res: { body: { budget_id: string }[] }) => res.body.map((r) => r.budget_id);

      // A small page is the matching slice of a bigger one.
      const firstFour = names(await list({ page: 1, size: 4 }));
      expect(names(await list({ page: 2, size: 2 }))).toEqual(firstFour.slice(2, 4));

      // Walk all pages (1000 rows each): the new budgets come in creation order.
      const total = Number((await list({ size: 1 })).headers['x-total-count']);
      const all: string[] = [];
      for (let page = 1; page <= Math.ceil(total / 1000); page++) all.push(...names(await list({ page })));
      const positions = ids.map((id) => all.indexOf(id));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    });

    it('should refuse bad paging parameters with 422', async () => {
      await http().get('/budget/list').query({ size: 1001 }).set(asMaster).expect(422);
      await http().get('/budget/list').query({ page: 0 }).set(asMaster).expect(422);
      await http().get('/budget/list').query({ size: 'ten' }).set(asMaster).expect(422);
    });
  });

  describe('POST /budget/delete', () => {
    it('should delete an unused budget, return it and audit it', async () => {
      const budgetId = uniq('budget');
      await newBudget({ budget_id: budgetId, max_budget: 3 }).expect(200);
      const res = await http().post('/budget/delete').set(asMaster).send({ id: budgetId }).expect(200);
      expect(res.body).toMatchObject({ budget_id: budgetId, max_budget: 3 });
      expect(await budgetRow(budgetId)).toBeNull();
      expect((await auditRows(budgetId)).map((a) => a.action)).toEqual(['created', 'deleted']);
    });

    it('should answer 404 for an unknown budget', async () => {
      const id = uniq('nope');
      const res = await http().post('/budget/delete').set(asMaster).send({ id }).expect(404);
      expect(res.body.error.message).toBe(`Budget with id '${id}' does not exist.`);
    });

    it('should refuse to delete a budget still in use, name the users, and change nothing', async () => {
      const budgetId = uniq('budget');
      await newBudget({ budget_id: budgetId }).expect(200);
      const user = await createUser(h.prisma);
      const team = await createTeam(h.prisma, { team_alias: null });
      const { token } = await createKey(h.prisma, { budget_id: budgetId });
      await createKey(h.prisma, { budget_id: budgetId });
      await createCustomer(h.prisma, { budget_id: budgetId });
      await setTeamMembership(h.prisma, user.user_id, team.team_id, { budget_id: budgetId });
      const org = await createOrganization(h.prisma, { budget_id: budgetId, models: [] });
      await addOrgMember(h.prisma, user.user_id, org.organization_id, {
        user_role: null,
        budget_id: budgetId,
      });
      await createTag(h.prisma, { budget_id: budgetId });
      await createProject(h.prisma, { budget_id: budgetId });

      const res = await http().post('/budget/delete').set(asMaster).send({ id: budgetId }).expect(400);
      expect(res.body.error.message).toBe(
        `Budget '${budgetId}' is still in use (2 keys, 1 organization, 1 project, 1 tag, 1 customer, 1 team membership, 1 organization membership). Link them to another budget or delete them first.`,
      );
      expect(await budgetRow(budgetId)).not.toBeNull();
      expect((await h.prisma.liteLLM_VerificationToken.findUnique({ where: { token } }))?.budget_id).toBe(
        budgetId,
      );
      expect((await auditRows(budgetId)).map((a) => a.action)).toEqual(['created']);
    });

    it('should answer 422 for a body without id', async () => {
      await http().post('/budget/delete').set(asMaster).send({}).expect(422);
      await http()
        .post('/budget/delete')
        .set(asMaster)
        .send({ id: ['a'] })
        .expect(422);
    });
  });

  describe('who may call', () => {
    it('should let a proxy_admin key write, with created_by its user', async () => {
      const admin = await actor('proxy_admin');
      const budgetId = uniq('budget');
      const res = await newBudget({ budget_id: budgetId }, admin.headers).expect(200);
      expect(res.body.created_by).toBe(admin.userId);
      await http().post('/budget/delete').set(admin.headers).send({ id: budgetId }).expect(200);
    });

    it('should let a proxy_admin_viewer read but refuse its writes with 403, changing nothing', async () => {
      const viewer = await actor('proxy_admin_viewer');
      const budgetId = uniq('budget');
      await newBudget({ budget_id: budgetId, max_budget: 5 }).expect(200);
      await http().get('/budget/list').set(viewer.headers).expect(200);
      await http().get('/budget/settings').query({ budget_id: budgetId }).set(viewer.headers).expect(200);

      const created = uniq('budget');
      await newBudget({ budget_id: created }, viewer.headers).expect(403);
      await http()
        .post('/budget/update')
        .set(viewer.headers)
        .send({ budget_id: budgetId, max_budget: 1 })
        .expect(403);
      await http().post('/budget/delete').set(viewer.headers).send({ id: budgetId }).expect(403);
      expect(await budgetRow(created)).toBeNull();
      expect((await budgetRow(budgetId))?.max_budget).toBe(5);
    });

    it('should refuse an internal_user key at the route gate with 401, changing nothing', async () => {
      const user = await actor('internal_user');
      const budgetId = uniq('budget');
      await newBudget({ budget_id: budgetId, max_budget: 5 }).expect(200);
      for (const req of [
        http().get('/budget/list'),
        http().get('/budget/settings').query({ budget_id: budgetId }),
        http()
          .post('/budget/info')
          .send({ budgets: [budgetId] }),
        http().post('/budget/update').send({ budget_id: budgetId, max_budget: 1 }),
        http().post('/budget/delete').send({ id: budgetId }),
      ]) {
        const res = await req.set(user.headers).expect(401);
        expect(res.body.error.message).toContain('Only proxy admin can be used');
      }
      const created = uniq('budget');
      await newBudget({ budget_id: created }, user.headers).expect(401);
      expect(await budgetRow(created)).toBeNull();
      expect((await budgetRow(budgetId))?.max_budget).toBe(5);
    });
  });

  describe('hostile input', () => {
    const bodies: (string | unknown)[] = [
      `{"model_max_budget": ${'{"m":'.repeat(5000)}1${'}'.repeat(5000)}}`,
      `{"budgets": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
      null,
      [],
      [{ budget_id: 'x' }],
      'text',
      42,
      {
        budget_id: null,
        max_budget: null,
        budget_duration: null,
        model_max_budget: null,
        budget_reset_at: null,
      },
      { budget_id: 'a\u0000b' },
      { budget_duration: '1d\u0000' },
      { model_max_budget: { 'gpt\u0000': { budget_limit: 1 } } },
      { model_max_budget: { m: { budget_limit: 1, time_period: '\u0000' } } },
      { budget_id: 'x'.repeat(90_000) },
      { budget_id: '\u{1F600}'.repeat(256) },
      { model_max_budget: { m: { budget_limit: 1e308 } } },
      { max_budget: 1e308, soft_budget: 0 },
      { budget_reset_at: '+275760-09-13T00:00:00Z' },
      { budget_reset_at: '9999-12-31T23:59:59Z' },
      { budgets: { a: 1 }, id: { a: 1 } },
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
    ];

    it.each(['/budget/new', '/budget/update', '/budget/info', '/budget/delete'])(
      'should never answer 5xx on %s',
      async (path) => {
        for (const body of bodies) {
          const res = await http()
            .post(path)
            .set(asMaster)
            .set('Content-Type', 'application/json')
            .send(typeof body === 'string' && body.startsWith('{') ? body : JSON.stringify(body));
          if (res.status >= 500)
            throw new Error(`${path} answered ${res.status} to ${String(body).slice(0, 200)}`);
          if (res.status >= 400) expect(res.body.error.code).toBe(String(res.status));
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    );

    it('should refuse NUL characters and absurd nesting with 422 naming the field', async () => {
      const nul = await newBudget({ budget_id: 'a\u0000b' }).expect(422);
      expect(nul.body.detail[0]).toMatchObject({ loc: ['body', 'budget_id'], type: 'string_nul_character' });
      const key = await newBudget({ model_max_budget: { 'gpt\u0000': { budget_limit: 1 } } }).expect(422);
      expect(key.body.detail[0].loc.slice(0, 2)).toEqual(['body', 'model_max_budget']);
      const deep = await http()
        .post('/budget/new')
        .set(asMaster)
        .set('Content-Type', 'application/json')
        .send(`{"model_max_budget": ${'{"m":'.repeat(5000)}1${'}'.repeat(5000)}}`)
        .expect(422);
      expect(deep.body.detail[0].type).toBe('too_deep');
      const query = await http()
        .get('/budget/settings')
        .query({ budget_id: 'a\u0000' })
        .set(asMaster)
        .expect(422);
      expect(query.body.detail[0].loc).toEqual(['query', 'budget_id']);
    });

    it('should never answer 5xx on the GET routes', async () => {
      for (const query of [
        { budget_id: 'a\u0000b' },
        { budget_id: ['a', 'b'] },
        { budget_id: 'x'.repeat(5000) },
        { page: '-1', size: '1e9' },
        { page: ['1', '2'] },
      ]) {
        for (const path of ['/budget/settings', '/budget/list']) {
          const res = await http().get(path).query(query).set(asMaster);
          expect(res.status).toBeLessThan(500);
        }
      }
    });
  });
});
