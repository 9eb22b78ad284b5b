import type request from 'supertest';
import { uniq } from './app.factory';
import { bearer, createBudget, createKey, createTeam, createUser, createUserWithKey } from './factories';
import { OrganizationsService } from '../src/domains/organizations/organizations.service';
import { OrganizationMembershipsService } from '../src/tenancy/organization-memberships.service';
import { Headers, useE2e } from './harness';

describe('organizations (/organization/*)', () => {
  const h = useE2e({ world: true });
  const { http, as } = h;
  const asMaster = h.master;
  let viewer: { userId: string; headers: Headers };

  /** A user with `role` and a key of theirs. */
  const actor = (role: string | null, extra: Record<string, unknown> = {}) =>
    createUserWithKey(h.prisma, role, extra);
  const call = (method: 'post' | 'patch' | 'delete', path: string) =>
    method === 'post' ? http().post(path) : method === 'patch' ? http().patch(path) : http().delete(path);
  const send = (
    method: 'post' | 'patch' | 'delete',
    path: string,
    body: unknown,
    headers: Headers = asMaster,
  ) =>
    call(method, path)
      .set(headers)
      .send(body as object);
  const newOrg = (body: Record<string, unknown>, headers: Headers = asMaster) =>
    send('post', '/organization/new', body, headers);
  /** A fresh organization (own budget) made by the proxy admin. */
  const freshOrg = async (body: Record<string, unknown> = {}) => {
    const res = await newOrg({ organization_alias: uniq('Org'), ...body }).expect(200);
    return res.body as { organization_id: string; budget_id: string; organization_alias: string };
  };
  const memberAdd = (body: Record<string, unknown>, headers: Headers = asMaster) =>
    send('post', '/organization/member_add', body, headers);
  const memberUpdate = (body: Record<string, unknown>, headers: Headers = asMaster) =>
    send('patch', '/organization/member_update', body, headers);
  const memberDelete = (body: Record<string, unknown>, headers: Headers = asMaster) =>
    send('delete', '/organization/member_delete', body, headers);
  const update = (body: Record<string, unknown>, headers: Headers = asMaster) =>
    send('patch', '/organization/update', body, headers);
  const del = (body: Record<string, unknown>, headers: Headers = asMaster) =>
    send('delete', '/organization/delete', body, headers);
  const info = (organizationId: string, headers: Headers = asMaster) =>
    http().get('/organization/info').query({ organization_id: organizationId }).set(headers);

  const membership = (organizationId: string, userId: string) =>
    h.prisma.liteLLM_OrganizationMembership.findUnique({
      where: { user_id_organization_id: { user_id: userId, organization_id: organizationId } },
      include: { litellm_budget_table: true },
    });
  /** Everything a change to an organization could touch, to prove a refused call changed nothing. */
  const snapshot = async (organizationId: string) => {
    const org = await h.prisma.liteLLM_OrganizationTable.findUnique({
      where: { organization_id: organizationId },
      include: {
        litellm_budget_table: true,
        object_permission: true,
        members: { orderBy: { user_id: 'asc' }, include: { litellm_budget_table: true } },
        teams: { orderBy: { team_id: 'asc' }, select: { team_id: true, organization_id: true } },
      },
    });
    return JSON.parse(JSON.stringify(org, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
  };
  const audits = (table: string, objectId: string) =>
    h.prisma.liteLLM_AuditLog.findMany({
      where: { table_name: table, object_id: objectId },
      orderBy: { updated_at: 'asc' },
    });

  beforeAll(async () => {
    viewer = await actor('proxy_admin_viewer');
  });

  describe('POST /organization/new', () => {
    it('should create an organization with a budget row of its own and an audit row', async () => {
      const alias = uniq('Acme');
      const res = await newOrg({
        organization_alias: alias,
        models: ['gpt-4o'],
        max_budget: 100,
        tpm_limit: 1000,
        budget_duration: '30d',
        metadata: { department: 'research' },
        model_rpm_limit: { 'gpt-4o': 10 },
      }).expect(200);
      expect(res.body).toMatchObject({
        organization_alias: alias,
        models: ['gpt-4o'],
        spend: 0,
        metadata: { department: 'research', model_rpm_limit: { 'gpt-4o': 10 } },
        created_by: 'default_user_id',
        updated_by: 'default_user_id',
        litellm_budget_table: { max_budget: 100, tpm_limit: 1000, budget_duration: '30d' },
      });
      expect(res.body.litellm_budget_table.budget_reset_at).not.toBeNull();
      const row = await h.prisma.liteLLM_OrganizationTable.findUniqueOrThrow({
        where: { organization_id: res.body.organization_id },
        include: { litellm_budget_table: true },
      });
      expect(row.budget_id).toBe(res.body.budget_id);
      expect(row.litellm_budget_table?.max_budget).toBe(100);
      expect((await audits('LiteLLM_OrganizationTable', row.organization_id)).map((a) => a.action)).toEqual([
        'created',
      ]);
      expect(await audits('LiteLLM_BudgetTable', row.budget_id)).toHaveLength(1);
    });

    it('should take a given organization_id, an existing budget_id and an object permission', async () => {
      const budget = await createBudget(h.prisma, { max_budget: 5 });
      const orgId = uniq('org');
      const res = await newOrg({
        organization_id: orgId,
        organization_alias: uniq('Org'),
        budget_id: budget.budget_id,
        object_permission: { vector_stores: ['vs-1'] },
      }).expect(200);
      expect(res.body).toMatchObject({ organization_id: orgId, budget_id: budget.budget_id, models: [] });
      const row = await h.prisma.liteLLM_OrganizationTable.findUniqueOrThrow({
        where: { organization_id: orgId },
        include: { object_permission: true },
      });
      expect(row.object_permission?.vector_stores).toEqual(['vs-1']);
    });

    it('should refuse a duplicate organization_id (409) and an unknown budget (400), creating nothing', async () => {
      const org = await freshOrg();
      // The world's proxy admin: rows it creates carry its user id, so this test can count them.
      const admin = as('PROXY_ADMIN');
      const mine = () =>
        h.prisma.liteLLM_BudgetTable.count({ where: { created_by: h.world.actors.PROXY_ADMIN.userId } });
      const budgetsBefore = await mine();
      const aliases = [uniq('Org'), uniq('Org'), uniq('Org')];
      const dupId = await newOrg(
        { organization_id: org.organization_id, organization_alias: aliases[0] },
        admin,
      );
      expect(dupId.status).toBe(409);
      expect(dupId.body.error.message).toContain('already exists');
      const noBudget = await newOrg({ organization_alias: aliases[1], budget_id: uniq('nobudget') }, admin);
      expect(noBudget.status).toBe(400);
      const both = await newOrg(
        { organization_alias: aliases[2], budget_id: org.budget_id, max_budget: 1 },
        admin,
      );
      expect(both.status).toBe(422);
      expect(
        await h.prisma.liteLLM_OrganizationTable.count({ where: { organization_alias: { in: aliases } } }),
      ).toBe(0);
      expect(await mine()).toBe(budgetsBefore);
    });

    it('should let organizations share an alias, as LiteLLM does, also when created concurrently', async () => {
      const org = await freshOrg();
      const same = await newOrg({ organization_alias: org.organization_alias }).expect(200);
      expect(same.body.organization_id).not.toBe(org.organization_id);
      const other = await freshOrg();
      const renamed = await update({
        organization_id: other.organization_id,
        organization_alias: org.organization_alias,
      });
      expect([renamed.status, renamed.body.organization_alias]).toEqual([200, org.organization_alias]);
      const alias = uniq('Race');
      const results = await Promise.all(
        Array.from({ length: 10 }, () => newOrg({ organization_alias: alias }).then((r) => r.status)),
      );
      expect(results).toEqual(Array.from({ length: 10 }, () => 200));
      expect(await h.prisma.liteLLM_OrganizationTable.count({ where: { organization_alias: alias } })).toBe(
        10,
      );
    });

    it('should reject bad input with 422 or 400 and LiteLLM messages', async () => {
      expect((await newOrg({})).status).toBe(422);
      expect((await newOrg({ organization_alias: 5 })).status).toBe(422);
      expect((await newOrg({ organization_alias: '' })).status).toBe(422);
      expect((await newOrg({ organization_alias: '   ' })).status).toBe(400);
      expect((await newOrg({ organization_alias: 'x'.repeat(300) })).status).toBe(422);
      expect((await newOrg({ organization_alias: uniq('Org'), models: 'gpt-4o' })).status).toBe(422);
      expect((await newOrg({ organization_alias: uniq('Org'), max_budget: 'lots' })).status).toBe(422);
      expect((await newOrg({ organization_alias: uniq('Org'), tpm_limit: -1 })).status).toBe(422);
      expect((await newOrg({ organization_alias: uniq('Org'), budget_duration: 'soon' })).status).toBe(400);
      const negative = await newOrg({ organization_alias: uniq('Org'), max_budget: -1 });
      expect(negative.status).toBe(400);
      expect(negative.body.error.message).toBe('max_budget cannot be negative. Received: -1');
      const soft = await newOrg({ organization_alias: uniq('Org'), soft_budget: -2 });
      expect(soft.body.error.message).toBe('soft_budget cannot be negative. Received: -2');
    });

    it('should let only proxy admins create organizations (401, nothing created)', async () => {
      const aliases: string[] = [];
      for (const headers of [as('ORG_ADMIN'), as('INTERNAL_USER'), as('TEAM_ADMIN'), viewer.headers]) {
        const alias = uniq('Org');
        aliases.push(alias);
        const res = await newOrg({ organization_alias: alias }, headers);
        expect(res.status).toBe(401);
        expect(res.body.error.message).toBe('Only proxy admins can create new organizations');
      }
      expect(
        await h.prisma.liteLLM_OrganizationTable.count({ where: { organization_alias: { in: aliases } } }),
      ).toBe(0);
    });

    it('should only let a model-limited admin key grant its own models', async () => {
      const { raw } = await createKey(h.prisma, {
        user_id: h.world.actors.PROXY_ADMIN.userId,
        models: ['m1'],
      });
      const limited = bearer(raw);
      const all = await newOrg({ organization_alias: uniq('Org') }, limited);
      expect(all.status).toBe(400);
      expect(all.body.error.message).toContain('User not allowed to give access to all models');
      expect((await newOrg({ organization_alias: uniq('Org'), models: ['m2'] }, limited)).status).toBe(400);
      expect((await newOrg({ organization_alias: uniq('Org'), models: ['m1'] }, limited)).status).toBe(200);
    });
  });

  describe('PATCH /organization/update', () => {
    it('should update fields, merge metadata and change the budget row in place', async () => {
      const org = await freshOrg({ max_budget: 10, metadata: { a: 1, nested: { x: 1 }, keep: true } });
      const res = await update({
        organization_id: org.organization_id,
        organization_alias: uniq('Renamed'),
        models: ['m1', 'm2'],
        metadata: { a: null, nested: { y: 2 } },
        model_tpm_limit: { m1: 5 },
        max_budget: 20,
        tpm_limit: 7,
      }).expect(200);
      expect(res.body).toMatchObject({
        organization_id: org.organization_id,
        models: ['m1', 'm2'],
        metadata: { nested: { x: 1, y: 2 }, keep: true, model_tpm_limit: { m1: 5 } },
        budget_id: org.budget_id,
        litellm_budget_table: { max_budget: 20, tpm_limit: 7 },
        members: [],
        teams: [],
      });
      expect(res.body.metadata).not.toHaveProperty('a');
      const budget = await h.prisma.liteLLM_BudgetTable.findUniqueOrThrow({
        where: { budget_id: org.budget_id },
      });
      expect(budget.max_budget).toBe(20);
      expect((await audits('LiteLLM_OrganizationTable', org.organization_id)).map((a) => a.action)).toEqual([
        'created',
        'updated',
      ]);
    });

    it("should read the UI's nested litellm_budget_table and clear a budget field sent as null", async () => {
      const org = await freshOrg({ max_budget: 10, rpm_limit: 3 });
      await update({
        organization_id: org.organization_id,
        max_budget: 1,
        rpm_limit: null,
        litellm_budget_table: { max_budget: 30, soft_budget: 25, tpm_limit: null },
      }).expect(200);
      const budget = await h.prisma.liteLLM_BudgetTable.findUniqueOrThrow({
        where: { budget_id: org.budget_id },
      });
      expect(budget).toMatchObject({ max_budget: 30, soft_budget: 25, rpm_limit: null });
    });

    it('should relink the organization to another existing budget', async () => {
      const org = await freshOrg();
      const other = await createBudget(h.prisma);
      const res = await update({ organization_id: org.organization_id, budget_id: other.budget_id }).expect(
        200,
      );
      expect(res.body.budget_id).toBe(other.budget_id);
      const unknown = await update({ organization_id: org.organization_id, budget_id: uniq('nobudget') });
      expect(unknown.status).toBe(400);
    });

    it('should answer 404 for an unknown organization and 4xx for bad input', async () => {
      const org = await freshOrg();
      const before = await snapshot(org.organization_id);
      expect((await update({ organization_id: uniq('missing'), models: [] })).status).toBe(404);
      expect((await update({ organization_id: org.organization_id, max_budget: -5 })).status).toBe(400);
      expect((await update({ organization_id: org.organization_id, spend: -1 })).status).toBe(422);
      expect((await update({ organization_id: org.organization_id, metadata: [] })).status).toBe(422);
      expect((await update({ organization_id: org.organization_id, litellm_budget_table: 'x' })).status).toBe(
        422,
      );
      expect((await update({ models: ['m'] })).status).toBe(422);
      expect(await snapshot(org.organization_id)).toEqual(before);
    });

    it('should keep updates proxy-admin only: org admins and members get 401 and nothing changes', async () => {
      const before = await snapshot(h.world.orgA);
      for (const who of ['ORG_ADMIN', 'INTERNAL_USER', 'TEAM_ADMIN'] as const) {
        const res = await update(
          { organization_id: h.world.orgA, organization_alias: uniq('Hijack'), max_budget: 1e6 },
          as(who),
        );
        expect(res.status).toBe(401);
      }
      expect((await update({ organization_id: h.world.orgA, models: ['x'] }, viewer.headers)).status).toBe(
        403,
      );
      expect(await snapshot(h.world.orgA)).toEqual(before);
    });
  });

  describe('DELETE /organization/delete', () => {
    it('should delete organizations with their memberships, keep budgets and write audit rows', async () => {
      const org = await freshOrg({ max_budget: 3 });
      const member = await createUser(h.prisma);
      await memberAdd({
        organization_id: org.organization_id,
        member: { user_id: member.user_id, role: 'internal_user' },
      }).expect(200);
      const other = await freshOrg();
      const res = await del({ organization_ids: [org.organization_id, other.organization_id] }).expect(200);
      expect(res.body.map((o: { organization_id: string }) => o.organization_id)).toEqual([
        org.organization_id,
        other.organization_id,
      ]);
      expect(res.body[0].members).toEqual([expect.objectContaining({ user_id: member.user_id })]);
      expect(
        await h.prisma.liteLLM_OrganizationTable.count({
          where: { organization_id: { in: [org.organization_id, other.organization_id] } },
        }),
      ).toBe(0);
      expect(await membership(org.organization_id, member.user_id)).toBeNull();
      expect(
        await h.prisma.liteLLM_UserTable.findUnique({ where: { user_id: member.user_id } }),
      ).not.toBeNull();
      expect(
        await h.prisma.liteLLM_BudgetTable.findUnique({ where: { budget_id: org.budget_id } }),
      ).not.toBeNull();
      expect((await audits('LiteLLM_OrganizationTable', org.organization_id)).map((a) => a.action)).toEqual([
        'created',
        'deleted',
      ]);
      expect(
        (await audits('LiteLLM_OrganizationMembership', `${org.organization_id}:${member.user_id}`)).map(
          (a) => a.action,
        ),
      ).toEqual(['created', 'deleted']);
      expect((await info(org.organization_id)).status).toBe(404);
    });

    it('should change nothing when one id of the batch is unknown (404)', async () => {
      const org = await freshOrg();
      const before = await snapshot(org.organization_id);
      const res = await del({ organization_ids: [org.organization_id, uniq('missing')] });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(/^Organization=.* not found$/);
      expect(await snapshot(org.organization_id)).toEqual(before);
    });

    it('should refuse to delete an organization that still has teams or keys (400, nothing changed)', async () => {
      const before = await snapshot(h.world.orgA);
      const withTeams = await del({ organization_ids: [h.world.orgA] });
      expect(withTeams.status).toBe(400);
      expect(withTeams.body.error.message).toContain('still has 2 teams');
      expect(await snapshot(h.world.orgA)).toEqual(before);

      const org = await freshOrg();
      await createKey(h.prisma, { organization_id: org.organization_id });
      const withKey = await del({ organization_ids: [org.organization_id] });
      expect(withKey.status).toBe(400);
      expect(withKey.body.error.message).toContain('1 key');

      const team = await createTeam(h.prisma, { organization_id: org.organization_id });
      expect((await del({ organization_ids: [org.organization_id] })).status).toBe(400);
      expect(await h.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: team.team_id } })).toMatchObject(
        {
          organization_id: org.organization_id,
        },
      );
    });

    it('should refuse bad input and non-admins', async () => {
      expect((await del({ organization_ids: [] })).status).toBe(400);
      expect((await del({})).status).toBe(422);
      expect((await del({ organization_ids: 'x' })).status).toBe(422);
      const org = await freshOrg();
      const before = await snapshot(org.organization_id);
      const noOrgId = await del({ organization_ids: [org.organization_id] }, as('ORG_ADMIN'));
      expect(noOrgId.status).toBe(401);
      expect(noOrgId.body.error.message).toBe(
        'Passed organization_id is None, please pass an organization_id in your request',
      );
      // Even naming an organization they administer, org admins cannot delete organizations.
      const ownOrg = await del(
        { organization_ids: [h.world.orgA], organization_id: h.world.orgA },
        as('ORG_ADMIN'),
      );
      expect(ownOrg.status).toBe(401);
      expect(ownOrg.body.error.message).toBe('Only proxy admins can delete organizations');
      expect((await del({ organization_ids: [org.organization_id] }, as('INTERNAL_USER'))).status).toBe(401);
      expect(await snapshot(org.organization_id)).toEqual(before);
    });
  });

  describe('GET /organization/list', () => {
    const ids = (res: request.Response) =>
      (res.body as { organization_id: string }[]).map((o) => o.organization_id);

    it('should show proxy admins and viewers every organization, with members, teams and budget', async () => {
      const res = await http().get('/organization/list').set(asMaster).expect(200);
      expect(ids(res)).toEqual(expect.arrayContaining([h.world.orgA, h.world.orgB]));
      const a = res.body.find((o: { organization_id: string }) => o.organization_id === h.world.orgA);
      expect(a.teams.map((tm: { team_id: string }) => tm.team_id).sort()).toEqual(
        [h.world.alpha, h.world.gamma].sort(),
      );
      expect(a.members.length).toBeGreaterThan(0);
      expect(a.litellm_budget_table).not.toBeNull();
      const viewed = await http().get('/organization/list').set(viewer.headers).expect(200);
      expect(ids(viewed)).toEqual(expect.arrayContaining([h.world.orgA, h.world.orgB]));
    });

    it('should filter by org_id and by a case-insensitive part of org_alias', async () => {
      const org = await freshOrg({ organization_alias: uniq('FindMe') });
      const byId = await http()
        .get('/organization/list')
        .query({ org_id: org.organization_id })
        .set(asMaster);
      expect(ids(byId)).toEqual([org.organization_id]);
      const part = org.organization_alias.slice(0, 10).toLowerCase();
      const byAlias = await http().get('/organization/list').query({ org_alias: part }).set(asMaster);
      expect(ids(byAlias)).toContain(org.organization_id);
      expect(ids(byAlias)).not.toContain(h.world.orgA);
    });

    it('should show everyone else only the organizations they belong to', async () => {
      expect(ids(await http().get('/organization/list').set(as('ORG_ADMIN')).expect(200))).toEqual([
        h.world.orgA,
      ]);
      expect(ids(await http().get('/organization/list').set(as('INTERNAL_USER')).expect(200))).toEqual([
        h.world.orgA,
      ]);
      expect(ids(await http().get('/organization/list').set(as('CROSS_ORG_USER')).expect(200))).toEqual([
        h.world.orgB,
      ]);
      const other = await http()
        .get('/organization/list')
        .query({ org_id: h.world.orgB })
        .set(as('ORG_ADMIN'))
        .expect(200);
      expect(other.body).toEqual([]);
      const loner = await actor('internal_user');
      expect((await http().get('/organization/list').set(loner.headers).expect(200)).body).toEqual([]);
      const ownerless = await createKey(h.prisma, {});
      expect((await http().get('/organization/list').set(bearer(ownerless.raw)).expect(200)).body).toEqual(
        [],
      );
    });
  });

  describe('GET /organization/info and POST /organization/info (deprecated)', () => {
    it('should show proxy admins an organization with members and their users, teams and object permission', async () => {
      const res = await info(h.world.orgA).expect(200);
      expect(res.body).toMatchObject({ organization_id: h.world.orgA, object_permission: null });
      expect(res.body.litellm_budget_table).not.toBeNull();
      const admin = res.body.members.find(
        (m: { user_id: string }) => m.user_id === h.world.actors.ORG_ADMIN.userId,
      );
      expect(admin).toMatchObject({
        user_role: 'org_admin',
        user: { user_id: h.world.actors.ORG_ADMIN.userId },
      });
      expect(admin.user).not.toHaveProperty('password');
      expect(res.body.teams.map((tm: { team_id: string }) => tm.team_id).sort()).toEqual(
        [h.world.alpha, h.world.gamma].sort(),
      );
      const missing = await info(uniq('missing'));
      expect(missing.status).toBe(404);
      expect(missing.body.error.message).toBe('Organization not found');
      expect((await http().get('/organization/info').set(asMaster)).status).toBe(422);
    });

    it('should show an org admin their own organization and refuse others with the org RBAC 401s', async () => {
      await info(h.world.orgA, as('ORG_ADMIN')).expect(200);
      const other = await info(h.world.orgB, as('ORG_ADMIN'));
      expect(other.status).toBe(401);
      expect(other.body.error.message).toBe(
        `You do not have a role within the selected organization. Passed organization_id: ${h.world.orgB}. Please contact the organization admin to request access.`,
      );
      const member = await info(h.world.orgA, as('INTERNAL_USER'));
      expect(member.status).toBe(401);
      expect(member.body.error.message).toBe(
        `You do not have the required role to perform this action. Your role is internal_user in Organization ${h.world.orgA}`,
      );
      const loner = await actor('internal_user');
      const none = await info(h.world.orgA, loner.headers);
      expect(none.body.error.message).toBe(
        'Tried to access route=/organization/info but you are not a member of any organization. Please contact the proxy admin to request access.',
      );
      expect((await http().get('/organization/info').set(as('ORG_ADMIN'))).status).toBe(401);
      await info(h.world.orgB, viewer.headers).expect(200);
    });

    it('should check the organization actually read, not another organization_id sent in the body', async () => {
      const res = await http()
        .get('/organization/info')
        .query({ organization_id: h.world.orgB })
        .set(as('ORG_ADMIN'))
        .send({ organization_id: h.world.orgA });
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.body)).not.toContain(h.world.actors.CROSS_ORG_USER.userId);
    });

    it('should serve the deprecated POST form, scoped the same way', async () => {
      const post = (body: unknown, headers: Headers = asMaster) =>
        send('post', '/organization/info', body, headers);
      const res = await post({ organizations: [h.world.orgA, h.world.orgB] }).expect(200);
      expect(res.body.map((o: { organization_id: string }) => o.organization_id)).toEqual([
        h.world.orgA,
        h.world.orgB,
      ]);
      expect(res.body[0].litellm_budget_table).not.toBeNull();
      const empty = await post({ organizations: [] });
      expect(empty.status).toBe(400);
      expect(empty.body.error.message).toBe("Specify list of organization id's to query. Passed in=[]");
      expect((await post({ organizations: [h.world.orgA, uniq('missing')] })).status).toBe(404);
      expect((await post({})).status).toBe(422);
      await post({ organizations: [h.world.orgA], organization_id: h.world.orgA }, as('ORG_ADMIN')).expect(
        200,
      );
      expect(
        (
          await post(
            { organizations: [h.world.orgA, h.world.orgB], organization_id: h.world.orgA },
            as('ORG_ADMIN'),
          )
        ).status,
      ).toBe(401);
      expect((await post({ organizations: [h.world.orgB] }, as('ORG_ADMIN'))).status).toBe(401);
    });
  });

  describe('POST /organization/member_add', () => {
    it('should add existing users by id and create unknown users, in one call', async () => {
      const org = await freshOrg();
      const existing = await createUser(h.prisma);
      const email = `${uniq('new')}@example.com`;
      const res = await memberAdd({
        organization_id: org.organization_id,
        member: [
          { user_id: existing.user_id, role: 'org_admin' },
          { user_email: email, role: 'internal_user_viewer' },
        ],
      }).expect(200);
      expect(res.body.organization_id).toBe(org.organization_id);
      expect(res.body.updated_users).toHaveLength(2);
      expect(res.body.updated_users[0]).not.toHaveProperty('password');
      const created = await h.prisma.liteLLM_UserTable.findFirstOrThrow({ where: { user_email: email } });
      expect(created).toMatchObject({ user_role: 'internal_user', models: [] });
      expect(res.body.updated_organization_memberships).toEqual([
        expect.objectContaining({ user_id: existing.user_id, user_role: 'org_admin', budget_id: null }),
        expect.objectContaining({ user_id: created.user_id, user_role: 'internal_user_viewer' }),
      ]);
      expect((await membership(org.organization_id, existing.user_id))?.user_role).toBe('org_admin');
      expect(await audits('LiteLLM_UserTable', created.user_id)).toHaveLength(1);
      expect(
        (await audits('LiteLLM_OrganizationMembership', `${org.organization_id}:${existing.user_id}`)).map(
          (a) => a.action,
        ),
      ).toEqual(['created']);
    });

    it('should accept a single member object, find users by email and give each a budget in the organization', async () => {
      const org = await freshOrg();
      const user = await createUser(h.prisma, 'internal_user', { user_email: `${uniq('mail')}@example.com` });
      await memberAdd({
        organization_id: org.organization_id,
        member: { user_email: user.user_email!.toUpperCase(), role: 'internal_user' },
        max_budget_in_organization: 12.5,
      }).expect(200);
      const row = await membership(org.organization_id, user.user_id);
      expect(row?.litellm_budget_table?.max_budget).toBe(12.5);
    });

    it('should change nothing when one member is already in the organization (409)', async () => {
      const org = await freshOrg();
      const member = await createUser(h.prisma);
      await memberAdd({
        organization_id: org.organization_id,
        member: { user_id: member.user_id, role: 'internal_user' },
      }).expect(200);
      const before = await snapshot(org.organization_id);
      const newId = uniq('newuser');
      const res = await memberAdd({
        organization_id: org.organization_id,
        member: [
          { user_id: newId, role: 'internal_user' },
          { user_id: member.user_id, role: 'org_admin' },
        ],
      });
      expect(res.status).toBe(409);
      expect(await snapshot(org.organization_id)).toEqual(before);
      expect(await h.prisma.liteLLM_UserTable.findUnique({ where: { user_id: newId } })).toBeNull();
    });

    it('should reject bad input and unknown organizations without side effects', async () => {
      const org = await freshOrg();
      const orgBefore = await snapshot(org.organization_id);
      const add = (body: Record<string, unknown>) =>
        memberAdd({ organization_id: org.organization_id, ...body });
      expect((await add({ member: { role: 'internal_user' } })).status).toBe(422);
      expect((await add({ member: { user_id: 'x', role: 'owner' } })).status).toBe(422);
      expect((await add({ member: [] })).status).toBe(422);
      expect((await add({ member: 'someone' })).status).toBe(422);
      expect((await add({ member: [null] })).status).toBe(422);
      expect(
        (await add({ member: { user_id: 'x', role: 'internal_user' }, max_budget_in_organization: -1 }))
          .status,
      ).toBe(422);
      const twice = await add({
        member: [
          { user_id: h.world.actors.OWNER.userId, role: 'internal_user' },
          { user_id: h.world.actors.OWNER.userId, role: 'org_admin' },
        ],
      });
      expect(twice.status).toBe(400);
      // The proxy admin's id is never given to a new user (nor, by an org admin, to an existing one).
      const before = await snapshot(h.world.orgA);
      const reserved = await memberAdd(
        { organization_id: h.world.orgA, member: { user_id: 'default_user_id', role: 'internal_user' } },
        as('ORG_ADMIN'),
      );
      expect([400, 403]).toContain(reserved.status);
      expect(await snapshot(h.world.orgA)).toEqual(before);
      const missing = await memberAdd({
        organization_id: uniq('missing'),
        member: { user_id: 'x', role: 'internal_user' },
      });
      expect(missing.status).toBe(404);
      expect(missing.body.error.message).toMatch(/^Organization not found for organization_id=/);
      expect(await snapshot(org.organization_id)).toEqual(orgBefore);
    });

    it('should refuse an email that several users share (400)', async () => {
      const org = await freshOrg();
      const email = `${uniq('dup')}@example.com`;
      await createUser(h.prisma, 'internal_user', { user_email: email });
      await createUser(h.prisma, 'internal_user', { user_email: email });
      const res = await memberAdd({
        organization_id: org.organization_id,
        member: { user_email: email, role: 'internal_user' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        "Multiple users with this email found in db. Please use 'user_id' instead.",
      );
    });

    it('should let an org admin add new users and users of their own organizations only', async () => {
      const newId = uniq('hire');
      await memberAdd(
        { organization_id: h.world.orgA, member: { user_id: newId, role: 'internal_user' } },
        as('ORG_ADMIN'),
      ).expect(200);
      expect((await membership(h.world.orgA, newId))?.user_role).toBe('internal_user');

      const loner = await createUser(h.prisma);
      const before = await snapshot(h.world.orgA);
      for (const target of ['CROSS_ORG_USER', 'PROXY_ADMIN', 'ORG_B_ADMIN'] as const) {
        const res = await memberAdd(
          {
            organization_id: h.world.orgA,
            member: { user_id: h.world.actors[target].userId, role: 'internal_user' },
          },
          as('ORG_ADMIN'),
        );
        expect(res.status).toBe(403);
      }
      expect(
        (
          await memberAdd(
            { organization_id: h.world.orgA, member: { user_id: loner.user_id, role: 'internal_user' } },
            as('ORG_ADMIN'),
          )
        ).status,
      ).toBe(403);
      expect(await snapshot(h.world.orgA)).toEqual(before);
      // A proxy admin may add anyone.
      const org = await freshOrg();
      await memberAdd({
        organization_id: org.organization_id,
        member: { user_id: h.world.actors.CROSS_ORG_USER.userId, role: 'internal_user' },
      }).expect(200);
    });

    it('should refuse members and viewers of the organization (401)', async () => {
      const before = await snapshot(h.world.orgA);
      for (const who of ['INTERNAL_USER', 'TEAM_ADMIN', 'OWNER'] as const) {
        const res = await memberAdd(
          { organization_id: h.world.orgA, member: { user_id: uniq('x'), role: 'org_admin' } },
          as(who),
        );
        expect(res.status).toBe(401);
        expect(res.body.error.message).toContain('Your role is internal_user');
      }
      expect(
        (
          await memberAdd(
            { organization_id: h.world.orgA, member: { user_id: uniq('x'), role: 'org_admin' } },
            viewer.headers,
          )
        ).status,
      ).toBe(401);
      expect(await snapshot(h.world.orgA)).toEqual(before);
    });
  });

  describe('PATCH /organization/member_update', () => {
    it("should change a member's role and create, then change, their budget in the organization", async () => {
      const org = await freshOrg();
      const user = await createUser(h.prisma, 'internal_user', { user_email: `${uniq('mu')}@example.com` });
      await memberAdd({
        organization_id: org.organization_id,
        member: { user_id: user.user_id, role: 'internal_user' },
      }).expect(200);
      const first = await memberUpdate({
        organization_id: org.organization_id,
        user_id: user.user_id,
        role: 'org_admin',
        max_budget_in_organization: 5,
      }).expect(200);
      expect(first.body).toMatchObject({ user_role: 'org_admin', litellm_budget_table: { max_budget: 5 } });
      const budgetId = first.body.budget_id;
      const second = await memberUpdate({
        organization_id: org.organization_id,
        user_email: user.user_email,
        max_budget_in_organization: 8,
      }).expect(200);
      expect(second.body).toMatchObject({
        user_role: 'org_admin',
        budget_id: budgetId,
        litellm_budget_table: { max_budget: 8 },
      });
      expect(
        (await audits('LiteLLM_OrganizationMembership', `${org.organization_id}:${user.user_id}`)).map(
          (a) => a.action,
        ),
      ).toEqual(['created', 'updated', 'updated']);
    });

    it('should answer LiteLLM codes for unknown organizations (400), emails (400) and members (404)', async () => {
      const org = await freshOrg();
      const unknownOrg = await memberUpdate({
        organization_id: uniq('missing'),
        user_id: 'x',
        role: 'internal_user',
      });
      expect(unknownOrg.status).toBe(400);
      const email = await memberUpdate({
        organization_id: org.organization_id,
        user_email: `${uniq('no')}@example.com`,
      });
      expect(email.status).toBe(400);
      expect(email.body.error.message).toContain('Unique user not found for user_email=');
      const member = await memberUpdate({
        organization_id: org.organization_id,
        user_id: uniq('nobody'),
        role: 'org_admin',
      });
      expect(member.status).toBe(404);
      expect(member.body.error.message).toMatch(/^Member not found in organization for user_id=/);
      expect((await memberUpdate({ organization_id: org.organization_id, role: 'org_admin' })).status).toBe(
        422,
      );
      expect(
        (await memberUpdate({ organization_id: org.organization_id, user_id: 'x', role: 'boss' })).status,
      ).toBe(422);
    });

    it('should let an org admin update members of their organization only', async () => {
      await memberUpdate(
        {
          organization_id: h.world.orgA,
          user_id: h.world.actors.UNRELATED_SAME_ORG.userId,
          role: 'internal_user_viewer',
        },
        as('ORG_ADMIN'),
      ).expect(200);
      expect((await membership(h.world.orgA, h.world.actors.UNRELATED_SAME_ORG.userId))?.user_role).toBe(
        'internal_user_viewer',
      );
      await memberUpdate(
        {
          organization_id: h.world.orgA,
          user_id: h.world.actors.UNRELATED_SAME_ORG.userId,
          role: 'internal_user',
        },
        as('ORG_ADMIN'),
      ).expect(200);
      const before = await snapshot(h.world.orgB);
      const res = await memberUpdate(
        { organization_id: h.world.orgB, user_id: h.world.actors.CROSS_ORG_USER.userId, role: 'org_admin' },
        as('ORG_ADMIN'),
      );
      expect(res.status).toBe(401);
      const self = await memberUpdate(
        { organization_id: h.world.orgA, user_id: h.world.actors.INTERNAL_USER.userId, role: 'org_admin' },
        as('INTERNAL_USER'),
      );
      expect(self.status).toBe(401);
      expect((await membership(h.world.orgA, h.world.actors.INTERNAL_USER.userId))?.user_role).toBe(
        'internal_user',
      );
      expect(await snapshot(h.world.orgB)).toEqual(before);
    });
  });

  describe('DELETE /organization/member_delete', () => {
    it('should remove a membership, return it, and keep the user', async () => {
      const org = await freshOrg();
      const user = await createUser(h.prisma, 'internal_user', { user_email: `${uniq('md')}@example.com` });
      await memberAdd({
        organization_id: org.organization_id,
        member: { user_id: user.user_id, role: 'internal_user' },
      }).expect(200);
      const res = await memberDelete({
        organization_id: org.organization_id,
        user_email: user.user_email,
      }).expect(200);
      expect(res.body).toMatchObject({ user_id: user.user_id, organization_id: org.organization_id });
      expect(await membership(org.organization_id, user.user_id)).toBeNull();
      expect(
        await h.prisma.liteLLM_UserTable.findUnique({ where: { user_id: user.user_id } }),
      ).not.toBeNull();
      expect(
        (await audits('LiteLLM_OrganizationMembership', `${org.organization_id}:${user.user_id}`)).map(
          (a) => a.action,
        ),
      ).toEqual(['created', 'deleted']);
      expect(
        (await memberDelete({ organization_id: org.organization_id, user_id: user.user_id })).status,
      ).toBe(404);
      expect((await memberDelete({ organization_id: uniq('missing'), user_id: user.user_id })).status).toBe(
        404,
      );
      expect((await memberDelete({ organization_id: org.organization_id })).status).toBe(422);
    });

    it('should let an org admin remove members of their organization only', async () => {
      const hire = uniq('temp');
      await memberAdd(
        { organization_id: h.world.orgA, member: { user_id: hire, role: 'internal_user' } },
        as('ORG_ADMIN'),
      ).expect(200);
      await memberDelete({ organization_id: h.world.orgA, user_id: hire }, as('ORG_ADMIN')).expect(200);
      const before = await snapshot(h.world.orgB);
      expect(
        (
          await memberDelete(
            { organization_id: h.world.orgB, user_id: h.world.actors.CROSS_ORG_USER.userId },
            as('ORG_ADMIN'),
          )
        ).status,
      ).toBe(401);
      expect(
        (
          await memberDelete(
            { organization_id: h.world.orgA, user_id: h.world.actors.OWNER.userId },
            as('INTERNAL_USER'),
          )
        ).status,
      ).toBe(401);
      expect(await snapshot(h.world.orgB)).toEqual(before);
      expect(await membership(h.world.orgA, h.world.actors.OWNER.userId)).not.toBeNull();
    });
  });

  describe('cross-tenant: the org admin of org A against org B', () => {
    it('should refuse every read, update, member change and delete of org B, and change nothing', async () => {
      const before = await snapshot(h.world.orgB);
      const asA = as('ORG_ADMIN');
      const cross = h.world.actors.CROSS_ORG_USER.userId;
      const attempts: [string, () => Promise<request.Response>][] = [
        ['GET info', () => info(h.world.orgB, asA)],
        [
          'POST info',
          () =>
            send(
              'post',
              '/organization/info',
              { organizations: [h.world.orgB], organization_id: h.world.orgA },
              asA,
            ),
        ],
        [
          'update',
          () =>
            update(
              { organization_id: h.world.orgB, organization_alias: uniq('Pwned'), max_budget: 1e9 },
              asA,
            ),
        ],
        [
          'member_add',
          () =>
            memberAdd(
              {
                organization_id: h.world.orgB,
                member: { user_id: h.world.actors.ORG_ADMIN.userId, role: 'org_admin' },
              },
              asA,
            ),
        ],
        [
          'member_add (query names org A, body org B)',
          () =>
            http()
              .post('/organization/member_add')
              .query({ organization_id: h.world.orgA })
              .set(asA)
              .send({ organization_id: h.world.orgB, member: { user_id: uniq('spy'), role: 'org_admin' } }),
        ],
        [
          'member_update',
          () =>
            memberUpdate(
              { organization_id: h.world.orgB, user_id: cross, role: 'internal_user_viewer' },
              asA,
            ),
        ],
        ['member_delete', () => memberDelete({ organization_id: h.world.orgB, user_id: cross }, asA)],
        ['delete', () => del({ organization_ids: [h.world.orgB], organization_id: h.world.orgB }, asA)],
        [
          'delete naming org A',
          () => del({ organization_ids: [h.world.orgB], organization_id: h.world.orgA }, asA),
        ],
      ];
      for (const [name, attempt] of attempts) {
        const res = await attempt();
        expect({ name, status: res.status }).toEqual({ name, status: 401 });
      }
      const listed = await http()
        .get('/organization/list')
        .query({ org_id: h.world.orgB })
        .set(asA)
        .expect(200);
      expect(listed.body).toEqual([]);
      expect(await snapshot(h.world.orgB)).toEqual(before);
      expect(await membership(h.world.orgB, h.world.actors.ORG_ADMIN.userId)).toBeNull();
    });

    it('should refuse the org admin of org B against org A the same way', async () => {
      const before = await snapshot(h.world.orgA);
      const asB = as('ORG_B_ADMIN');
      expect((await info(h.world.orgA, asB)).status).toBe(401);
      expect(
        (
          await memberAdd(
            { organization_id: h.world.orgA, member: { user_id: uniq('spy'), role: 'org_admin' } },
            asB,
          )
        ).status,
      ).toBe(401);
      expect(
        (await memberDelete({ organization_id: h.world.orgA, user_id: h.world.actors.OWNER.userId }, asB))
          .status,
      ).toBe(401);
      expect((await update({ organization_id: h.world.orgA, models: [] }, asB)).status).toBe(401);
      expect(await snapshot(h.world.orgA)).toEqual(before);
    });
  });

  describe('OrganizationsService and OrganizationMembershipsService (what other domains ask of organizations)', () => {
    it('should answer membership and limit questions and write memberships in the caller transaction', async () => {
      const orgs = h.app.get(OrganizationsService);
      const memberships = h.app.get(OrganizationMembershipsService);
      const org = await freshOrg({ models: ['m1'], max_budget: 9, tpm_limit: 50 });
      expect(await orgs.limits(org.organization_id)).toEqual({
        organizationId: org.organization_id,
        models: ['m1'],
        maxBudget: 9,
        tpmLimit: BigInt(50),
        rpmLimit: null,
      });
      expect(await orgs.limits(uniq('missing'))).toBeUndefined();
      const a = await createUser(h.prisma);
      const b = await createUser(h.prisma);
      const ghost = uniq('ghost');
      await h.prisma.$transaction(async (tx) => {
        await memberships.addUsersToOrganization(tx, org.organization_id, [a.user_id, ghost]);
        await memberships.addMemberships(tx, b.user_id, [org.organization_id], 'org_admin');
      });
      expect(await memberships.nonMembers(org.organization_id, [a.user_id, b.user_id, ghost])).toEqual([
        ghost,
      ]);
      expect(await memberships.roleOf(a.user_id, org.organization_id)).toBe('internal_user');
      expect(await memberships.isOrgAdmin(b.user_id, org.organization_id)).toBe(true);
      expect(await memberships.isOrgAdmin(a.user_id, org.organization_id)).toBe(false);
      expect(await memberships.adminOrgIds(b.user_id)).toEqual([org.organization_id]);
      expect(await memberships.orgIdsOf(a.user_id)).toEqual([org.organization_id]);
      expect(await memberships.belongsToAny(a.user_id, [h.world.orgA, org.organization_id])).toBe(true);
      expect(await memberships.belongsToAny(a.user_id, [h.world.orgA])).toBe(false);
      expect(await memberships.membershipsOf([a.user_id, ghost])).toEqual(
        new Map([
          [a.user_id, [org.organization_id]],
          [ghost, []],
        ]),
      );
      await h.prisma.$transaction((tx) => memberships.removeUsers(tx, [a.user_id, b.user_id]));
      expect(await memberships.orgIdsOf(a.user_id)).toEqual([]);
    });
  });

  describe('robustness', () => {
    /** Raw JSON text, so that values JSON.stringify cannot write (1e400 reads as Infinity) get through. */
    const bodies: string[] = [
      '{"organization_alias":"a","max_budget":1e400}',
      '{"organization_id":"o","member":{"user_id":"u","role":"internal_user"},"max_budget_in_organization":-1e400}',
      '{"organization_alias":"a","tpm_limit":12345678901234567890123}',
      '{"organization_ids":["a"',
    ];
    const values: unknown[] = [
      null,
      [],
      'text',
      42,
      { organization_id: 123 },
      { organization_id: [] },
      { organization_id: {} },
      { organization_id: '' },
      { organization_id: 'x'.repeat(5000) },
      { organization_alias: {} },
      { organization_alias: 'a', models: [1, 2] },
      { organization_alias: 'a', metadata: 'x' },
      { organization_alias: 'a', tpm_limit: 1e30 },
      { organization_alias: 'a', budget_duration: '9999999999999999999d' },
      { organization_alias: 'a', object_permission: [] },
      { organization_alias: 'a', object_permission: { models: 'x' } },
      { organization_alias: 'a', model_max_budget: { m: 'x' } },
      { organization_id: 'o', litellm_budget_table: [] },
      { organization_id: 'o', litellm_budget_table: { max_budget: 'x' } },
      { organization_id: 'o', member: null },
      { organization_id: 'o', member: [{}] },
      { organization_id: 'o', member: [{ user_id: 5, role: 'internal_user' }] },
      { organization_id: 'o', member: { user_email: ['a'], role: 'org_admin' } },
      { organization_id: 'o', user_id: {}, role: 'org_admin' },
      { organization_ids: [null] },
      { organization_ids: [{}] },
      { organizations: 'x' },
      { organizations: [1] },
    ];
    bodies.push(...values.map((v) => JSON.stringify(v)));
    const routes: ['post' | 'patch' | 'delete', string][] = [
      ['post', '/organization/new'],
      ['patch', '/organization/update'],
      ['delete', '/organization/delete'],
      ['post', '/organization/info'],
      ['post', '/organization/member_add'],
      ['patch', '/organization/member_update'],
      ['delete', '/organization/member_delete'],
    ];

    it('should never answer 500, whatever the body or the caller', async () => {
      const failures: string[] = [];
      for (const [method, path] of routes) {
        for (const body of bodies) {
          for (const headers of [asMaster, as('ORG_ADMIN'), as('INTERNAL_USER')]) {
            const res = await call(method, path)
              .set(headers)
              .set('Content-Type', 'application/json')
              .send(body);
            if (res.status >= 500) failures.push(`${method} ${path} ${body} → ${res.status}`);
          }
        }
      }
      for (const query of [
        { organization_id: ['a', 'b'] },
        { organization_id: '' },
        { org_id: ['a', 'b'] },
        { org_alias: 'x'.repeat(5000) },
      ]) {
        for (const path of ['/organization/info', '/organization/list']) {
          const res = await http().get(path).query(query).set(asMaster);
          if (res.status >= 500) failures.push(`GET ${path} ${JSON.stringify(query)} → ${res.status}`);
        }
      }
      expect(failures).toEqual([]);
    });
  });
});
