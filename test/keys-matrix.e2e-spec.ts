import { createKey, createUserWithKey } from './factories';
import { useE2e } from './harness';
import { ActorName } from './world';

/**
 * LiteLLM's pinned key access matrix (spec tenancy.md §20.1) on the behaviour-pin world:
 * status codes, and the database rows of denied calls left unchanged.
 */
describe('key access matrix (tenancy.md §20.1)', () => {
  const h = useE2e({ world: true });
  const { http, as } = h;
  const COLUMNS: ActorName[] = [
    'PROXY_ADMIN',
    'ORG_ADMIN',
    'TEAM_ADMIN',
    'INTERNAL_USER',
    'OWNER',
    'UNRELATED_SAME_ORG',
    'CROSS_ORG_USER',
    'SERVICE_ACCOUNT',
  ];

  /** A fresh key of `owner` (team key when the owner is in a team), so each call acts on its own row. */
  async function keyOf(owner: ActorName, team: 'own-team' | 'none') {
    const a = h.world.actors[owner];
    const teamId = team === 'own-team' ? a.teamId : null;
    return createKey(h.prisma, {
      user_id: a.userId,
      team_id: teamId,
      organization_id: teamId ? (teamId === h.world.beta ? h.world.orgB : h.world.orgA) : null,
      models: ['m1'],
    });
  }

  function expectRow(columns: ActorName[], expected: (number | null)[], actual: Record<string, number>) {
    const wanted = Object.fromEntries(columns.map((c, i) => [c, expected[i]]).filter(([, s]) => s !== null));
    const got = Object.fromEntries(Object.keys(wanted).map((c) => [c, actual[c]]));
    expect(got).toEqual(wanted);
  }

  type Target = (actor: ActorName) => Promise<{ raw: string; token: string }>;
  /** The three target rows LiteLLM pins for key writes: own personal key, same-team key, cross-org key. */
  const TARGETS: Target[] = [
    (actor) => keyOf(actor, 'none'),
    () => keyOf('OWNER', 'own-team'),
    () => keyOf('CROSS_ORG_USER', 'own-team'),
  ];

  /**
   * Calls `send` for each actor on a fresh target key per call, checks with `unchanged` that a
   * denied call left the row alone, and compares each target's statuses with the pinned row.
   */
  async function expectKeyWriteMatrix(
    expected: (number | null)[][],
    send: (actor: ActorName, key: { raw: string; token: string }) => Promise<number>,
    unchanged: (key: { raw: string; token: string }, status: number) => Promise<void>,
  ) {
    for (const [i, target] of TARGETS.entries()) {
      const actual: Record<string, number> = {};
      for (const actor of COLUMNS) {
        const key = await target(actor);
        actual[actor] = await send(actor, key);
        await unchanged(key, actual[actor]);
      }
      expectRow(COLUMNS, expected[i], actual);
    }
  }

  it('POST /key/generate', async () => {
    const rows: [string, string | null, (number | null)[]][] = [
      ['no team (own key)', null, [200, 401, 200, 200, 200, 200, 200, 200]],
      ['team_id=alpha', 'alpha', [200, 401, 200, 401, null, null, 400, null]],
      ['team_id=beta', 'beta', [200, 401, 400, 400, null, null, 401, null]],
    ];
    for (const [, team, expected] of rows) {
      const actual: Record<string, number> = {};
      for (const actor of COLUMNS) {
        const body = team ? { team_id: team === 'alpha' ? h.world.alpha : h.world.beta } : {};
        const before = await h.prisma.liteLLM_VerificationToken.count({
          where: { user_id: h.world.actors[actor].userId },
        });
        const res = await http().post('/key/generate').set(as(actor)).send(body);
        actual[actor] = res.status;
        const after = await h.prisma.liteLLM_VerificationToken.count({
          where: { user_id: h.world.actors[actor].userId },
        });
        if (res.status !== 200) expect(after).toBe(before);
      }
      expectRow(COLUMNS, expected, actual);
    }
  });

  it('GET /key/info', async () => {
    const sameTeam = await keyOf('OWNER', 'own-team');
    const crossOrg = await keyOf('CROSS_ORG_USER', 'own-team');
    for (const [target, expected] of [
      [sameTeam, [200, 403, 200, 200, 200, 200, 403, 200]],
      [crossOrg, [200, 403, 403, 403, 403, 403, 200, 403]],
    ] as const) {
      const actual: Record<string, number> = {};
      for (const actor of COLUMNS)
        actual[actor] = (await http().get('/key/info').query({ key: target.raw }).set(as(actor))).status;
      expectRow(COLUMNS, [...expected], actual);
    }
  });

  it('POST /key/update (changing models), denied calls change nothing', async () => {
    await expectKeyWriteMatrix(
      [
        [200, 401, 403, 403, 403, 403, 403, 403],
        [200, 401, 403, 403, null, 403, 403, 403],
        [200, 401, 403, null, 403, null, 401, 403],
      ],
      async (actor, key) =>
        (
          await http()
            .post('/key/update')
            .set(as(actor))
            .send({ key: key.raw, models: ['changed'] })
        ).status,
      async (key, status) => {
        const row = await h.prisma.liteLLM_VerificationToken.findUniqueOrThrow({
          where: { token: key.token },
        });
        expect(row.models).toEqual(status === 200 ? ['changed'] : ['m1']);
      },
    );
  });

  it('POST /key/delete, denied calls delete nothing', async () => {
    // Same-team key: LiteLLM's newest pins 403 for plain members; we apply the team's member
    // permissions as /key/update and /key/regenerate do (issue 10), so members without /key/delete get 401.
    await expectKeyWriteMatrix(
      [
        [200, 401, 200, 200, 200, 200, 200, 200],
        [200, 401, 200, 401, null, 401, 403, 401],
        [200, 401, 403, null, 403, null, 200, 403],
      ],
      async (actor, key) =>
        (
          await http()
            .post('/key/delete')
            .set(as(actor))
            .send({ keys: [key.raw] })
        ).status,
      async (key, status) => {
        const row = await h.prisma.liteLLM_VerificationToken.findUnique({ where: { token: key.token } });
        expect(row === null).toBe(status === 200);
      },
    );
  });

  it('POST /key/regenerate', async () => {
    await expectKeyWriteMatrix(
      [
        [200, 401, 200, 200, 200, 200, 200, 200],
        [200, 401, 200, 401, null, 401, 401, 401],
        [200, 401, 401, null, 401, null, 401, 401],
      ],
      async (actor, key) =>
        (await http().post('/key/regenerate').set(as(actor)).send({ key: key.raw })).status,
      async (key, status) => {
        const row = await h.prisma.liteLLM_VerificationToken.findUnique({ where: { token: key.token } });
        expect(row === null).toBe(status === 200);
      },
    );
  });

  it('POST /key/bulk_update', async () => {
    const target = await keyOf('OWNER', 'none');
    const actual: Record<string, number> = {};
    for (const actor of COLUMNS) {
      actual[actor] = (
        await http()
          .post('/key/bulk_update')
          .set(as(actor))
          .send({ keys: [{ key: target.raw, max_budget: 1 }] })
      ).status;
    }
    expectRow(COLUMNS, [200, 401, 403, 403, 403, 403, 403, 403], actual);
  });

  it('team-admin rules of §20.3 for members keys: block, reset_spend, list with include_team_keys', async () => {
    const member = await keyOf('OWNER', 'own-team');
    await http().post('/key/block').set(as('TEAM_ADMIN')).send({ key: member.raw }).expect(200);
    await http().post('/key/block').set(as('INTERNAL_USER')).send({ key: member.raw }).expect(403);
    await http()
      .post(`/key/${member.raw}/reset_spend`)
      .set(as('TEAM_ADMIN'))
      .send({ reset_to: 0 })
      .expect(200);
    await http()
      .post(`/key/${member.raw}/reset_spend`)
      .set(as('INTERNAL_USER'))
      .send({ reset_to: 0 })
      .expect(403);
    const q = { team_id: h.world.alpha, include_team_keys: 'true' };
    const adminList = await http().get('/key/list').query(q).set(as('TEAM_ADMIN')).expect(200);
    expect(adminList.body.keys).toContain(member.token);
    await http().get('/key/list').query(q).set(as('INTERNAL_USER')).expect(200);
    await http().get('/key/list').query(q).set(as('CROSS_ORG_USER')).expect(403);
    await http()
      .get('/key/list')
      .query({ user_id: h.world.actors.OWNER.userId })
      .set(as('INTERNAL_USER'))
      .expect(403);
  });

  it('should let an org_admin member (internal_user role) block keys of its organization only', async () => {
    const orgAdmin = await createUserWithKey(h.prisma);
    await h.prisma.liteLLM_OrganizationMembership.create({
      data: { user_id: orgAdmin.userId, organization_id: h.world.orgA, user_role: 'org_admin' },
    });
    const inOrg = await keyOf('OWNER', 'own-team');
    const crossOrg = await keyOf('CROSS_ORG_USER', 'own-team');
    await http().post('/key/block').set(orgAdmin.headers).send({ key: inOrg.raw }).expect(200);
    await http().post('/key/block').set(orgAdmin.headers).send({ key: crossOrg.raw }).expect(403);
    const blocked = (token: string) =>
      h.prisma.liteLLM_VerificationToken.findUniqueOrThrow({ where: { token }, select: { blocked: true } });
    expect(await blocked(inOrg.token)).toEqual({ blocked: true });
    expect((await blocked(crossOrg.token)).blocked).not.toBe(true);
  });

  it('should not let a team admin mint a key owned by another member (it would act with their role)', async () => {
    const owned = () =>
      h.prisma.liteLLM_VerificationToken.count({ where: { user_id: h.world.actors.OWNER.userId } });
    const before = await owned();
    const body = { team_id: h.world.alpha, user_id: h.world.actors.OWNER.userId };
    await http().post('/key/generate').set(as('TEAM_ADMIN')).send(body).expect(403);
    expect(await owned()).toBe(before);
  });

  it('service-account keys: team admin 200, plain member 401, non-member 400, no team 400', async () => {
    await http()
      .post('/key/service-account/generate')
      .set(as('TEAM_ADMIN'))
      .send({ team_id: h.world.alpha })
      .expect(200);
    await http()
      .post('/key/service-account/generate')
      .set(as('INTERNAL_USER'))
      .send({ team_id: h.world.alpha })
      .expect(401);
    await http()
      .post('/key/service-account/generate')
      .set(as('CROSS_ORG_USER'))
      .send({ team_id: h.world.alpha })
      .expect(400);
    await http().post('/key/service-account/generate').set(as('PROXY_ADMIN')).send({}).expect(400);
  });
});
