import { uniq } from './app.factory';
import {
  addOrgMember,
  addTeamMember,
  createBudget,
  createKey,
  createTeam,
  createUser,
  removeOrgMember,
  setTeamMembership,
  updateTeam,
} from './factories';
import { useE2e } from './harness';
import { ACTORS, ActorName } from './world';

/**
 * LiteLLM's pinned team matrices (spec tenancy.md §20.2, §20.3) on the behaviour-pin world:
 * status codes, and for every denied call the database rows left unchanged.
 */
describe('team access matrices (tenancy.md §20.2, §20.3)', () => {
  const h = useE2e({ world: true });
  const { http, as } = h;
  const id = (actor: ActorName) => h.world.actors[actor].userId;
  const OTHERS: ActorName[] = [
    'INTERNAL_USER',
    'OWNER',
    'UNRELATED_SAME_ORG',
    'CROSS_ORG_USER',
    'SERVICE_ACCOUNT',
  ];

  const team = (teamId: string) => h.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: teamId } });
  const memberIds = async (teamId: string) =>
    ((await team(teamId))!.members_with_roles as { user_id: string }[]).map((m) => m.user_id);

  /** A user in the team (members_with_roles, legacy array, user.teams, a membership row with spend). */
  async function seedMember(teamId: string, role: 'user' | 'admin' = 'user', spend = 5) {
    const { user_id: userId } = await createUser(h.prisma, 'internal_user', { user_id: uniq('member') });
    await addTeamMember(h.prisma, teamId, userId, { role, spend });
    return userId;
  }

  /** A fresh team shaped like alpha (org A, TEAM_ADMIN admin) or beta (org B, CROSS_ORG_USER member). */
  async function cloneTeam(like: 'alpha' | 'beta') {
    const teamId = uniq(`team-${like}`);
    const members =
      like === 'alpha'
        ? [
            { user_id: id('TEAM_ADMIN'), role: 'admin' as const },
            ...['INTERNAL_USER', 'OWNER', 'UNRELATED_SAME_ORG', 'SERVICE_ACCOUNT'].map((a) => ({
              user_id: id(a as ActorName),
              role: 'user' as const,
            })),
          ]
        : [{ user_id: id('CROSS_ORG_USER'), role: 'user' as const }];
    await createTeam(h.prisma, {
      team_id: teamId,
      team_alias: teamId,
      organization_id: like === 'alpha' ? h.world.orgA : h.world.orgB,
      roster: members,
    });
    const key = await createKey(h.prisma, { team_id: teamId, user_id: members[0].user_id });
    return { teamId, org: like === 'alpha' ? h.world.orgA : h.world.orgB, key };
  }

  const teamOf = (like: 'alpha' | 'beta') => (like === 'alpha' ? h.world.alpha : h.world.beta);

  /** §20.2's column order: proxy, org admin (A), team admin, the five plain users, org B admin. */
  const COLUMNS: ActorName[] = ['PROXY_ADMIN', 'ORG_ADMIN', 'TEAM_ADMIN', ...OTHERS, 'ORG_B_ADMIN'];
  const expand = (proxy: number, orgA: number, teamAdmin: number, others: number, orgB: number) =>
    Object.fromEntries(
      COLUMNS.map((c, i) => [c, [proxy, orgA, teamAdmin, ...OTHERS.map(() => others), orgB][i]]),
    );

  async function run(
    expected: Record<string, number>,
    call: (actor: ActorName) => Promise<{ status: number; changed: boolean }>,
  ) {
    const actual: Record<string, number> = {};
    for (const actor of COLUMNS) {
      const { status, changed } = await call(actor);
      actual[actor] = status;
      expect({ actor, changed }).toEqual({ actor, changed: status === 200 });
    }
    expect(actual).toEqual(expected);
  }

  describe('§20.2 member routes', () => {
    const rows: ['alpha' | 'beta', Record<string, number>][] = [
      ['alpha', expand(200, 200, 200, 403, 403)],
      ['beta', expand(200, 403, 403, 403, 200)],
    ];

    it.each(rows)('POST /team/member_add on %s', async (like, expected) => {
      await run(expected, async (actor) => {
        const newcomer = uniq('newcomer');
        const res = await http()
          .post('/team/member_add')
          .set(as(actor))
          .send({ team_id: teamOf(like), member: { user_id: newcomer, role: 'user' } });
        const user = await h.prisma.liteLLM_UserTable.findUnique({ where: { user_id: newcomer } });
        return { status: res.status, changed: (await memberIds(teamOf(like))).includes(newcomer) && !!user };
      });
    });

    it.each(rows)('POST /team/member_delete on %s', async (like, expected) => {
      await run(expected, async (actor) => {
        const member = await seedMember(teamOf(like));
        const res = await http()
          .post('/team/member_delete')
          .set(as(actor))
          .send({ team_id: teamOf(like), user_id: member });
        const user = await h.prisma.liteLLM_UserTable.findUniqueOrThrow({ where: { user_id: member } });
        const gone = !(await memberIds(teamOf(like))).includes(member);
        const membership = await h.prisma.liteLLM_TeamMembership.findUnique({
          where: { user_id_team_id: { user_id: member, team_id: teamOf(like) } },
        });
        expect([gone, !user.teams.includes(teamOf(like)), membership === null]).toEqual([gone, gone, gone]);
        return { status: res.status, changed: gone };
      });
    });

    it.each(rows)('POST /team/member_update on %s', async (like, expected) => {
      await run(expected, async (actor) => {
        const member = await seedMember(teamOf(like));
        const res = await http()
          .post('/team/member_update')
          .set(as(actor))
          .send({ team_id: teamOf(like), user_id: member, role: 'admin', max_budget_in_team: 7 });
        const row = (await team(teamOf(like)))!;
        const entry = (row.members_with_roles as { user_id: string; role: string }[]).find(
          (m) => m.user_id === member,
        )!;
        const membership = await h.prisma.liteLLM_TeamMembership.findUniqueOrThrow({
          where: { user_id_team_id: { user_id: member, team_id: teamOf(like) } },
          include: { litellm_budget_table: true },
        });
        const changed = entry.role === 'admin';
        expect(row.admins.includes(member)).toBe(changed);
        expect(membership.litellm_budget_table?.max_budget ?? null).toBe(changed ? 7 : null);
        return { status: res.status, changed };
      });
    });

    it.each(rows)('POST /team/{id}/member/{uid}/reset_spend on %s', async (like, expected) => {
      await run(expected, async (actor) => {
        const member = await seedMember(teamOf(like));
        const res = await http()
          .post(`/team/${teamOf(like)}/member/${member}/reset_spend`)
          .set(as(actor))
          .send({ reset_to: 0 });
        const membership = await h.prisma.liteLLM_TeamMembership.findUniqueOrThrow({
          where: { user_id_team_id: { user_id: member, team_id: teamOf(like) } },
        });
        return { status: res.status, changed: membership.spend === 0 };
      });
    });

    it.each(rows)('POST /team/{id}/member/{uid}/reset_budget on %s', async (like, expected) => {
      await run(expected, async (actor) => {
        const member = await seedMember(teamOf(like));
        const budget = await createBudget(h.prisma, { max_budget: 3 });
        await setTeamMembership(h.prisma, member, teamOf(like), { budget_id: budget.budget_id });
        const res = await http()
          .post(`/team/${teamOf(like)}/member/${member}/reset_budget`)
          .set(as(actor))
          .send({});
        const membership = await h.prisma.liteLLM_TeamMembership.findUniqueOrThrow({
          where: { user_id_team_id: { user_id: member, team_id: teamOf(like) } },
        });
        expect(membership.spend).toBe(5);
        return { status: res.status, changed: membership.budget_id === null };
      });
    });
  });

  it.each([
    ['alpha', expand(200, 200, 403, 403, 403)],
    ['beta', expand(200, 403, 403, 403, 200)],
  ] as const)('POST /team/update on %s [newest]', async (like, expected) => {
    await run(expected, async (actor) => {
      const alias = uniq('alias');
      const res = await http()
        .post('/team/update')
        .set(as(actor))
        .send({ team_id: teamOf(like), team_alias: alias });
      if (actor === 'TEAM_ADMIN' && like === 'alpha') {
        expect(res.body.error.message).toContain('cannot edit team settings');
        expect(res.body.error.message).toContain('Team admin editable fields');
      }
      return { status: res.status, changed: (await team(teamOf(like)))!.team_alias === alias };
    });
  });

  it('POST /team/update with organization_id in the body: org admins pass with or without it', async () => {
    const alias = uniq('alias');
    await http()
      .post('/team/update')
      .set(as('ORG_ADMIN'))
      .send({ team_id: h.world.alpha, organization_id: h.world.orgA, team_alias: alias })
      .expect(200);
    expect((await team(h.world.alpha))!.team_alias).toBe(alias);
  });

  it('relocating an org A team to org B: proxy 200, admin of both orgs 200, everyone else 403', async () => {
    const both = uniq('both-admin');
    await createUser(h.prisma, 'org_admin', { user_id: both });
    for (const org of [h.world.orgA, h.world.orgB])
      await addOrgMember(h.prisma, both, org, { user_role: 'org_admin' });
    const bothKey = await createKey(h.prisma, { user_id: both });
    const callers: [string, Record<string, string>, number][] = [
      ['org_b_admin', as('ORG_B_ADMIN'), 403],
      ['org_admin', as('ORG_ADMIN'), 403],
      ['team_admin', as('TEAM_ADMIN'), 403],
      ['internal_user', as('INTERNAL_USER'), 403],
      ['admin of both orgs', as(bothKey.raw), 200],
      ['proxy_admin', h.master, 200],
    ];
    for (const [who, headers, status] of callers) {
      // A team whose members are all in org B already, so the move itself is valid.
      const teamId = uniq('movable');
      await createTeam(h.prisma, {
        team_id: teamId,
        team_alias: null,
        organization_id: h.world.orgA,
        members_with_roles: [
          { user_id: id('TEAM_ADMIN'), role: 'admin' },
          { user_id: id('ORG_B_ADMIN'), role: 'user' },
        ],
      });
      await addOrgMember(h.prisma, id('TEAM_ADMIN'), h.world.orgB);
      const res = await http()
        .post('/team/update')
        .set(headers)
        .send({ team_id: teamId, organization_id: h.world.orgB });
      expect({ who, status: res.status }).toEqual({ who, status });
      if (who === 'org_b_admin') expect(res.body.error.message).toContain('do not have access to this team');
      expect((await team(teamId))!.organization_id).toBe(status === 200 ? h.world.orgB : h.world.orgA);
    }
    await removeOrgMember(h.prisma, id('TEAM_ADMIN'), h.world.orgB);
  });

  describe('§20.2 org-level routes (body includes organization_id)', () => {
    const rows: ['alpha' | 'beta', Record<string, number>][] = [
      ['alpha', expand(200, 200, 401, 401, 401)],
      ['beta', expand(200, 401, 401, 401, 200)],
    ];

    it.each(rows)('POST /team/delete on %s', async (like, expected) => {
      await run(expected, async (actor) => {
        const { teamId, org, key } = await cloneTeam(like);
        const res = await http()
          .post('/team/delete')
          .set(as(actor))
          .send({ team_ids: [teamId], organization_id: org });
        const keyRow = await h.prisma.liteLLM_VerificationToken.findUnique({ where: { token: key.token } });
        const gone = (await team(teamId)) === null;
        expect(keyRow === null).toBe(gone);
        return { status: res.status, changed: gone };
      });
    });

    it.each(rows)('POST /team/block and /team/unblock on %s', async (like, expected) => {
      await run(expected, async (actor) => {
        const { teamId, org } = await cloneTeam(like);
        const res = await http()
          .post('/team/block')
          .set(as(actor))
          .send({ team_id: teamId, organization_id: org });
        const blocked = (await team(teamId))!.blocked;
        if (blocked) {
          await http()
            .post('/team/unblock')
            .set(as(actor))
            .send({ team_id: teamId, organization_id: org })
            .expect(200);
          expect((await team(teamId))!.blocked).toBe(false);
        } else {
          await updateTeam(h.prisma, teamId, { blocked: true });
          const unblock = await http()
            .post('/team/unblock')
            .set(as(actor))
            .send({ team_id: teamId, organization_id: org });
          expect(unblock.status).toBe(res.status);
          expect((await team(teamId))!.blocked).toBe(true);
        }
        return { status: res.status, changed: blocked };
      });
    });
  });

  it('POST /team/new by organization_id: proxy always, an org admin only in their own org', async () => {
    const columns: ActorName[] = [
      'PROXY_ADMIN',
      'ORG_ADMIN',
      'ORG_B_ADMIN',
      ...ACTORS.filter((a) => !a.startsWith('PROXY') && !a.startsWith('ORG')),
    ];
    const expected: [string | null, Record<string, number>][] = [
      [null, { PROXY_ADMIN: 200, ORG_ADMIN: 401, ORG_B_ADMIN: 401 }],
      [h.world.orgA, { PROXY_ADMIN: 200, ORG_ADMIN: 200, ORG_B_ADMIN: 401 }],
      [h.world.orgB, { PROXY_ADMIN: 200, ORG_ADMIN: 401, ORG_B_ADMIN: 200 }],
    ];
    for (const [org, statuses] of expected) {
      const actual: Record<string, number> = {};
      const wanted: Record<string, number> = {};
      for (const actor of columns) {
        const teamId = uniq('new-team');
        const res = await http()
          .post('/team/new')
          .set(as(actor))
          .send({ team_id: teamId, ...(org ? { organization_id: org } : {}) });
        actual[actor] = res.status;
        wanted[actor] = statuses[actor] ?? 401;
        expect({ actor, exists: (await team(teamId)) !== null }).toEqual({
          actor,
          exists: res.status === 200,
        });
      }
      expect(actual).toEqual(wanted);
    }
  });

  it('/team/model/add, /team/model/delete and /team/bulk_member_add: proxy admins only (401 at the gate)', async () => {
    for (const actor of COLUMNS) {
      const { teamId } = await cloneTeam('alpha');
      const expected = actor === 'PROXY_ADMIN' ? 200 : 401;
      const add = await http()
        .post('/team/model/add')
        .set(as(actor))
        .send({ team_id: teamId, models: ['m-new'] });
      expect({ actor, status: add.status }).toEqual({ actor, status: expected });
      expect((await team(teamId))!.models.includes('m-new')).toBe(expected === 200);
      const del = await http()
        .post('/team/model/delete')
        .set(as(actor))
        .send({ team_id: teamId, models: ['m-new'] });
      expect({ actor, status: del.status }).toEqual({ actor, status: expected });
      const newcomer = uniq('bulk');
      const bulk = await http()
        .post('/team/bulk_member_add')
        .set(as(actor))
        .send({ team_id: teamId, members: [{ user_id: newcomer, role: 'user' }] });
      expect({ actor, status: bulk.status }).toEqual({ actor, status: expected });
      expect((await memberIds(teamId)).includes(newcomer)).toBe(expected === 200);
    }
  });

  describe('§20.3 team-admin route matrix', () => {
    /** team admin, plain member, others (another team's member, an outsider, another org's admin), org admin. */
    const roles: [string, ActorName][] = [
      ['team admin', 'TEAM_ADMIN'],
      ['plain member', 'OWNER'],
      ['other team member', 'CROSS_ORG_USER'],
      ['other org admin', 'ORG_B_ADMIN'],
      ['org admin', 'ORG_ADMIN'],
    ];
    const check = async (
      expected: number[],
      call: (actor: ActorName) => Promise<{ status: number; changed?: boolean }>,
    ) => {
      const actual: number[] = [];
      for (const [who, actor] of roles) {
        const { status, changed } = await call(actor);
        actual.push(status);
        if (changed !== undefined) expect({ who, changed }).toEqual({ who, changed: status === 200 });
      }
      expect(actual).toEqual(expected);
    };

    it('member_add with role admin', async () => {
      await check([200, 403, 403, 403, 200], async (actor) => {
        const newcomer = uniq('admin-newcomer');
        const res = await http()
          .post('/team/member_add')
          .set(as(actor))
          .send({ team_id: h.world.alpha, member: [{ user_id: newcomer, role: 'admin' }] });
        const listed = (await team(h.world.alpha))!.members_with_roles as { user_id: string; role: string }[];
        const changed = listed.some((m) => m.user_id === newcomer && m.role === 'admin');
        return { status: res.status, changed };
      });
    });

    it('member_update of a budget', async () => {
      await check([200, 403, 403, 403, 200], async (actor) => {
        const member = await seedMember(h.world.alpha);
        const res = await http()
          .post('/team/member_update')
          .set(as(actor))
          .send({ team_id: h.world.alpha, user_id: member, max_budget_in_team: 11, tpm_limit: 5 });
        const m = await h.prisma.liteLLM_TeamMembership.findUniqueOrThrow({
          where: { user_id_team_id: { user_id: member, team_id: h.world.alpha } },
          include: { litellm_budget_table: true },
        });
        return { status: res.status, changed: m.litellm_budget_table?.max_budget === 11 };
      });
    });

    it('permissions_list and permissions_update', async () => {
      await check([200, 403, 403, 403, 200], async (actor) => {
        const res = await http()
          .get('/team/permissions_list')
          .query({ team_id: h.world.alpha })
          .set(as(actor));
        if (res.status === 200) {
          expect(res.body.team_member_permissions).toEqual(['/key/info', '/key/health']);
          expect(res.body.all_available_permissions).toContain('/key/generate');
        }
        return { status: res.status };
      });
      await check([200, 403, 403, 403, 200], async (actor) => {
        const distinct: Partial<Record<ActorName, string>> = {
          TEAM_ADMIN: '/key/generate',
          OWNER: '/key/delete',
          CROSS_ORG_USER: '/key/regenerate',
          ORG_B_ADMIN: '/key/list',
          ORG_ADMIN: '/key/update',
        };
        const perms = ['/key/info', '/key/health', distinct[actor]!];
        const res = await http()
          .post('/team/permissions_update')
          .set(as(actor))
          .send({ team_id: h.world.alpha, team_member_permissions: perms });
        return {
          status: res.status,
          changed: (await team(h.world.alpha))!.team_member_permissions.includes(perms[2]),
        };
      });
      await updateTeam(h.prisma, h.world.alpha, { team_member_permissions: [] });
    });

    it('GET /team/info: team admin, member and org admin 200; others 403', async () => {
      await check([200, 200, 403, 403, 200], async (actor) => ({
        status: (await http().get('/team/info').query({ team_id: h.world.alpha }).set(as(actor))).status,
      }));
    });

    it('GET /team/daily/activity: team admin and member 200; others and org admin 404', async () => {
      await check([200, 200, 404, 404, 404], async (actor) => ({
        status: (
          await http()
            .get('/team/daily/activity')
            .query({ team_ids: h.world.alpha, start_date: '2026-01-01', end_date: '2026-01-31' })
            .set(as(actor))
        ).status,
      }));
    });

    it('POST /team/update {max_budget}: team admin 403, 200 once a proxy admin enables max_budget', async () => {
      // Each attempt asks for a budget the team has never had, so "changed" cannot be a leftover.
      let lastBudget = 1000;
      const nextBudget = () => ++lastBudget;
      await check([403, 403, 403, 403, 200], async (actor) => {
        const budget = nextBudget();
        const res = await http()
          .post('/team/update')
          .set(as(actor))
          .send({ team_id: h.world.alpha, max_budget: budget });
        return { status: res.status, changed: (await team(h.world.alpha))!.max_budget === budget };
      });
      await http()
        .post('/team/update')
        .set(h.master)
        .send({ team_id: h.world.alpha, team_admin_permissions: ['max_budget'] })
        .expect(200);
      await check([200, 403, 403, 403, 200], async (actor) => {
        const budget = nextBudget();
        const res = await http()
          .post('/team/update')
          .set(as(actor))
          .send({ team_id: h.world.alpha, max_budget: budget });
        return { status: res.status, changed: (await team(h.world.alpha))!.max_budget === budget };
      });
      // The permission covers max_budget only.
      await http()
        .post('/team/update')
        .set(as('TEAM_ADMIN'))
        .send({ team_id: h.world.alpha, models: ['x'] })
        .expect(403);
      await http()
        .post('/team/update')
        .set(h.master)
        .send({ team_id: h.world.alpha, team_admin_permissions: null })
        .expect(200);
      expect((await team(h.world.alpha))!.metadata).not.toHaveProperty('team_admin_permissions');
    });

    it('/team/delete and /team/block without org context: 401 for everyone but proxy admins', async () => {
      for (const route of ['/team/delete', '/team/block']) {
        await check([401, 401, 401, 401, 401], async (actor) => {
          const { teamId } = await cloneTeam('alpha');
          const body = route === '/team/delete' ? { team_ids: [teamId] } : { team_id: teamId };
          const res = await http().post(route).set(as(actor)).send(body);
          const row = await team(teamId);
          return { status: res.status, changed: row === null || row.blocked };
        });
      }
    });
  });
});
