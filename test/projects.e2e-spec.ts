import { uniq } from './app.factory';
import { createKey, createTeam, updateTeam } from './factories';
import { useE2e } from './harness';

describe('projects (/project/*)', () => {
  const h = useE2e({ world: true });
  const { http, as, post } = h;
  const asMaster = h.master;

  const newProject = (body: Record<string, unknown>, headers = asMaster) =>
    post('/project/new', body, headers);
  const updateProject = (body: Record<string, unknown>, headers = asMaster) =>
    post('/project/update', body, headers);
  const deleteProjects = (body: unknown, headers = asMaster) =>
    http()
      .delete('/project/delete')
      .set(headers)
      .send(body as object);
  const projectRow = (projectId: string) =>
    h.prisma.liteLLM_ProjectTable.findUnique({
      where: { project_id: projectId },
      include: { litellm_budget_table: true, object_permission: true },
    });
  const projectsOfTeam = (teamId: string) =>
    h.prisma.liteLLM_ProjectTable.count({ where: { team_id: teamId } });
  const auditActions = async (projectId: string) =>
    (
      await h.prisma.liteLLM_AuditLog.findMany({
        where: { table_name: 'LiteLLM_ProjectTable', object_id: projectId },
        orderBy: { updated_at: 'asc' },
      })
    ).map((a) => a.action);
  /** What a proxy admin enables on a team so that its admins may manage projects. */
  const setTeamAdminPermissions = (teamId: string, permissions: string[]) =>
    updateTeam(h.prisma, teamId, { metadata: { team_admin_permissions: permissions } });
  const projectIn = async (teamId: string, extra: Record<string, unknown> = {}) => {
    const projectId = uniq('proj');
    await newProject({ team_id: teamId, project_id: projectId, ...extra }).expect(200);
    return projectId;
  };

  afterEach(async () => {
    await setTeamAdminPermissions(h.world.alpha, []);
    await setTeamAdminPermissions(h.world.beta, []);
  });

  describe('POST /project/new', () => {
    it('should create a project with its own budget, object permission, limits and audit rows', async () => {
      const projectId = uniq('proj');
      const res = await newProject({
        team_id: h.world.alpha,
        project_id: projectId,
        project_alias: 'flight-search',
        description: 'Flight search assistant',
        models: ['gpt-4'],
        max_budget: 100,
        soft_budget: 50,
        tpm_limit: 1000,
        budget_duration: '30d',
        model_rpm_limit: { 'gpt-4': 1000 },
        model_tpm_limit: { 'gpt-4': 50000 },
        metadata: { use_case_id: 'SNOW-1' },
        tags: ['production'],
        object_permission: { vector_stores: ['vs_1'] },
      }).expect(200);
      expect(res.body).toMatchObject({
        project_id: projectId,
        project_alias: 'flight-search',
        team_id: h.world.alpha,
        models: ['gpt-4'],
        spend: 0,
        blocked: false,
        model_rpm_limit: { 'gpt-4': 1000 },
        metadata: { use_case_id: 'SNOW-1', tags: ['production'] },
        created_by: 'default_user_id',
        updated_by: 'default_user_id',
        litellm_budget_table: { max_budget: 100, soft_budget: 50, tpm_limit: 1000, budget_duration: '30d' },
        object_permission: { vector_stores: ['vs_1'] },
      });
      expect(res.body.litellm_budget_table.budget_reset_at).not.toBeNull();
      const row = await projectRow(projectId);
      expect(row).toMatchObject({ team_id: h.world.alpha, budget_id: res.body.budget_id });
      expect(row?.litellm_budget_table?.max_budget).toBe(100);
      expect(row?.model_tpm_limit).toEqual({ 'gpt-4': 50000 });
      expect(row?.object_permission?.vector_stores).toEqual(['vs_1']);
      expect(await auditActions(projectId)).toEqual(['created']);
      const budgetAudit = await h.prisma.liteLLM_AuditLog.count({
        where: { table_name: 'LiteLLM_BudgetTable', object_id: res.body.budget_id, action: 'created' },
      });
      expect(budgetAudit).toBe(1);
    });

    it('should always create a budget row, even without budget fields, and generate a project id', async () => {
      const res = await newProject({ team_id: h.world.alpha }).expect(200);
      expect(res.body.project_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.budget_id).toEqual(expect.any(String));
      const budget = await h.prisma.liteLLM_BudgetTable.findUnique({
        where: { budget_id: res.body.budget_id },
      });
      expect(budget).toMatchObject({ max_budget: null, created_by: 'default_user_id' });
    });

    it('should link an existing budget, and refuse an unknown budget or budget fields with a budget_id (400)', async () => {
      const budgetId = uniq('budget');
      await post('/budget/new', { budget_id: budgetId, max_budget: 7 }).expect(200);
      const linked = await newProject({ team_id: h.world.gamma, budget_id: budgetId }).expect(200);
      expect(linked.body.litellm_budget_table).toMatchObject({ budget_id: budgetId, max_budget: 7 });

      const before = await projectsOfTeam(h.world.gamma);
      const unknown = await newProject({ team_id: h.world.gamma, budget_id: uniq('nope') }).expect(400);
      expect(unknown.body.error.param).toBe('budget_id');
      const both = await newProject({ team_id: h.world.gamma, budget_id: budgetId, max_budget: 1 }).expect(
        400,
      );
      expect(both.body.error.message).toContain("or 'budget_id', not both");
      expect(await projectsOfTeam(h.world.gamma)).toBe(before);
    });

    it('should answer 404 for an unknown team', async () => {
      const teamId = uniq('no-team');
      const res = await newProject({ team_id: teamId }).expect(404);
      expect(res.body.error).toMatchObject({
        message: `Team not found, team_id=${teamId}`,
        type: 'not_found',
        param: 'team_id',
        code: '404',
      });
    });

    it('should refuse a duplicate project_id with 400 and leave the first project alone', async () => {
      const projectId = await projectIn(h.world.alpha, { description: 'first' });
      const res = await newProject({
        team_id: h.world.gamma,
        project_id: projectId,
        description: 'second',
      }).expect(400);
      expect(res.body.error).toMatchObject({
        message: `Project id = ${projectId} already exists. Please use a different project id.`,
        param: 'project_id',
      });
      expect(await projectRow(projectId)).toMatchObject({ team_id: h.world.alpha, description: 'first' });
    });

    it("should keep a project within its team's models, budget and rate limits (400, nothing created)", async () => {
      const team = await createTeam(h.prisma, {
        models: ['gpt-4', 'gpt-4o'],
        max_budget: 10,
        tpm_limit: 100,
        rpm_limit: 10,
      });
      const cases: [Record<string, unknown>, string][] = [
        [
          { models: ['claude'] },
          `Model 'claude' not in team's allowed models. Team allowed models=["gpt-4","gpt-4o"]. Team: ${team.team_id}`,
        ],
        [{ max_budget: 20 }, `Project max_budget (20) exceeds team's max_budget (10). Team: ${team.team_id}`],
        [{ tpm_limit: 200 }, `Project tpm_limit (200) exceeds team's tpm_limit (100). Team: ${team.team_id}`],
        [{ rpm_limit: 11 }, `Project rpm_limit (11) exceeds team's rpm_limit (10). Team: ${team.team_id}`],
        [{ max_budget: 5, soft_budget: 5 }, 'soft_budget (5) must be strictly lower than max_budget (5)'],
        [{ max_budget: -1 }, 'max_budget cannot be negative. Received: -1'],
        [{ model_rpm_limit: { 'gpt-4': -5 } }, 'model_rpm_limit values must be whole numbers >= 0'],
        [{ model_tpm_limit: { 'gpt-4': 'lots' } }, 'model_tpm_limit values must be whole numbers >= 0'],
      ];
      for (const [body, message] of cases) {
        const res = await newProject({ team_id: team.team_id, ...body }).expect(400);
        expect(res.body.error.message).toContain(message);
      }
      expect(await projectsOfTeam(team.team_id)).toBe(0);
      await newProject({ team_id: team.team_id, models: ['gpt-4'], max_budget: 10, tpm_limit: 100 }).expect(
        200,
      );
    });

    it('should accept any model when the team allows all proxy models or lists none', async () => {
      const open = await createTeam(h.prisma, { models: ['all-proxy-models'] });
      await newProject({ team_id: open.team_id, models: ['anything'] }).expect(200);
      const none = await createTeam(h.prisma, { models: [] });
      await newProject({ team_id: none.team_id, models: ['anything'] }).expect(200);
    });

    it("should refuse a team admin without the team's 'projects' permission with 403 and create nothing (pinned §20.3)", async () => {
      const before = await projectsOfTeam(h.world.alpha);
      const res = await newProject({ team_id: h.world.alpha }, as('TEAM_ADMIN')).expect(403);
      expect(res.body.error.message).toContain("need the 'projects' permission");
      expect(await projectsOfTeam(h.world.alpha)).toBe(before);
    });

    it("should let a team admin create a project once the team grants its admins 'projects' (pinned §20.3)", async () => {
      await setTeamAdminPermissions(h.world.alpha, ['projects']);
      const projectId = uniq('proj');
      const res = await newProject(
        { team_id: h.world.alpha, project_id: projectId },
        as('TEAM_ADMIN'),
      ).expect(200);
      expect(res.body.created_by).toBe(h.world.actors.TEAM_ADMIN.userId);
      expect(await projectRow(projectId)).toMatchObject({ team_id: h.world.alpha });
    });

    it('should refuse plain members, org admins and outsiders with 403 even when team admins may (pinned §20.3)', async () => {
      await setTeamAdminPermissions(h.world.alpha, ['projects']);
      const before = await projectsOfTeam(h.world.alpha);
      for (const name of [
        'INTERNAL_USER',
        'OWNER',
        'ORG_ADMIN',
        'ORG_B_ADMIN',
        'CROSS_ORG_USER',
        'SERVICE_ACCOUNT',
      ] as const) {
        const res = await newProject({ team_id: h.world.alpha }, as(name)).expect(403);
        expect(res.body.error.message).toContain('Only admins or team admins can create projects');
      }
      expect(await projectsOfTeam(h.world.alpha)).toBe(before);
    });

    it("should refuse a team admin of alpha creating a project in beta, even when beta's admins may (cross-tenant)", async () => {
      await setTeamAdminPermissions(h.world.alpha, ['projects']);
      await setTeamAdminPermissions(h.world.beta, ['projects']);
      const before = await projectsOfTeam(h.world.beta);
      await newProject({ team_id: h.world.beta }, as('TEAM_ADMIN')).expect(403);
      expect(await projectsOfTeam(h.world.beta)).toBe(before);
    });

    it('should answer 422 for badly shaped bodies and never 500', async () => {
      for (const body of [
        {},
        { team_id: 12 },
        { team_id: '' },
        { team_id: h.world.alpha, project_id: '' },
        { team_id: h.world.alpha, models: 'gpt-4' },
        { team_id: h.world.alpha, models: [1] },
        { team_id: h.world.alpha, max_budget: 'ten' },
        { team_id: h.world.alpha, tpm_limit: 1.5 },
        { team_id: h.world.alpha, metadata: [] },
        { team_id: h.world.alpha, object_permission: ['x'] },
        { team_id: h.world.alpha, object_permission: { mcp_servers: 'x' } },
        { team_id: h.world.alpha, blocked: 'yes' },
        { team_id: 'x'.repeat(300) },
        { team_id: h.world.alpha, models: Array.from({ length: 1001 }, (_, i) => `m${i}`) },
      ]) {
        const res = await newProject(body);
        expect([422]).toContain(res.status);
      }
      for (const body of [
        [],
        'text',
        null,
        { team_id: h.world.alpha, budget_duration: 'often' },
        { team_id: h.world.alpha, model_max_budget: { x: 1 } },
      ]) {
        const res = await post('/project/new', body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    });
  });

  describe('POST /project/update', () => {
    it('should change the fields sent, update the budget in place, replace metadata and write an audit row', async () => {
      const projectId = await projectIn(h.world.alpha, {
        description: 'old',
        max_budget: 10,
        metadata: { a: 1, b: 2 },
        models: ['gpt-4'],
      });
      const before = await projectRow(projectId);
      const res = await updateProject({
        project_id: projectId,
        description: 'new',
        max_budget: 20,
        metadata: { c: 3 },
        tags: ['prod'],
        blocked: true,
        model_rpm_limit: { 'gpt-4': 5 },
        project_alias: null,
      }).expect(200);
      expect(res.body).toMatchObject({
        description: 'new',
        metadata: { c: 3, tags: ['prod'] },
        blocked: true,
        models: ['gpt-4'],
        model_rpm_limit: { 'gpt-4': 5 },
        budget_id: before?.budget_id,
        litellm_budget_table: { max_budget: 20 },
      });
      expect(res.body.metadata).not.toHaveProperty('a');
      const row = await projectRow(projectId);
      expect(row).toMatchObject({ description: 'new', blocked: true, budget_id: before?.budget_id });
      expect(row?.litellm_budget_table?.max_budget).toBe(20);
      expect(await auditActions(projectId)).toEqual(['created', 'updated']);

      await updateProject({ project_id: projectId, blocked: false, tags: ['dev'] }).expect(200);
      const after = await projectRow(projectId);
      expect(after?.blocked).toBe(false);
      expect(after?.metadata).toEqual({ c: 3, tags: ['dev'] });
    });

    it('should answer 404 for an unknown project and 422 without project_id', async () => {
      const projectId = uniq('nope');
      const res = await updateProject({ project_id: projectId, description: 'x' }).expect(404);
      expect(res.body.error.message).toBe(`Project not found, project_id=${projectId}`);
      await updateProject({ description: 'x' }).expect(422);
    });

    it("should check the team's limits on update (400, nothing changed)", async () => {
      const team = await createTeam(h.prisma, { models: ['gpt-4'], max_budget: 10 });
      const projectId = await projectIn(team.team_id, { max_budget: 5 });
      await updateProject({ project_id: projectId, max_budget: 50 }).expect(400);
      await updateProject({ project_id: projectId, models: ['claude'] }).expect(400);
      const row = await projectRow(projectId);
      expect(row?.litellm_budget_table?.max_budget).toBe(5);
      expect(row?.models).toEqual([]);
    });

    it("should let a team admin with the 'projects' permission update their team's project, and refuse them without it", async () => {
      const projectId = await projectIn(h.world.alpha, { description: 'orig' });
      await updateProject({ project_id: projectId, description: 'by admin' }, as('TEAM_ADMIN')).expect(403);
      expect((await projectRow(projectId))?.description).toBe('orig');
      await setTeamAdminPermissions(h.world.alpha, ['projects']);
      await updateProject({ project_id: projectId, description: 'by admin' }, as('TEAM_ADMIN')).expect(200);
      expect((await projectRow(projectId))?.description).toBe('by admin');
    });

    it("should refuse members, org admins and a team admin of alpha on beta's project with 403 and change nothing (cross-tenant)", async () => {
      await setTeamAdminPermissions(h.world.alpha, ['projects']);
      await setTeamAdminPermissions(h.world.beta, ['projects']);
      const betaProject = await projectIn(h.world.beta, { description: 'beta' });
      const alphaProject = await projectIn(h.world.alpha, { description: 'alpha' });
      await updateProject({ project_id: betaProject, description: 'hacked' }, as('TEAM_ADMIN')).expect(403);
      await updateProject({ project_id: betaProject, description: 'hacked' }, as('ORG_ADMIN')).expect(403);
      await updateProject({ project_id: alphaProject, description: 'hacked' }, as('INTERNAL_USER')).expect(
        403,
      );
      await updateProject({ project_id: alphaProject, description: 'hacked' }, as('ORG_ADMIN')).expect(403);
      await updateProject({ project_id: alphaProject, description: 'hacked' }, as('CROSS_ORG_USER')).expect(
        403,
      );
      expect((await projectRow(betaProject))?.description).toBe('beta');
      expect((await projectRow(alphaProject))?.description).toBe('alpha');
      expect(await auditActions(betaProject)).toEqual(['created']);
    });

    it('should not let a team admin move their project into a team they do not administer (403)', async () => {
      await setTeamAdminPermissions(h.world.alpha, ['projects']);
      await setTeamAdminPermissions(h.world.beta, ['projects']);
      const projectId = await projectIn(h.world.alpha);
      await updateProject({ project_id: projectId, team_id: h.world.beta }, as('TEAM_ADMIN')).expect(403);
      expect((await projectRow(projectId))?.team_id).toBe(h.world.alpha);
    });

    it('should move a project without keys to another team, and refuse one with keys (400)', async () => {
      const projectId = await projectIn(h.world.alpha);
      await updateProject({ project_id: projectId, team_id: h.world.gamma }).expect(200);
      expect((await projectRow(projectId))?.team_id).toBe(h.world.gamma);
      await updateProject({ project_id: projectId, team_id: uniq('no-team') }).expect(404);

      await createKey(h.prisma, { project_id: projectId, team_id: h.world.gamma });
      const res = await updateProject({ project_id: projectId, team_id: h.world.alpha }).expect(400);
      expect(res.body.error.message).toContain('1 key(s) are associated with it');
      expect((await projectRow(projectId))?.team_id).toBe(h.world.gamma);
    });
  });

  describe('DELETE /project/delete', () => {
    it('should delete the projects, keep their budget rows and write audit rows', async () => {
      const a = await projectIn(h.world.gamma);
      const b = await projectIn(h.world.gamma);
      const budgetId = (await projectRow(a))!.budget_id!;
      const res = await deleteProjects({ project_ids: [a, b] }).expect(200);
      expect(res.body.map((p: { project_id: string }) => p.project_id)).toEqual([a, b]);
      expect(await projectRow(a)).toBeNull();
      expect(await projectRow(b)).toBeNull();
      expect(
        await h.prisma.liteLLM_BudgetTable.findUnique({ where: { budget_id: budgetId } }),
      ).not.toBeNull();
      expect(await auditActions(a)).toEqual(['created', 'deleted']);
    });

    it('should delete nothing when one id is unknown (404)', async () => {
      const a = await projectIn(h.world.gamma);
      const missing = uniq('nope');
      const res = await deleteProjects({ project_ids: [a, missing] }).expect(404);
      expect(res.body.error.message).toBe(`Project not found, project_id=${missing}`);
      expect(await projectRow(a)).not.toBeNull();
    });

    it('should refuse to delete a project that still has keys (400) and delete none of the batch', async () => {
      const free = await projectIn(h.world.gamma);
      const busy = await projectIn(h.world.gamma);
      await createKey(h.prisma, { project_id: busy });
      const res = await deleteProjects({ project_ids: [free, busy] }).expect(400);
      expect(res.body.error.message).toBe(
        `Cannot delete project ${busy}. 1 key(s) are associated with it. Please delete or reassign the keys first.`,
      );
      expect(await projectRow(free)).not.toBeNull();
      expect(await projectRow(busy)).not.toBeNull();
    });

    it('should refuse everyone but proxy admins with 403 and delete nothing', async () => {
      await setTeamAdminPermissions(h.world.alpha, ['projects']);
      const projectId = await projectIn(h.world.alpha);
      for (const name of ['TEAM_ADMIN', 'ORG_ADMIN', 'INTERNAL_USER', 'CROSS_ORG_USER'] as const) {
        const res = await deleteProjects({ project_ids: [projectId] }, as(name)).expect(403);
        expect(res.body.error.message).toBe('Only admins can delete projects');
      }
      expect(await projectRow(projectId)).not.toBeNull();
      await deleteProjects({ project_ids: [projectId] }, as('PROXY_ADMIN')).expect(200);
    });

    it('should answer 400 for an empty list and 422 for a bad body', async () => {
      await deleteProjects({ project_ids: [] }).expect(400);
      await deleteProjects({ project_ids: 'x' }).expect(422);
      await deleteProjects({}).expect(422);
      await deleteProjects({ project_ids: [1, 2] }).expect(422);
    });
  });

  describe('GET /project/info and /project/list', () => {
    let alphaProject: string;
    let betaProject: string;
    beforeAll(async () => {
      alphaProject = await projectIn(h.world.alpha, { object_permission: { agents: ['agent-1'] } });
      betaProject = await projectIn(h.world.beta);
    });

    it('should show a project with its budget and object permission to admins and team members', async () => {
      for (const headers of [asMaster, as('PROXY_ADMIN'), as('TEAM_ADMIN'), as('INTERNAL_USER')]) {
        const res = await http()
          .get('/project/info')
          .query({ project_id: alphaProject })
          .set(headers)
          .expect(200);
        expect(res.body).toMatchObject({
          project_id: alphaProject,
          team_id: h.world.alpha,
          object_permission: { agents: ['agent-1'] },
        });
        expect(res.body.litellm_budget_table).toEqual(
          expect.objectContaining({ budget_id: res.body.budget_id }),
        );
      }
    });

    it("should refuse callers outside the project's team with 403 (cross-tenant)", async () => {
      for (const name of ['CROSS_ORG_USER', 'ORG_ADMIN', 'ORG_B_ADMIN'] as const) {
        const res = await http()
          .get('/project/info')
          .query({ project_id: alphaProject })
          .set(as(name))
          .expect(403);
        expect(res.body.error.message).toBe("You don't have access to this project");
      }
      await http().get('/project/info').query({ project_id: betaProject }).set(as('TEAM_ADMIN')).expect(403);
    });

    it('should answer 404 for an unknown project and 422 without project_id', async () => {
      await http()
        .get('/project/info')
        .query({ project_id: uniq('nope') })
        .set(asMaster)
        .expect(404);
      await http().get('/project/info').set(asMaster).expect(422);
    });

    it("should list every project to admins and only their teams' projects to others", async () => {
      const ids = async (headers: Record<string, string>) =>
        ((await http().get('/project/list').set(headers).expect(200)).body as { project_id: string }[]).map(
          (p) => p.project_id,
        );
      const all = await ids(asMaster);
      expect(all).toEqual(expect.arrayContaining([alphaProject, betaProject]));
      const member = await ids(as('INTERNAL_USER'));
      expect(member).toContain(alphaProject);
      expect(member).not.toContain(betaProject);
      const cross = await ids(as('CROSS_ORG_USER'));
      expect(cross).toContain(betaProject);
      expect(cross).not.toContain(alphaProject);
      expect(await ids(as('ORG_ADMIN'))).toEqual([]);
    });
  });
});
