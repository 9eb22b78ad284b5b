import { uniq } from './app.factory';
import { createKey, createMcpServer, createTeam, createUserWithKey, deleteTeamRow } from './factories';
import { Headers, useE2e } from './harness';

describe('access groups (/v1/access_group)', () => {
  const h = useE2e({ world: true });
  const { http, as } = h;
  const asMaster = h.master;
  let viewer: Headers;

  const create = (body: unknown, headers = asMaster, path = '/v1/access_group') =>
    http()
      .post(path)
      .set(headers)
      .send(body as object);
  const put = (id: string, body: unknown, headers = asMaster, path = '/v1/access_group') =>
    http()
      .put(`${path}/${id}`)
      .set(headers)
      .send(body as object);
  const groupRow = (id: string) =>
    h.prisma.liteLLM_AccessGroupTable.findUnique({ where: { access_group_id: id } });
  const teamGroups = async (teamId: string) =>
    (await h.prisma.liteLLM_TeamTable.findUniqueOrThrow({ where: { team_id: teamId } })).access_group_ids;
  const keyGroups = async (token: string) =>
    (await h.prisma.liteLLM_VerificationToken.findUniqueOrThrow({ where: { token } })).access_group_ids;
  const audit = (table: string, objectId: string) =>
    h.prisma.liteLLM_AuditLog.findMany({
      where: { table_name: table, object_id: objectId },
      orderBy: { updated_at: 'asc' },
    });
  const newGroup = async (extra: Record<string, unknown> = {}) => {
    const res = await create({ access_group_name: uniq('ag'), ...extra }).expect(201);
    return res.body.access_group_id as string;
  };

  beforeAll(async () => {
    viewer = (await createUserWithKey(h.prisma, 'proxy_admin_viewer')).headers;
  });

  describe('POST /v1/access_group', () => {
    it('should create the group (201) and add its id to the named teams and keys, with audit rows', async () => {
      const team = await createTeam(h.prisma, { team_alias: 'Platform' });
      const key = await createKey(h.prisma, { key_alias: uniq('alias') });
      const server = await createMcpServer(h.prisma, { server_name: 'github', alias: 'GitHub' });
      const name = uniq('ag');
      const res = await create({
        access_group_name: name,
        description: 'GPT-4 users',
        access_model_names: ['gpt-4'],
        access_mcp_server_ids: [server.server_id, 'config-server'],
        assigned_team_ids: [team.team_id],
        assigned_key_ids: [key.raw],
      }).expect(201);
      const id = res.body.access_group_id;
      expect(res.body).toMatchObject({
        access_group_name: name,
        description: 'GPT-4 users',
        access_model_names: ['gpt-4'],
        assigned_team_ids: [team.team_id],
        assigned_key_ids: [key.token],
        created_by: 'default_user_id',
        updated_by: 'default_user_id',
        access_mcp_servers: [
          { id: server.server_id, name: 'GitHub' },
          { id: 'config-server', name: null },
        ],
        assigned_teams: [{ id: team.team_id, name: 'Platform' }],
        assigned_keys: [{ id: key.token, name: expect.any(String) }],
        access_agents: [],
      });
      expect(await groupRow(id)).toMatchObject({ access_group_name: name, assigned_key_ids: [key.token] });
      expect(await teamGroups(team.team_id)).toEqual([id]);
      expect(await keyGroups(key.token)).toEqual([id]);
      expect((await audit('LiteLLM_AccessGroupTable', id)).map((a) => a.action)).toEqual(['created']);
      expect(await audit('LiteLLM_TeamTable', team.team_id)).toEqual([
        expect.objectContaining({
          action: 'updated',
          before_value: { access_group_ids: [] },
          updated_values: { access_group_ids: [id] },
        }),
      ]);
      expect((await audit('LiteLLM_VerificationToken', key.token)).map((a) => a.action)).toEqual(['updated']);
    });

    it('should refuse a duplicate name with 409 and change nothing', async () => {
      const name = uniq('ag');
      await create({ access_group_name: name }).expect(201);
      const team = await createTeam(h.prisma);
      const res = await create({ access_group_name: name, assigned_team_ids: [team.team_id] }).expect(409);
      expect(res.body.error).toMatchObject({ message: `Access group '${name}' already exists`, code: '409' });
      expect(await teamGroups(team.team_id)).toEqual([]);
      expect(await h.prisma.liteLLM_AccessGroupTable.count({ where: { access_group_name: name } })).toBe(1);
    });

    it('should refuse unknown teams or keys with 400 and create nothing', async () => {
      const team = await createTeam(h.prisma);
      const name = uniq('ag');
      const unknownTeam = uniq('no-team');
      const res = await create({
        access_group_name: name,
        assigned_team_ids: [team.team_id, unknownTeam],
      }).expect(400);
      expect(res.body.error.message).toBe(`Unknown team ids: ${unknownTeam}`);
      await create({ access_group_name: name, assigned_key_ids: ['0'.repeat(64)] }).expect(400);
      expect(await h.prisma.liteLLM_AccessGroupTable.count({ where: { access_group_name: name } })).toBe(0);
      expect(await teamGroups(team.team_id)).toEqual([]);
    });

    it('should refuse everyone but proxy admins and change nothing (401 gate, 403 viewers)', async () => {
      const name = uniq('ag');
      for (const actor of ['TEAM_ADMIN', 'ORG_ADMIN', 'INTERNAL_USER'] as const) {
        await create({ access_group_name: name, assigned_team_ids: [h.world.alpha] }, as(actor)).expect(401);
      }
      await create({ access_group_name: name }, viewer).expect(403);
      expect(await h.prisma.liteLLM_AccessGroupTable.count({ where: { access_group_name: name } })).toBe(0);
      expect(await teamGroups(h.world.alpha)).toEqual([]);
      await create({ access_group_name: name }, as('PROXY_ADMIN')).expect(201);
    });

    it('should answer 422 for badly shaped bodies and never 500', async () => {
      for (const body of [
        {},
        { access_group_name: '' },
        { access_group_name: 3 },
        { access_group_name: 'x'.repeat(300) },
        { access_group_name: uniq('ag'), assigned_team_ids: 'team' },
        { access_group_name: uniq('ag'), assigned_key_ids: [1] },
        {
          access_group_name: uniq('ag'),
          access_model_names: Array.from({ length: 1001 }, (_, i) => `m${i}`),
        },
      ]) {
        await create(body).expect(422);
      }
      for (const body of [[], 'text', null]) {
        const res = await create(body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    });
  });

  describe('GET /v1/access_group', () => {
    it('should list groups newest first and get one by id, for admins and viewers', async () => {
      const older = await newGroup();
      const newer = await newGroup({ assigned_team_ids: [h.world.gamma] });
      const list = await http().get('/v1/access_group').set(viewer).expect(200);
      const ids = (list.body as { access_group_id: string }[]).map((g) => g.access_group_id);
      expect(ids.indexOf(newer)).toBeLessThan(ids.indexOf(older));
      const one = await http().get(`/v1/access_group/${newer}`).set(asMaster).expect(200);
      expect(one.body).toMatchObject({
        access_group_id: newer,
        assigned_teams: [{ id: h.world.gamma, name: h.world.gamma }],
      });
    });

    it('should answer 404 for an unknown id and refuse non-admins', async () => {
      const id = uniq('nope');
      const res = await http().get(`/v1/access_group/${id}`).set(asMaster).expect(404);
      expect(res.body.error.message).toBe(`Access group '${id}' not found`);
      await http().get('/v1/access_group').set(as('TEAM_ADMIN')).expect(401);
    });

    it('should show the teams really attached: not deleted teams, plus teams carrying the id', async () => {
      const gone = await createTeam(h.prisma);
      const id = await newGroup({ assigned_team_ids: [gone.team_id] });
      await deleteTeamRow(h.prisma, gone.team_id);
      const carrier = await createTeam(h.prisma, { access_group_ids: [id] });
      const res = await http().get(`/v1/access_group/${id}`).set(asMaster).expect(200);
      expect(res.body.assigned_team_ids).toEqual([carrier.team_id]);
    });
  });

  describe('PUT /v1/access_group/{id}', () => {
    it('should change only the fields sent and sync team and key membership both ways', async () => {
      const [t1, t2] = [await createTeam(h.prisma), await createTeam(h.prisma)];
      const [k1, k2] = [await createKey(h.prisma), await createKey(h.prisma)];
      const id = await newGroup({
        description: 'd',
        access_model_names: ['gpt-4'],
        assigned_team_ids: [t1.team_id],
        assigned_key_ids: [k1.token],
      });
      const res = await put(id, {
        assigned_team_ids: [t2.team_id],
        assigned_key_ids: [k2.token],
        access_agent_ids: null,
      }).expect(200);
      expect(res.body).toMatchObject({
        description: 'd',
        access_model_names: ['gpt-4'],
        access_agent_ids: [],
        assigned_team_ids: [t2.team_id],
        assigned_key_ids: [k2.token],
      });
      expect(await teamGroups(t1.team_id)).toEqual([]);
      expect(await teamGroups(t2.team_id)).toEqual([id]);
      expect(await keyGroups(k1.token)).toEqual([]);
      expect(await keyGroups(k2.token)).toEqual([id]);
      expect((await audit('LiteLLM_TeamTable', t1.team_id)).map((a) => a.action)).toEqual([
        'updated',
        'updated',
      ]);

      await put(id, { description: null, access_group_name: `${uniq('renamed')}` }).expect(200);
      const row = await groupRow(id);
      expect(row).toMatchObject({ description: null, assigned_team_ids: [t2.team_id] });
      expect(await teamGroups(t2.team_id)).toEqual([id]);
    });

    it('should refuse a rename onto an existing name with 409 and change nothing', async () => {
      const takenName = uniq('ag');
      await create({ access_group_name: takenName }).expect(201);
      const team = await createTeam(h.prisma);
      const id = await newGroup();
      const before = await groupRow(id);
      await put(id, { access_group_name: takenName, assigned_team_ids: [team.team_id] }).expect(409);
      expect(await groupRow(id)).toEqual(before);
      expect(await teamGroups(team.team_id)).toEqual([]);
    });

    it('should refuse unknown teams or keys with 400, a null name with 422, an unknown group with 404', async () => {
      const team = await createTeam(h.prisma);
      const id = await newGroup({ assigned_team_ids: [team.team_id] });
      await put(id, { assigned_team_ids: [uniq('no-team')] }).expect(400);
      await put(id, { assigned_key_ids: ['f'.repeat(64)] }).expect(400);
      expect(await teamGroups(team.team_id)).toEqual([id]);
      await put(id, { access_group_name: null }).expect(422);
      await put(uniq('nope'), { description: 'x' }).expect(404);
    });

    it('should refuse non-admins and viewers and change nothing', async () => {
      const id = await newGroup({ description: 'keep' });
      await put(id, { description: 'x', assigned_team_ids: [h.world.alpha] }, as('TEAM_ADMIN')).expect(401);
      await put(id, { description: 'x', assigned_team_ids: [h.world.beta] }, as('ORG_B_ADMIN')).expect(401);
      await put(id, { description: 'x' }, viewer).expect(403);
      expect((await groupRow(id))?.description).toBe('keep');
      expect(await teamGroups(h.world.alpha)).not.toContain(id);
      expect(await teamGroups(h.world.beta)).not.toContain(id);
    });
  });

  describe('DELETE /v1/access_group/{id}', () => {
    it('should remove the id from every team and key carrying it, delete the row (204) and audit it', async () => {
      const team = await createTeam(h.prisma, { access_group_ids: ['other-group'] });
      const key = await createKey(h.prisma);
      const id = await newGroup({ assigned_team_ids: [team.team_id], assigned_key_ids: [key.token] });
      const stray = await createKey(h.prisma, { access_group_ids: [id] });
      const res = await http().delete(`/v1/access_group/${id}`).set(asMaster).expect(204);
      expect(res.text).toBe('');
      expect(await groupRow(id)).toBeNull();
      expect(await teamGroups(team.team_id)).toEqual(['other-group']);
      expect(await keyGroups(key.token)).toEqual([]);
      expect(await keyGroups(stray.token)).toEqual([]);
      expect((await audit('LiteLLM_AccessGroupTable', id)).map((a) => a.action)).toEqual([
        'created',
        'deleted',
      ]);
    });

    it('should answer 404 for an unknown id and refuse non-admins with nothing deleted', async () => {
      await http()
        .delete(`/v1/access_group/${uniq('nope')}`)
        .set(asMaster)
        .expect(404);
      const id = await newGroup({ assigned_team_ids: [h.world.gamma] });
      await http().delete(`/v1/access_group/${id}`).set(as('ORG_ADMIN')).expect(401);
      await http().delete(`/v1/access_group/${id}`).set(viewer).expect(403);
      expect(await groupRow(id)).not.toBeNull();
      expect(await teamGroups(h.world.gamma)).toContain(id);
      await http().delete(`/v1/access_group/${id}`).set(asMaster).expect(204);
      expect(await teamGroups(h.world.gamma)).not.toContain(id);
    });
  });

  describe('/v1/unified_access_group (alias)', () => {
    it('should serve the same routes with the same answers', async () => {
      const path = '/v1/unified_access_group';
      const team = await createTeam(h.prisma);
      const created = await create(
        { access_group_name: uniq('ag'), assigned_team_ids: [team.team_id] },
        asMaster,
        path,
      ).expect(201);
      const id = created.body.access_group_id;
      expect(await teamGroups(team.team_id)).toEqual([id]);
      await http().get(path).set(asMaster).expect(200);
      await http().get(`${path}/${id}`).set(asMaster).expect(200);
      await put(id, { assigned_team_ids: [] }, asMaster, path).expect(200);
      expect(await teamGroups(team.team_id)).toEqual([]);
      await http().delete(`${path}/${id}`).set(asMaster).expect(204);
      expect(await groupRow(id)).toBeNull();
      await create({ access_group_name: uniq('ag') }, as('TEAM_ADMIN'), path).expect(401);
    });
  });
});
