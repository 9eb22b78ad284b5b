import { uniq } from './app.factory';
import { createDailyTagSpend, createProxyModel, createUserWithKey } from './factories';
import { useE2e } from './harness';

describe('tags (/tag/*)', () => {
  const h = useE2e({ world: true });
  const { http, as, post } = h;
  const asMaster = h.master;

  const tagRow = (name: string) =>
    h.prisma.liteLLM_TagTable.findUnique({
      where: { tag_name: name },
      include: { litellm_budget_table: true },
    });
  const auditActions = async (name: string) =>
    (
      await h.prisma.liteLLM_AuditLog.findMany({
        where: { table_name: 'LiteLLM_TagTable', object_id: name },
        orderBy: { updated_at: 'asc' },
      })
    ).map((a) => a.action);
  const newTag = async (extra: Record<string, unknown> = {}) => {
    const name = uniq('tag');
    await post('/tag/new', { name, ...extra }).expect(200);
    return name;
  };
  const deployment = (modelName: string, litellmParams: unknown = { model: 'openai/gpt-4' }) =>
    createProxyModel(h.prisma, { model_name: modelName, litellm_params: litellmParams as object });

  describe('POST /tag/new', () => {
    it('should create a tag with a budget row and answer with the tag', async () => {
      const name = uniq('tag');
      const res = await post('/tag/new', {
        name,
        description: 'Production traffic',
        models: ['gpt-4'],
        max_budget: 50,
        tpm_limit: 1000,
      }).expect(200);
      expect(res.body).toMatchObject({
        message: `Tag ${name} created successfully`,
        tag: {
          name,
          description: 'Production traffic',
          models: ['gpt-4'],
          created_by: 'default_user_id',
          spend: 0,
        },
      });
      const row = await tagRow(name);
      expect(row).toMatchObject({
        description: 'Production traffic',
        models: ['gpt-4'],
        created_by: 'default_user_id',
      });
      expect(row?.litellm_budget_table).toMatchObject({ max_budget: 50, tpm_limit: BigInt(1000) });
      expect(await auditActions(name)).toEqual(['created']);
    });

    it('should create no budget row without budget fields, and link an existing budget_id', async () => {
      const plain = await newTag();
      expect((await tagRow(plain))?.budget_id).toBeNull();
      const budgetId = uniq('budget');
      await post('/budget/new', { budget_id: budgetId, max_budget: 3 }).expect(200);
      const linked = await newTag({ budget_id: budgetId });
      expect((await tagRow(linked))?.litellm_budget_table?.max_budget).toBe(3);
    });

    it('should refuse an unknown budget_id, or budget fields with a budget_id, with 400 and create nothing', async () => {
      const name = uniq('tag');
      await post('/tag/new', { name, budget_id: uniq('nope') }).expect(400);
      await post('/tag/new', { name, budget_id: 'x', max_budget: 1 }).expect(400);
      await post('/tag/new', { name, max_budget: -1 }).expect(400);
      await post('/tag/new', { name, budget_duration: 'often' }).expect(400);
      expect(await tagRow(name)).toBeNull();
    });

    it('should refuse a duplicate tag with 400 in our envelope (LiteLLM: 500) and keep the first', async () => {
      const name = await newTag({ description: 'first' });
      const res = await post('/tag/new', { name, description: 'second' }).expect(400);
      expect(res.body.error).toMatchObject({
        message: `Tag ${name} already exists`,
        param: 'name',
        code: '400',
      });
      expect((await tagRow(name))?.description).toBe('first');
    });

    it('should add the tag to the stored deployments it names and record model_info for model ids', async () => {
      const modelName = uniq('model');
      const byName = await deployment(modelName, { model: 'openai/gpt-4', tags: ['old'] });
      const byId = await deployment(uniq('other'));
      const scalar = await deployment(modelName, 'not-an-object');
      const name = uniq('tag');
      const res = await post('/tag/new', { name, models: [modelName, byId.model_id] }).expect(200);
      expect(res.body.tag.model_info).toEqual({ [byId.model_id]: byId.model_name });
      const rows = await h.prisma.liteLLM_ProxyModelTable.findMany({
        where: { model_id: { in: [byName.model_id, byId.model_id, scalar.model_id] } },
      });
      const params = Object.fromEntries(rows.map((r) => [r.model_id, r.litellm_params]));
      expect(params[byName.model_id]).toEqual({ model: 'openai/gpt-4', tags: ['old', name] });
      expect(params[byId.model_id]).toEqual({ model: 'openai/gpt-4', tags: [name] });
      expect(params[scalar.model_id]).toBe('not-an-object');
    });

    it('should refuse non-admins at the route gate (401) and viewers (403), creating nothing', async () => {
      const name = uniq('tag');
      for (const actor of ['TEAM_ADMIN', 'INTERNAL_USER', 'ORG_ADMIN'] as const) {
        await post('/tag/new', { name }, as(actor)).expect(401);
      }
      const viewer = await createUserWithKey(h.prisma, 'proxy_admin_viewer');
      await post('/tag/new', { name }, viewer.headers).expect(403);
      expect(await tagRow(name)).toBeNull();
    });

    it('should answer 422 for badly shaped bodies and never 500', async () => {
      for (const body of [
        {},
        { name: '' },
        { name: 5 },
        { name: 'x'.repeat(300) },
        { name: uniq('tag'), models: 'gpt-4' },
        { name: uniq('tag'), models: [1] },
        { name: uniq('tag'), max_budget: 'lots' },
        { name: uniq('tag'), model_max_budget: [] },
      ]) {
        await post('/tag/new', body).expect(422);
      }
      for (const body of [[], 'text', { name: uniq('tag'), model_max_budget: { m: 1 } }]) {
        const res = await post('/tag/new', body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    });
  });

  describe('POST /tag/update', () => {
    it('should change only the fields sent and update the budget in place', async () => {
      const name = await newTag({ description: 'd', models: ['gpt-4'], max_budget: 10 });
      const budgetId = (await tagRow(name))!.budget_id;
      const res = await post('/tag/update', { name, max_budget: 20, spend: 0 }).expect(200);
      expect(res.body).toMatchObject({
        message: `Tag ${name} updated successfully`,
        tag: { description: 'd', models: ['gpt-4'] },
      });
      const row = await tagRow(name);
      expect(row).toMatchObject({ description: 'd', models: ['gpt-4'], budget_id: budgetId });
      expect(row?.litellm_budget_table?.max_budget).toBe(20);

      await post('/tag/update', { name, description: null, models: null }).expect(200);
      expect(await tagRow(name)).toMatchObject({ description: null, models: [] });
      expect(await auditActions(name)).toEqual(['created', 'updated', 'updated']);
    });

    it('should create and link a budget when the tag has none', async () => {
      const name = await newTag();
      await post('/tag/update', { name, rpm_limit: 5 }).expect(200);
      expect((await tagRow(name))?.litellm_budget_table?.rpm_limit).toBe(BigInt(5));
    });

    it('should answer 404 for an unknown tag and change nothing', async () => {
      const name = uniq('tag');
      const res = await post('/tag/update', { name, description: 'x' }).expect(404);
      expect(res.body.error).toMatchObject({ message: `Tag ${name} not found`, code: '404' });
      expect(await tagRow(name)).toBeNull();
    });

    it('should refuse non-admins with 401 and change nothing', async () => {
      const name = await newTag({ description: 'keep' });
      await post('/tag/update', { name, description: 'changed' }, as('TEAM_ADMIN')).expect(401);
      expect((await tagRow(name))?.description).toBe('keep');
    });
  });

  describe('POST /tag/info', () => {
    it('should answer the tags keyed by name with their budget', async () => {
      const a = await newTag({ max_budget: 1 });
      const b = await newTag();
      const res = await post('/tag/info', { names: [a, b] }).expect(200);
      expect(Object.keys(res.body).sort()).toEqual([a, b].sort());
      expect(res.body[a]).toMatchObject({ name: a, litellm_budget_table: { max_budget: 1 } });
      expect(res.body[b]).not.toHaveProperty('litellm_budget_table');
    });

    it('should answer 404 naming every unknown tag', async () => {
      const a = await newTag();
      const missing = uniq('nope');
      const res = await post('/tag/info', { names: [a, missing] }).expect(404);
      expect(res.body.error.message).toBe(`Tags not found: ["${missing}"]`);
      await post('/tag/info', { names: 'x' }).expect(422);
      await post('/tag/info', {}).expect(422);
    });
  });

  describe('GET /tag/list', () => {
    it('should list stored tags then dynamic spend-only tags to admins, and check the dates', async () => {
      const stored = await newTag({ max_budget: 2 });
      const dynamic = uniq('dyn');
      await createDailyTagSpend(h.prisma, {
        tag: dynamic,
        date: '2026-01-15',
        api_key: h.world.actors.INTERNAL_USER.token,
        spend: 1,
      });
      const res = await http().get('/tag/list').set(asMaster).expect(200);
      const byName = new Map((res.body as { name: string }[]).map((x) => [x.name, x]));
      expect(byName.get(stored)).toMatchObject({ name: stored, litellm_budget_table: { max_budget: 2 } });
      expect(byName.get(dynamic)).toMatchObject({
        name: dynamic,
        models: null,
        description: expect.stringContaining('spend tag that was passed dynamically'),
      });

      const inWindow = await http()
        .get('/tag/list')
        .query({ start_date: '2026-01-01', end_date: '2026-01-31' })
        .set(asMaster)
        .expect(200);
      expect((inWindow.body as { name: string }[]).map((x) => x.name)).toContain(dynamic);
      const outside = await http()
        .get('/tag/list')
        .query({ start_date: '2025-01-01', end_date: '2025-01-31' })
        .set(asMaster)
        .expect(200);
      expect((outside.body as { name: string }[]).map((x) => x.name)).not.toContain(dynamic);

      for (const query of [
        { start_date: '2026-01-01' },
        { start_date: '2026-02-01', end_date: '2026-01-01' },
        { start_date: '2026-02-30', end_date: '2026-03-01' },
        { start_date: 'yesterday', end_date: '2026-03-01' },
      ]) {
        await http().get('/tag/list').query(query).set(asMaster).expect(400);
      }
    });

    it("should show an org admin (who passes the gate with org context) only their own keys' tags", async () => {
      const mine = uniq('dyn');
      const theirs = uniq('dyn');
      for (const [tag, actor] of [
        [mine, 'ORG_ADMIN'],
        [theirs, 'CROSS_ORG_USER'],
      ] as const) {
        await createDailyTagSpend(h.prisma, {
          tag,
          date: '2026-01-15',
          api_key: h.world.actors[actor].token,
          spend: 1,
        });
      }
      const res = await http()
        .get('/tag/list')
        .query({ organization_id: h.world.orgA })
        .set(as('ORG_ADMIN'))
        .expect(200);
      const names = (res.body as { name: string }[]).map((x) => x.name);
      expect(names).toContain(mine);
      expect(names).not.toContain(theirs);
      await http().get('/tag/list').set(as('INTERNAL_USER')).expect(401);
    });
  });

  describe('POST /tag/delete', () => {
    it('should delete the tag, keep its budget row and write an audit row', async () => {
      const name = await newTag({ max_budget: 9 });
      const budgetId = (await tagRow(name))!.budget_id!;
      const res = await post('/tag/delete', { name }).expect(200);
      expect(res.body).toEqual({ message: `Tag ${name} deleted successfully` });
      expect(await tagRow(name)).toBeNull();
      expect(
        await h.prisma.liteLLM_BudgetTable.findUnique({ where: { budget_id: budgetId } }),
      ).not.toBeNull();
      expect(await auditActions(name)).toEqual(['created', 'deleted']);
    });

    it('should answer 404 for an unknown tag, 422 for a bad body, and refuse non-admins with nothing deleted', async () => {
      await post('/tag/delete', { name: uniq('nope') }).expect(404);
      await post('/tag/delete', {}).expect(422);
      const name = await newTag();
      await post('/tag/delete', { name }, as('TEAM_ADMIN')).expect(401);
      await post('/tag/delete', { name }, as('ORG_ADMIN')).expect(401);
      expect(await tagRow(name)).not.toBeNull();
    });
  });
});
