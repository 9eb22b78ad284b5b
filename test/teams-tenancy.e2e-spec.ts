import { uniq } from './app.factory';
import { bearer, setTeamMembership } from './factories';
import { useE2e } from './harness';
import { ActorName } from './world';

/**
 * Cross-tenant isolation: the admin of team alpha (org A) and the org admin of org A try to read,
 * change, join and delete team beta (org B). Every attempt is refused, and afterwards every row
 * of team beta (team, memberships, keys, its members' user rows, org B memberships) is exactly
 * as before.
 */
describe('team tenant isolation', () => {
  const h = useE2e({ world: true });
  const { http } = h;

  beforeAll(async () => {
    await setTeamMembership(h.prisma, h.world.actors.CROSS_ORG_USER.userId, h.world.beta, { spend: 4 });
  });

  /** Everything that belongs to team beta. */
  async function snapshot() {
    const [team, memberships, keys, users, orgMembers, archived, audits] = await Promise.all([
      h.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: h.world.beta } }),
      h.prisma.liteLLM_TeamMembership.findMany({
        where: { team_id: h.world.beta },
        orderBy: { user_id: 'asc' },
      }),
      h.prisma.liteLLM_VerificationToken.findMany({
        where: { team_id: h.world.beta },
        orderBy: { token: 'asc' },
      }),
      h.prisma.liteLLM_UserTable.findMany({
        where: {
          user_id: {
            in: [
              h.world.actors.CROSS_ORG_USER.userId,
              h.world.actors.TEAM_ADMIN.userId,
              h.world.actors.ORG_ADMIN.userId,
            ],
          },
        },
        orderBy: { user_id: 'asc' },
      }),
      h.prisma.liteLLM_OrganizationMembership.findMany({
        where: { organization_id: h.world.orgB },
        orderBy: { user_id: 'asc' },
      }),
      h.prisma.liteLLM_DeletedTeamTable.count({ where: { team_id: h.world.beta } }),
      h.prisma.liteLLM_AuditLog.count({ where: { object_id: h.world.beta } }),
    ]);
    return { team, memberships, keys, users, orgMembers, archived, audits };
  }

  const cross = () => h.world.actors.CROSS_ORG_USER.userId;
  /** Each attempt: method, path, body or query, the status expected. */
  const attempts = (attacker: ActorName): [string, string, Record<string, unknown>, number][] => [
    // read
    ['GET', '/team/info', { team_id: h.world.beta }, 403],
    ['GET', '/team/permissions_list', { team_id: h.world.beta }, 403],
    [
      'GET',
      '/team/daily/activity',
      { team_ids: h.world.beta, start_date: '2026-01-01', end_date: '2026-12-31' },
      404,
    ],
    ['GET', '/team/list', { user_id: cross() }, 401],
    ['GET', '/team/list', { organization_id: h.world.orgB }, 401],
    ['GET', '/v2/team/list', { user_id: cross() }, 401],
    // update
    ['POST', '/team/update', { team_id: h.world.beta, team_alias: 'pwned' }, 403],
    ['POST', '/team/update', { team_id: h.world.beta, organization_id: h.world.orgA }, 403],
    ['POST', '/team/update', { team_id: h.world.beta, max_budget: 0, organization_id: h.world.orgB }, 403],
    [
      'POST',
      '/team/permissions_update',
      { team_id: h.world.beta, team_member_permissions: ['/key/generate'] },
      403,
    ],
    ['POST', '/team/model/add', { team_id: h.world.beta, models: ['x'] }, 401],
    ['POST', '/team/model/delete', { team_id: h.world.beta, models: ['x'] }, 401],
    ['POST', '/team/unblock', { team_id: h.world.beta, organization_id: h.world.orgA }, 401],
    // members
    [
      'POST',
      '/team/member_add',
      { team_id: h.world.beta, member: { user_id: h.world.actors[attacker].userId, role: 'admin' } },
      403,
    ],
    [
      'POST',
      '/team/member_add',
      {
        team_id: h.world.beta,
        member: { user_id: uniq('spy'), role: 'user' },
        organization_id: h.world.orgA,
      },
      403,
    ],
    [
      'POST',
      '/team/bulk_member_add',
      { team_id: h.world.beta, members: [{ user_id: h.world.actors[attacker].userId, role: 'admin' }] },
      401,
    ],
    [
      'POST',
      '/team/member_update',
      { team_id: h.world.beta, user_id: cross(), role: 'user', max_budget_in_team: 0 },
      403,
    ],
    ['POST', '/team/member_delete', { team_id: h.world.beta, user_id: cross() }, 403],
    ['POST', `/team/${h.world.beta}/member/${cross()}/reset_spend`, { reset_to: 0 }, 403],
    ['POST', `/team/${h.world.beta}/member/${cross()}/reset_budget`, {}, 403],
    // delete / block, with every organization context
    ['POST', '/team/delete', { team_ids: [h.world.beta] }, 401],
    ['POST', '/team/delete', { team_ids: [h.world.beta], organization_id: h.world.orgA }, 401],
    ['POST', '/team/delete', { team_ids: [h.world.beta], organization_id: h.world.orgB }, 401],
    ['POST', '/team/delete', { team_ids: [h.world.alpha, h.world.beta], organization_id: h.world.orgA }, 401],
    ['POST', '/team/block', { team_id: h.world.beta }, 401],
    ['POST', '/team/block', { team_id: h.world.beta, organization_id: h.world.orgA }, 401],
    // creating a team inside org B
    ['POST', '/team/new', { team_id: uniq('intruder'), organization_id: h.world.orgB }, 401],
  ];

  it.each(['TEAM_ADMIN', 'ORG_ADMIN'] as ActorName[])(
    'should refuse %s of tenant A every read, change, join and delete of team beta, changing nothing',
    async (attacker) => {
      const before = await snapshot();
      const teamsBefore = await h.prisma.liteLLM_TeamTable.count({
        where: { organization_id: h.world.orgB },
      });
      const alphaBefore = await h.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: h.world.alpha } });
      const results: { route: string; body: unknown; status: number }[] = [];
      const wanted: { route: string; body: unknown; status: number }[] = [];
      for (const [method, route, payload, status] of attempts(attacker)) {
        const req = method === 'GET' ? http().get(route).query(payload) : http().post(route).send(payload);
        const res = await req.set(bearer(h.world.actors[attacker].key));
        results.push({ route, body: payload, status: res.status });
        wanted.push({ route, body: payload, status });
        expect(res.body).not.toHaveProperty('team_info');
      }
      expect(results).toEqual(wanted);
      expect(await snapshot()).toEqual(before);
      expect(await h.prisma.liteLLM_TeamTable.count({ where: { organization_id: h.world.orgB } })).toBe(
        teamsBefore,
      );
      // the batch delete naming alpha too deleted nothing of alpha either
      expect(await h.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: h.world.alpha } })).toEqual(
        alphaBefore,
      );
      // team beta's key still works
      await http().get('/key/info').set(bearer(h.world.actors.CROSS_ORG_USER.key)).expect(200);
    },
  );

  it('should refuse moving a team of org A into org B for the team admin and the org admin of A', async () => {
    for (const attacker of ['TEAM_ADMIN', 'ORG_ADMIN'] as ActorName[]) {
      const res = await http()
        .post('/team/update')
        .set(bearer(h.world.actors[attacker].key))
        .send({ team_id: h.world.alpha, organization_id: h.world.orgB });
      expect(res.status).toBe(403);
      expect(
        (await h.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: h.world.alpha } }))!.organization_id,
      ).toBe(h.world.orgA);
    }
  });

  it('should let the org B admin do what the org A admin may not (the same calls are allowed in-tenant)', async () => {
    const b = bearer(h.world.actors.ORG_B_ADMIN.key);
    await http().get('/team/info').query({ team_id: h.world.beta }).set(b).expect(200);
    await http()
      .post('/team/update')
      .set(b)
      .send({ team_id: h.world.beta, team_alias: 'beta-renamed' })
      .expect(200);
    await http()
      .post(`/team/${h.world.beta}/member/${cross()}/reset_spend`)
      .set(b)
      .send({ reset_to: 0 })
      .expect(200);
  });
});
