import request from 'supertest';
import { createTestApp, TestApp, uniq } from './app.factory';
import { bearer } from './factories';
import { ActorName, createWorld, World } from './world';

/**
 * Cross-tenant isolation: the admin of team alpha (org A) and the org admin of org A try to read,
 * change, join and delete team beta (org B). Every attempt is refused, and afterwards every row
 * of team beta (team, memberships, keys, its members' user rows, org B memberships) is exactly
 * as before.
 */
describe('team tenant isolation', () => {
  let t: TestApp;
  let w: World;
  const http = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    t = await createTestApp();
    w = await createWorld(t.prisma);
    await t.prisma.liteLLM_TeamMembership.update({
      where: { user_id_team_id: { user_id: w.actors.CROSS_ORG_USER.userId, team_id: w.beta } },
      data: { spend: 4 },
    });
  });
  afterAll(() => t.close());

  /** Everything that belongs to team beta. */
  async function snapshot() {
    const [team, memberships, keys, users, orgMembers, archived, audits] = await Promise.all([
      t.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: w.beta } }),
      t.prisma.liteLLM_TeamMembership.findMany({ where: { team_id: w.beta }, orderBy: { user_id: 'asc' } }),
      t.prisma.liteLLM_VerificationToken.findMany({ where: { team_id: w.beta }, orderBy: { token: 'asc' } }),
      t.prisma.liteLLM_UserTable.findMany({
        where: {
          user_id: {
            in: [w.actors.CROSS_ORG_USER.userId, w.actors.TEAM_ADMIN.userId, w.actors.ORG_ADMIN.userId],
          },
        },
        orderBy: { user_id: 'asc' },
      }),
      t.prisma.liteLLM_OrganizationMembership.findMany({
        where: { organization_id: w.orgB },
        orderBy: { user_id: 'asc' },
      }),
      t.prisma.liteLLM_DeletedTeamTable.count({ where: { team_id: w.beta } }),
      t.prisma.liteLLM_AuditLog.count({ where: { object_id: w.beta } }),
    ]);
    return { team, memberships, keys, users, orgMembers, archived, audits };
  }

  const cross = () => w.actors.CROSS_ORG_USER.userId;
  /** Each attempt: method, path, body or query, the status expected. */
  const attempts = (attacker: ActorName): [string, string, Record<string, unknown>, number][] => [
    // read
    ['GET', '/team/info', { team_id: w.beta }, 403],
    ['GET', '/team/permissions_list', { team_id: w.beta }, 403],
    [
      'GET',
      '/team/daily/activity',
      { team_ids: w.beta, start_date: '2026-01-01', end_date: '2026-12-31' },
      404,
    ],
    ['GET', '/team/list', { user_id: cross() }, 401],
    ['GET', '/team/list', { organization_id: w.orgB }, 401],
    ['GET', '/v2/team/list', { user_id: cross() }, 401],
    // update
    ['POST', '/team/update', { team_id: w.beta, team_alias: 'pwned' }, 403],
    ['POST', '/team/update', { team_id: w.beta, organization_id: w.orgA }, 403],
    ['POST', '/team/update', { team_id: w.beta, max_budget: 0, organization_id: w.orgB }, 403],
    [
      'POST',
      '/team/permissions_update',
      { team_id: w.beta, team_member_permissions: ['/key/generate'] },
      403,
    ],
    ['POST', '/team/model/add', { team_id: w.beta, models: ['x'] }, 401],
    ['POST', '/team/model/delete', { team_id: w.beta, models: ['x'] }, 401],
    ['POST', '/team/unblock', { team_id: w.beta, organization_id: w.orgA }, 401],
    // members
    [
      'POST',
      '/team/member_add',
      { team_id: w.beta, member: { user_id: w.actors[attacker].userId, role: 'admin' } },
      403,
    ],
    [
      'POST',
      '/team/member_add',
      { team_id: w.beta, member: { user_id: uniq('spy'), role: 'user' }, organization_id: w.orgA },
      403,
    ],
    [
      'POST',
      '/team/bulk_member_add',
      { team_id: w.beta, members: [{ user_id: w.actors[attacker].userId, role: 'admin' }] },
      401,
    ],
    [
      'POST',
      '/team/member_update',
      { team_id: w.beta, user_id: cross(), role: 'user', max_budget_in_team: 0 },
      403,
    ],
    ['POST', '/team/member_delete', { team_id: w.beta, user_id: cross() }, 403],
    ['POST', `/team/${w.beta}/member/${cross()}/reset_spend`, { reset_to: 0 }, 403],
    ['POST', `/team/${w.beta}/member/${cross()}/reset_budget`, {}, 403],
    // delete / block, with every organization context
    ['POST', '/team/delete', { team_ids: [w.beta] }, 401],
    ['POST', '/team/delete', { team_ids: [w.beta], organization_id: w.orgA }, 401],
    ['POST', '/team/delete', { team_ids: [w.beta], organization_id: w.orgB }, 401],
    ['POST', '/team/delete', { team_ids: [w.alpha, w.beta], organization_id: w.orgA }, 401],
    ['POST', '/team/block', { team_id: w.beta }, 401],
    ['POST', '/team/block', { team_id: w.beta, organization_id: w.orgA }, 401],
    // creating a team inside org B
    ['POST', '/team/new', { team_id: uniq('intruder'), organization_id: w.orgB }, 401],
  ];

  it.each(['TEAM_ADMIN', 'ORG_ADMIN'] as ActorName[])(
    'should refuse %s of tenant A every read, change, join and delete of team beta, changing nothing',
    async (attacker) => {
      const before = await snapshot();
      const teamsBefore = await t.prisma.liteLLM_TeamTable.count({ where: { organization_id: w.orgB } });
      const alphaBefore = await t.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: w.alpha } });
      const results: { route: string; body: unknown; status: number }[] = [];
      const wanted: { route: string; body: unknown; status: number }[] = [];
      for (const [method, route, payload, status] of attempts(attacker)) {
        const req = method === 'GET' ? http().get(route).query(payload) : http().post(route).send(payload);
        const res = await req.set(bearer(w.actors[attacker].key));
        results.push({ route, body: payload, status: res.status });
        wanted.push({ route, body: payload, status });
        expect(res.body).not.toHaveProperty('team_info');
      }
      expect(results).toEqual(wanted);
      expect(await snapshot()).toEqual(before);
      expect(await t.prisma.liteLLM_TeamTable.count({ where: { organization_id: w.orgB } })).toBe(
        teamsBefore,
      );
      // the batch delete naming alpha too deleted nothing of alpha either
      expect(await t.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: w.alpha } })).toEqual(
        alphaBefore,
      );
      // team beta's key still works
      await http().get('/key/info').set(bearer(w.actors.CROSS_ORG_USER.key)).expect(200);
    },
  );

  it('should refuse moving a team of org A into org B for the team admin and the org admin of A', async () => {
    for (const attacker of ['TEAM_ADMIN', 'ORG_ADMIN'] as ActorName[]) {
      const res = await http()
        .post('/team/update')
        .set(bearer(w.actors[attacker].key))
        .send({ team_id: w.alpha, organization_id: w.orgB });
      expect(res.status).toBe(403);
      expect(
        (await t.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: w.alpha } }))!.organization_id,
      ).toBe(w.orgA);
    }
  });

  it('should let the org B admin do what the org A admin may not (the same calls are allowed in-tenant)', async () => {
    const b = bearer(w.actors.ORG_B_ADMIN.key);
    await http().get('/team/info').query({ team_id: w.beta }).set(b).expect(200);
    await http()
      .post('/team/update')
      .set(b)
      .send({ team_id: w.beta, team_alias: 'beta-renamed' })
      .expect(200);
    await http()
      .post(`/team/${w.beta}/member/${cross()}/reset_spend`)
      .set(b)
      .send({ reset_to: 0 })
      .expect(200);
  });
});
