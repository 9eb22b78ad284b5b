import { uniq } from './app.factory';
import { createUserWithKey } from './factories';
import { useE2e } from './harness';

describe('customers (/customer/*, /end_user/*)', () => {
  const h = useE2e();
  const { http, post } = h;
  const asMaster = h.master;

  /** A user with `role` and a key of theirs. */
  const actor = (role: string) => createUserWithKey(h.prisma, role);
  const newCustomer = (body: Record<string, unknown>, headers = asMaster) =>
    post('/customer/new', body, headers);
  const customerRow = (userId: string) =>
    h.prisma.liteLLM_EndUserTable.findUnique({
      where: { user_id: userId },
      include: { litellm_budget_table: true, object_permission: true },
    });
  const auditActions = async (userId: string) =>
    (
      await h.prisma.liteLLM_AuditLog.findMany({
        where: { table_name: 'LiteLLM_EndUserTable', object_id: userId },
        orderBy: { updated_at: 'asc' },
      })
    ).map((a) => a.action);
  const budgetsCreatedBy = (userId: string) =>
    h.prisma.liteLLM_BudgetTable.count({ where: { created_by: userId } });

  describe('POST /customer/new', () => {
    it('should create a customer with defaults and answer with its budget and object permission', async () => {
      const userId = uniq('cust');
      const res = await newCustomer({ user_id: userId, alias: 'Acme', allowed_model_region: 'eu' }).expect(
        200,
      );
      expect(res.body).toEqual({
        user_id: userId,
        alias: 'Acme',
        spend: 0,
        allowed_model_region: 'eu',
        default_model: null,
        budget_id: null,
        object_permission_id: null,
        blocked: false,
        litellm_budget_table: null,
        object_permission: null,
      });
      expect(await customerRow(userId)).toMatchObject({ alias: 'Acme', blocked: false, spend: 0 });
      expect(await auditActions(userId)).toEqual(['created']);
    });

    it('should create a budget of its own whose first reset is now + budget_duration, not a calendar boundary', async () => {
      const admin = await actor('proxy_admin');
      const userId = uniq('cust');
      const before = Date.now();
      const res = await newCustomer(
        { user_id: userId, max_budget: 10, tpm_limit: 100, budget_duration: '1d' },
        admin.headers,
      ).expect(200);
      const after = Date.now();
      expect(res.body.litellm_budget_table).toMatchObject({
        max_budget: 10,
        tpm_limit: 100,
        budget_duration: '1d',
        created_by: admin.userId,
      });
      const resetAt = new Date(res.body.litellm_budget_table.budget_reset_at).getTime();
      expect(resetAt).toBeGreaterThanOrEqual(before + 86_400_000);
      expect(resetAt).toBeLessThanOrEqual(after + 86_400_000);
      const row = await customerRow(userId);
      expect(row?.budget_id).toBe(res.body.budget_id);
      expect(row?.litellm_budget_table?.max_budget).toBe(10);
      const budgetAudit = await h.prisma.liteLLM_AuditLog.findMany({
        where: { table_name: 'LiteLLM_BudgetTable', object_id: res.body.budget_id },
      });
      expect(budgetAudit.map((a) => a.action)).toEqual(['created']);
    });

    it('should refuse an invalid budget_duration with 400 and create neither customer nor budget', async () => {
      const admin = await actor('proxy_admin');
      const userId = uniq('cust');
      const res = await newCustomer(
        { user_id: userId, max_budget: 5, budget_duration: 'fortnightly' },
        admin.headers,
      ).expect(400);
      expect(res.body.error.message).toContain("Invalid budget_duration 'fortnightly'");
      expect(await customerRow(userId)).toBeNull();
      expect(await budgetsCreatedBy(admin.userId)).toBe(0);
    });

    it('should refuse a negative max_budget with 400 and create nothing', async () => {
      const userId = uniq('cust');
      const res = await newCustomer({ user_id: userId, max_budget: -3 }).expect(400);
      expect(res.body.error.message).toBe('max_budget must be a non-negative finite number. Received: -3');
      expect(await customerRow(userId)).toBeNull();
    });

    it('should link an existing budget, and refuse an unknown one with 400', async () => {
      const budgetId = uniq('budget');
      await post('/budget/new', { budget_id: budgetId, max_budget: 50 }).expect(200);
      const userId = uniq('cust');
      const res = await newCustomer({ user_id: userId, budget_id: budgetId }).expect(200);
      expect(res.body.litellm_budget_table).toMatchObject({ budget_id: budgetId, max_budget: 50 });

      const other = uniq('cust');
      const unknown = await newCustomer({ user_id: other, budget_id: uniq('nope') }).expect(400);
      expect(unknown.body.error.param).toBe('budget_id');
      expect(await customerRow(other)).toBeNull();
    });

    it('should refuse budget fields together with budget_id with 422', async () => {
      const userId = uniq('cust');
      const res = await newCustomer({ user_id: userId, max_budget: 1, budget_id: 'b' }).expect(422);
      expect(res.body.error.message).toContain("Set either 'max_budget' or 'budget_id', not both.");
      await newCustomer({ user_id: userId, tpm_limit: 1, budget_id: 'b' }).expect(422);
      expect(await customerRow(userId)).toBeNull();
    });

    it('should store object_permission and return it', async () => {
      const userId = uniq('cust');
      const res = await newCustomer({
        user_id: userId,
        object_permission: { mcp_servers: ['server_1'], vector_stores: ['vs_1'] },
      }).expect(200);
      expect(res.body.object_permission).toMatchObject({
        mcp_servers: ['server_1'],
        vector_stores: ['vs_1'],
      });
      const row = await customerRow(userId);
      expect(row?.object_permission?.mcp_servers).toEqual(['server_1']);
    });

    it('should refuse a duplicate user_id with 400 type bad_request', async () => {
      const userId = uniq('cust');
      await newCustomer({ user_id: userId, alias: 'first' }).expect(200);
      const res = await newCustomer({ user_id: userId, alias: 'second' }).expect(400);
      expect(res.body.error).toEqual({
        message: `Customer already exists, passed user_id=${userId}. Please pass a new user_id.`,
        type: 'bad_request',
        param: 'user_id',
        code: '400',
      });
      expect((await customerRow(userId))?.alias).toBe('first');
    });

    it.each([
      {},
      { user_id: '' },
      { user_id: 7 },
      { user_id: 'x'.repeat(257) },
      { user_id: 'ok', blocked: 'yes' },
      { user_id: 'ok', allowed_model_region: 'mars' },
      { user_id: 'ok', spend: -1 },
      { user_id: 'ok', max_budget: '10' },
      { user_id: 'ok', object_permission: ['mcp'] },
      { user_id: 'ok', object_permission: 'all' },
      { user_id: 'ok', object_permission: { mcp_servers: 'server_1' } },
      { user_id: 'ok', budget_reset_at: 'next week' },
    ])('should refuse the wrong type %j with 422', async (body) => {
      const res = await newCustomer(body).expect(422);
      expect(res.body.error.type).toBe('validation_error');
    });
  });

  describe('GET /customer/info', () => {
    it('should return the customer without null fields, with its budget and object permission', async () => {
      const userId = uniq('cust');
      await newCustomer({ user_id: userId, max_budget: 4, object_permission: { models: ['gpt-4o'] } }).expect(
        200,
      );
      const res = await http().get('/customer/info').query({ end_user_id: userId }).set(asMaster).expect(200);
      expect(res.body).toMatchObject({ user_id: userId, spend: 0, blocked: false });
      expect(res.body).not.toHaveProperty('alias');
      expect(res.body).not.toHaveProperty('default_model');
      expect(res.body.litellm_budget_table).toMatchObject({ max_budget: 4 });
      expect(res.body.litellm_budget_table).not.toHaveProperty('soft_budget');
      expect(res.body.object_permission).toMatchObject({ models: ['gpt-4o'] });
    });

    it('should answer 404 type not_found for an unknown id and 422 without the parameter', async () => {
      const id = uniq('nope');
      const res = await http().get('/customer/info').query({ end_user_id: id }).set(asMaster).expect(404);
      expect(res.body.error).toEqual({
        message: `End User Id=${id} does not exist in db`,
        type: 'not_found',
        param: 'end_user_id',
        code: '404',
      });
      await http().get('/customer/info').set(asMaster).expect(422);
    });
  });

  describe('POST /customer/update', () => {
    it('should honour blocked:false (LiteLLM ignores false)', async () => {
      const userId = uniq('cust');
      await newCustomer({ user_id: userId, blocked: true }).expect(200);
      const res = await post('/customer/update', { user_id: userId, blocked: false }).expect(200);
      expect(res.body.blocked).toBe(false);
      expect((await customerRow(userId))?.blocked).toBe(false);
      expect(await auditActions(userId)).toEqual(['created', 'updated']);
    });

    it('should honour max_budget:0 on the linked budget (LiteLLM ignores 0)', async () => {
      const userId = uniq('cust');
      const created = await newCustomer({ user_id: userId, max_budget: 10 }).expect(200);
      const res = await post('/customer/update', { user_id: userId, max_budget: 0 }).expect(200);
      expect(res.body.budget_id).toBe(created.body.budget_id);
      expect(res.body.litellm_budget_table.max_budget).toBe(0);
      expect((await customerRow(userId))?.litellm_budget_table?.max_budget).toBe(0);
    });

    it('should honour empty lists in object_permission', async () => {
      const userId = uniq('cust');
      const created = await newCustomer({
        user_id: userId,
        object_permission: { mcp_servers: ['s1'], models: ['m'] },
      }).expect(200);
      const res = await post('/customer/update', {
        user_id: userId,
        object_permission: { mcp_servers: [] },
      }).expect(200);
      expect(res.body.object_permission_id).toBe(created.body.object_permission_id);
      expect(res.body.object_permission).toMatchObject({ mcp_servers: [], models: ['m'] });
    });

    it('should create a budget when none is linked, and leave fields sent as null alone', async () => {
      const userId = uniq('cust');
      await newCustomer({ user_id: userId, alias: 'keep', default_model: 'gpt-4o' }).expect(200);
      const res = await post('/customer/update', {
        user_id: userId,
        max_budget: 25,
        alias: null,
        default_model: null,
        allowed_model_region: 'us',
      }).expect(200);
      expect(res.body).toMatchObject({ alias: 'keep', default_model: 'gpt-4o', allowed_model_region: 'us' });
      expect(res.body.litellm_budget_table).toMatchObject({ max_budget: 25 });
      expect((await customerRow(userId))?.budget_id).toBe(res.body.budget_id);
    });

    it('should relink budget_id, and refuse an unknown budget or budget_id with max_budget', async () => {
      const budgetId = uniq('budget');
      await post('/budget/new', { budget_id: budgetId, max_budget: 9 }).expect(200);
      const userId = uniq('cust');
      await newCustomer({ user_id: userId, max_budget: 1 }).expect(200);
      const res = await post('/customer/update', { user_id: userId, budget_id: budgetId }).expect(200);
      expect(res.body.litellm_budget_table).toMatchObject({ budget_id: budgetId, max_budget: 9 });
      await post('/customer/update', { user_id: userId, budget_id: uniq('nope') }).expect(400);
      await post('/customer/update', { user_id: userId, budget_id: budgetId, max_budget: 2 }).expect(422);
      expect((await customerRow(userId))?.budget_id).toBe(budgetId);
    });

    it('should answer 404 for an unknown customer and create nothing', async () => {
      const id = uniq('nope');
      const res = await post('/customer/update', { user_id: id, blocked: true, max_budget: 3 }).expect(404);
      expect(res.body.error).toMatchObject({
        message: `End User Id=${id} does not exist in db`,
        type: 'not_found',
        param: 'user_id',
      });
      expect(await customerRow(id)).toBeNull();
    });

    it('should roll back the whole update when the budget part is refused', async () => {
      const userId = uniq('cust');
      await newCustomer({ user_id: userId, alias: 'before', max_budget: 5 }).expect(200);
      await post('/customer/update', { user_id: userId, alias: 'after', max_budget: -1 }).expect(400);
      const row = await customerRow(userId);
      expect(row?.alias).toBe('before');
      expect(row?.litellm_budget_table?.max_budget).toBe(5);
    });
  });

  describe('POST /customer/delete', () => {
    it('should delete the customers and say how many', async () => {
      const a = uniq('cust');
      const b = uniq('cust');
      await newCustomer({ user_id: a }).expect(200);
      await newCustomer({ user_id: b, max_budget: 1 }).expect(200);
      const res = await post('/customer/delete', { user_ids: [a, b] }).expect(200);
      expect(res.body).toEqual({
        deleted_customers: 2,
        message: `Successfully deleted customers with ids: ['${a}', '${b}']`,
      });
      expect(await customerRow(a)).toBeNull();
      expect(await customerRow(b)).toBeNull();
      expect(await auditActions(a)).toEqual(['created', 'deleted']);
    });

    it('should delete nothing when one id is unknown (404)', async () => {
      const a = uniq('cust');
      const missing = uniq('nope');
      await newCustomer({ user_id: a }).expect(200);
      const res = await post('/customer/delete', { user_ids: [a, missing] }).expect(404);
      expect(res.body.error).toMatchObject({
        message: `End User Id(s)=${missing} do not exist in db`,
        type: 'not_found',
        param: 'user_ids',
      });
      expect(await customerRow(a)).not.toBeNull();
    });

    it('should answer 400 for an empty list and 422 for a wrong type', async () => {
      const res = await post('/customer/delete', { user_ids: [] }).expect(400);
      expect(res.body.error.message).toContain('user_ids is required');
      await post('/customer/delete', { user_ids: 'a' }).expect(422);
      await post('/customer/delete', {}).expect(422);
    });
  });

  describe('GET /customer/list', () => {
    it('should return a plain list with budgets and object permissions, and page with page/size', async () => {
      const prefix = uniq('list');
      const ids = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
      for (const id of ids) await newCustomer({ user_id: id, max_budget: 1 }).expect(200);
      const list = (query: Record<string, number>) =>
        http().get('/customer/list').query(query).set(asMaster).expect(200);
      const res = await list({});
      expect(Array.isArray(res.body)).toBe(true);
      const total = Number(res.headers['x-total-count']);
      expect(total).toBeGreaterThanOrEqual(3);

      // A small page is the matching slice of a bigger one.
      const ids4 = (await list({ page: 1, size: 4 })).body.map((c: { user_id: string }) => c.user_id);
      const page2 = (await list({ page: 2, size: 2 })).body.map((c: { user_id: string }) => c.user_id);
      expect(page2).toEqual(ids4.slice(2, 4));

      // Walk all pages (1000 rows each): ours come in user_id order, with budget and permission.
      const all: { user_id: string }[] = [];
      for (let page = 1; page <= Math.ceil(total / 1000); page++) all.push(...(await list({ page })).body);
      const mine = all.filter((c) => c.user_id.startsWith(prefix));
      expect(mine.map((c) => c.user_id)).toEqual(ids);
      expect(mine[0]).toHaveProperty('litellm_budget_table.max_budget', 1);
      expect(mine[0]).toHaveProperty('object_permission', null);
      await http().get('/customer/list').query({ size: 0 }).set(asMaster).expect(422);
    });
  });

  describe('POST /customer/block and /customer/unblock', () => {
    it('should block known customers and create unknown ones blocked (LiteLLM upsert)', async () => {
      const known = uniq('cust');
      const unknown = uniq('cust');
      await newCustomer({ user_id: known, alias: 'k' }).expect(200);
      const res = await post('/customer/block', { user_ids: [known, unknown, known] }).expect(200);
      expect(res.body.blocked_users).toHaveLength(2);
      expect(res.body.blocked_users[0]).toMatchObject({ user_id: known, alias: 'k', blocked: true });
      expect(res.body.blocked_users[1]).toMatchObject({ user_id: unknown, blocked: true });
      expect((await customerRow(known))?.blocked).toBe(true);
      expect((await customerRow(unknown))?.blocked).toBe(true);
      expect(await auditActions(known)).toEqual(['created', 'blocked']);
    });

    it('should unblock in the database and answer with unblocked_users', async () => {
      const a = uniq('cust');
      await post('/customer/block', { user_ids: [a] }).expect(200);
      const res = await post('/customer/unblock', { user_ids: [a] }).expect(200);
      expect(res.body).toEqual({
        unblocked_users: [expect.objectContaining({ user_id: a, blocked: false })],
      });
      expect((await customerRow(a))?.blocked).toBe(false);
      expect(await auditActions(a)).toEqual(['blocked', 'unblocked']);
    });

    it('should unblock nothing when one id is unknown (404)', async () => {
      const a = uniq('cust');
      await post('/customer/block', { user_ids: [a] }).expect(200);
      await post('/customer/unblock', { user_ids: [a, uniq('nope')] }).expect(404);
      expect((await customerRow(a))?.blocked).toBe(true);
    });

    it('should answer 400, not 500, for an empty list', async () => {
      await post('/customer/block', { user_ids: [] }).expect(400);
      await post('/customer/unblock', { user_ids: [] }).expect(400);
      await post('/customer/block', { user_ids: [null] }).expect(422);
    });
  });

  describe('/end_user/* aliases', () => {
    it('should serve every route under /end_user/ as well', async () => {
      const id = uniq('eu');
      const created = await post('/end_user/new', { user_id: id, max_budget: 2 }).expect(200);
      expect(created.body.litellm_budget_table.max_budget).toBe(2);
      await http().get('/end_user/info').query({ end_user_id: id }).set(asMaster).expect(200);
      await post('/end_user/update', { user_id: id, alias: 'old name' }).expect(200);
      expect((await customerRow(id))?.alias).toBe('old name');
      const list = await http().get('/end_user/list').query({ size: 1 }).set(asMaster).expect(200);
      expect(list.body).toHaveLength(1);
      expect(list.headers['x-total-count']).toBeDefined();
      await post('/end_user/block', { user_ids: [id] }).expect(200);
      expect((await customerRow(id))?.blocked).toBe(true);
      await post('/end_user/unblock', { user_ids: [id] }).expect(200);
      expect((await customerRow(id))?.blocked).toBe(false);
      await post('/end_user/new', { user_id: id }).expect(400);
      await post('/end_user/delete', { user_ids: [id] }).expect(200);
      expect(await customerRow(id)).toBeNull();
      await http().get('/end_user/info').query({ end_user_id: id }).set(asMaster).expect(404);
    });

    it('should keep /end_user/* out of the API docs and /customer/* in them', async () => {
      const doc = await http().get('/docs-json').expect(200);
      const paths = Object.keys(doc.body.paths);
      expect(paths).toEqual(expect.arrayContaining(['/customer/new', '/customer/unblock', '/budget/list']));
      expect(paths.filter((p) => p.startsWith('/end_user'))).toEqual([]);
    });
  });

  describe('who may call', () => {
    it('should let a proxy_admin key manage customers', async () => {
      const admin = await actor('proxy_admin');
      const id = uniq('cust');
      await newCustomer({ user_id: id }, admin.headers).expect(200);
      await post('/customer/delete', { user_ids: [id] }, admin.headers).expect(200);
    });

    it('should let a proxy_admin_viewer read but refuse its writes with 403, changing nothing', async () => {
      const viewer = await actor('proxy_admin_viewer');
      const id = uniq('cust');
      await newCustomer({ user_id: id, alias: 'a' }).expect(200);
      await http().get('/customer/info').query({ end_user_id: id }).set(viewer.headers).expect(200);
      await http().get('/customer/list').query({ size: 1 }).set(viewer.headers).expect(200);
      await http().get('/end_user/list').query({ size: 1 }).set(viewer.headers).expect(200);

      const created = uniq('cust');
      await newCustomer({ user_id: created }, viewer.headers).expect(403);
      await post('/customer/update', { user_id: id, alias: 'b' }, viewer.headers).expect(403);
      await post('/customer/block', { user_ids: [id] }, viewer.headers).expect(403);
      await post('/customer/delete', { user_ids: [id] }, viewer.headers).expect(403);
      await post('/end_user/new', { user_id: created }, viewer.headers).expect(403);
      expect(await customerRow(created)).toBeNull();
      expect(await customerRow(id)).toMatchObject({ alias: 'a', blocked: false });
    });

    it('should refuse an internal_user key at the route gate with 401, changing nothing', async () => {
      const user = await actor('internal_user');
      const id = uniq('cust');
      await newCustomer({ user_id: id }).expect(200);
      const created = uniq('cust');
      for (const req of [
        http().get('/customer/list'),
        http().get('/customer/info').query({ end_user_id: id }),
        http().post('/customer/new').send({ user_id: created }),
        http()
          .post('/customer/block')
          .send({ user_ids: [id] }),
        http()
          .post('/customer/delete')
          .send({ user_ids: [id] }),
        http().post('/end_user/new').send({ user_id: created }),
        http().get('/end_user/list'),
      ]) {
        const res = await req.set(user.headers).expect(401);
        expect(res.body.error.message).toContain('Only proxy admin can be used');
      }
      expect(await customerRow(created)).toBeNull();
      expect(await customerRow(id)).toMatchObject({ blocked: false });
    });
  });

  describe('hostile input', () => {
    const bodies: unknown[] = [
      null,
      [],
      'text',
      { user_id: null },
      { user_id: null, user_ids: null, object_permission: null, max_budget: null, blocked: null },
      { user_id: 'x', object_permission: { mcp_tool_permissions: { s: ['t\u0000'] } } },
      { user_id: 'x', object_permission: { mcp_tool_permissions: 'all' } },
      { user_id: 'x', object_permission: { models: [1, 2] } },
      { user_id: 'x', object_permission: [{ models: [] }] },
      { user_id: 'a\u0000' },
      { user_id: '\u{1F600}'.repeat(256), alias: '\u{1F600}'.repeat(256) },
      { user_id: 'x'.repeat(90_000) },
      { user_ids: ['\u0000'] },
      { user_ids: Array.from({ length: 1001 }, (_, i) => `u${i}`) },
      { user_ids: [['nested']] },
      { user_ids: { a: 1 } },
      { user_id: 'x', model_max_budget: { m: { budget_limit: 'lots' } } },
      { user_id: 'x', budget_reset_at: '+275760-09-13T00:00:00Z' },
      { user_id: 'x', max_parallel_requests: 1e12, tpm_limit: 1e300 },
    ];
    const deep = `{"user_id": "x", "object_permission": {"mcp_tool_permissions": ${'['.repeat(5000)}${']'.repeat(5000)}}}`;

    it.each(['new', 'update', 'delete', 'block', 'unblock'])(
      'should never answer 5xx on /customer/%s',
      async (route) => {
        for (const body of [...bodies, deep]) {
          const res = await http()
            .post(`/customer/${route}`)
            .set(asMaster)
            .set('Content-Type', 'application/json')
            .send(body === deep ? deep : JSON.stringify(body));
          if (res.status >= 500)
            throw new Error(
              `/customer/${route} answered ${res.status} to ${String(JSON.stringify(body)).slice(0, 200)}`,
            );
          if (res.status >= 400) expect(res.body.error.code).toBe(String(res.status));
        }
      },
    );

    it('should never answer 5xx on the GET routes', async () => {
      for (const query of [
        { end_user_id: 'a\u0000b' },
        { end_user_id: ['a', 'b'] },
        { end_user_id: 'x'.repeat(5000) },
        { page: '1.5' },
        { size: '-3' },
      ]) {
        for (const path of ['/customer/info', '/customer/list', '/end_user/info']) {
          const res = await http().get(path).query(query).set(asMaster);
          expect(res.status).toBeLessThan(500);
        }
      }
    });
  });
});
