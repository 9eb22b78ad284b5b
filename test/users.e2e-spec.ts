import { hashApiKey } from '../src/platform/common/hashing';
import { verifyPassword } from '../src/platform/common/password';
import { uniq } from './app.factory';
import {
  addOrgMember,
  bearer,
  createDailyUserSpend,
  createInvitation,
  createKey,
  createTeam,
  createUser,
  createUserWithKey,
  setTeamMembership,
} from './factories';
import { useE2e } from './harness';

describe('users API', () => {
  const h = useE2e({ world: true });
  const { http, as } = h;
  const admin = () => h.master;

  /** A user row with one personal key. */
  async function userWithKey(role: string | null = 'internal_user', extra: Record<string, unknown> = {}) {
    const { userId, key, token, headers } = await createUserWithKey(h.prisma, role, extra);
    return { id: userId, key, token, auth: headers };
  }
  const userRow = (id: string) => h.prisma.liteLLM_UserTable.findUnique({ where: { user_id: id } });
  const keysOf = (id: string) => h.prisma.liteLLM_VerificationToken.findMany({ where: { user_id: id } });
  const teamRow = (id: string) => h.prisma.liteLLM_TeamTable.findUniqueOrThrow({ where: { team_id: id } });

  describe('POST /user/new', () => {
    it('should create the user and a key that does not copy the user budget, returning the raw key once', async () => {
      const id = uniq('alice');
      const res = await http()
        .post('/user/new')
        .set(admin())
        .send({
          user_id: id,
          user_email: ` ${id}@Example.com `,
          user_alias: 'Alice',
          max_budget: 50,
          budget_duration: '30d',
          models: ['gpt-4o'],
          tpm_limit: 100,
          key_alias: uniq('k'),
          password: 'correct horse',
          metadata: { dept: 'r&d' },
        })
        .expect(200);
      expect(res.body).toMatchObject({
        user_id: id,
        user_email: `${id}@Example.com`,
        user_role: 'internal_user',
        max_budget: 50,
        models: ['gpt-4o'],
        tpm_limit: 100,
        spend: 0,
        teams: [],
      });
      expect(res.body.key).toMatch(/^sk-/);
      expect(res.body.key_name).toBe(`sk-...${res.body.key.slice(-4)}`);
      expect(res.body).not.toHaveProperty('token');
      expect(res.body).not.toHaveProperty('password');
      expect(new Date(res.body.budget_reset_at).getUTCDate()).toBe(1);

      const [key] = await keysOf(id);
      expect(key.token).toBe(hashApiKey(res.body.key));
      expect(key).toMatchObject({ max_budget: null, models: ['gpt-4o'], metadata: { dept: 'r&d' } });
      expect(Number(key.tpm_limit)).toBe(100);
      const row = await userRow(id);
      expect(row!.password).not.toContain('correct horse');
      expect(await verifyPassword('correct horse', row!.password)).toBe(true);
      expect(await verifyPassword('wrong horse!', row!.password)).toBe(false);
      const audit = await h.prisma.liteLLM_AuditLog.findFirstOrThrow({
        where: { object_id: id, table_name: 'LiteLLM_UserTable', action: 'created' },
      });
      expect(JSON.stringify(audit.updated_values)).not.toContain('correct horse');
      expect(JSON.stringify(audit.updated_values)).not.toContain(row!.password!);
      // the new key works, with the new user's role
      await http().get('/user/info').set(bearer(res.body.key)).expect(200);
    });

    it('should generate a uuid user_id and create no key with auto_create_key=false', async () => {
      const res = await http().post('/user/new').set(admin()).send({ auto_create_key: false }).expect(200);
      expect(res.body.user_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.key).toBe('');
      expect(await keysOf(res.body.user_id)).toHaveLength(0);
    });

    it('should add the user to teams atomically: members_with_roles, legacy arrays, user.teams, memberships', async () => {
      const plain = await createTeam(h.prisma); // members_with_roles is the column default {}
      const existing = await createUser(h.prisma);
      const withMember = await createTeam(h.prisma, {
        members_with_roles: [{ user_id: existing.user_id, role: 'user' }],
        members: [existing.user_id],
      });
      const id = uniq('member');
      await http()
        .post('/user/new')
        .set(admin())
        .send({
          user_id: id,
          user_email: `${id}@x.io`,
          teams: [plain.team_id, { team_id: withMember.team_id, max_budget_in_team: 7, user_role: 'admin' }],
        })
        .expect(200);
      const a = await teamRow(plain.team_id);
      expect(a.members_with_roles).toEqual([{ user_id: id, user_email: `${id}@x.io`, role: 'user' }]);
      expect(a.members).toEqual([id]);
      expect(a.admins).toEqual([]);
      const b = await teamRow(withMember.team_id);
      expect(b.members_with_roles).toEqual([
        { user_id: existing.user_id, role: 'user' },
        { user_id: id, user_email: `${id}@x.io`, role: 'admin' },
      ]);
      expect(b.admins).toEqual([id]);
      expect(b.members).toEqual([existing.user_id]);
      expect((await userRow(id))!.teams.sort()).toEqual([plain.team_id, withMember.team_id].sort());
      const memberships = await h.prisma.liteLLM_TeamMembership.findMany({
        where: { user_id: id },
        include: { litellm_budget_table: true },
      });
      expect(memberships).toHaveLength(2);
      const budgeted = memberships.find((m) => m.team_id === withMember.team_id)!;
      expect(budgeted.litellm_budget_table?.max_budget).toBe(7);
      expect(memberships.find((m) => m.team_id === plain.team_id)!.budget_id).toBeNull();
    });

    it('should lose no member when users join the same team concurrently', async () => {
      const team = await createTeam(h.prisma);
      const ids = Array.from({ length: 6 }, () => uniq('race'));
      const results = await Promise.all(
        ids.map((id, i) =>
          http()
            .post('/user/new')
            .set(admin())
            .send({
              user_id: id,
              auto_create_key: false,
              teams: [{ team_id: team.team_id, user_role: i ? 'user' : 'admin' }],
            }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(ids.map(() => 200));
      const row = await teamRow(team.team_id);
      const listed = (row.members_with_roles as { user_id: string }[]).map((m) => m.user_id);
      expect(listed.sort()).toEqual([...ids].sort());
      expect(row.admins).toEqual([ids[0]]);
      expect([...row.members].sort()).toEqual(ids.slice(1).sort());
    });

    it('should refuse an unknown team with 400 and create nothing (LiteLLM skips it silently)', async () => {
      const team = await createTeam(h.prisma);
      const id = uniq('ghost');
      const res = await http()
        .post('/user/new')
        .set(admin())
        .send({ user_id: id, teams: [team.team_id, 'no-such-team'] })
        .expect(400);
      expect(res.body.error.message).toContain("Team doesn't exist in db. Team=no-such-team");
      expect(await userRow(id)).toBeNull();
      expect(await keysOf(id)).toHaveLength(0);
      expect((await teamRow(team.team_id)).members_with_roles).toEqual({});
    });

    it('should add organization memberships and refuse an unknown organization with 400', async () => {
      const id = uniq('orguser');
      await http()
        .post('/user/new')
        .set(admin())
        .send({ user_id: id, organizations: [h.world.orgA, h.world.orgB] })
        .expect(200);
      const rows = await h.prisma.liteLLM_OrganizationMembership.findMany({ where: { user_id: id } });
      expect(rows.map((r) => [r.organization_id, r.user_role]).sort()).toEqual(
        [
          [h.world.orgA, 'internal_user'],
          [h.world.orgB, 'internal_user'],
        ].sort(),
      );
      const other = uniq('orguser');
      await http()
        .post('/user/new')
        .set(admin())
        .send({ user_id: other, organizations: ['no-such-org'] })
        .expect(400);
      expect(await userRow(other)).toBeNull();
    });

    it('should answer 409 for a duplicate user_id or email (trimmed, case-insensitive)', async () => {
      const id = uniq('dup');
      await http()
        .post('/user/new')
        .set(admin())
        .send({ user_id: id, user_email: `${id}@x.io` })
        .expect(200);
      const byId = await http().post('/user/new').set(admin()).send({ user_id: id }).expect(409);
      expect(byId.body.error.message).toBe(`User with id ${id} already exists`);
      const other = uniq('dup');
      const byEmail = await http()
        .post('/user/new')
        .set(admin())
        .send({ user_id: other, user_email: `  ${id.toUpperCase()}@X.IO ` })
        .expect(409);
      expect(byEmail.body.error.message).toBe(`User with email ${id}@x.io already exists`);
      expect(await userRow(other)).toBeNull();
      expect(await keysOf(other)).toHaveLength(0);
    });

    it('should write nothing when the key part fails (user, team and key in one transaction)', async () => {
      const alias = uniq('alias');
      await http().post('/key/generate').set(admin()).send({ key_alias: alias }).expect(200);
      const team = await createTeam(h.prisma);
      const id = uniq('atomic');
      const res = await http()
        .post('/user/new')
        .set(admin())
        .send({ user_id: id, key_alias: alias, teams: [team.team_id], organizations: [h.world.orgA] })
        .expect(400);
      expect(res.body.error.message).toContain('already exists');
      expect(await userRow(id)).toBeNull();
      expect((await teamRow(team.team_id)).members_with_roles).toEqual({});
      expect(await h.prisma.liteLLM_OrganizationMembership.count({ where: { user_id: id } })).toBe(0);
      expect(await h.prisma.liteLLM_TeamMembership.count({ where: { user_id: id } })).toBe(0);
    });

    it('should reject bad bodies with 422 or 400 and never 500', async () => {
      const cases: [unknown, number][] = [
        [{ password: 'short' }, 422],
        [{ password: 'x'.repeat(129) }, 422],
        [{ user_role: 'superuser' }, 422],
        [{ user_role: 'org_admin' }, 422],
        [{ teams: [123] }, 422],
        [{ teams: [{ team_id: 't', user_role: 'owner' }] }, 422],
        [{ teams: [{ team_id: 't', max_budget_in_team: -1 }] }, 422],
        [{ teams: 'team' }, 422],
        [{ organizations: [{}] }, 422],
        [{ user_email: { $ne: 1 } }, 422],
        [{ max_budget: 'lots' }, 422],
        [{ tpm_limit: 1.5 }, 422],
        [{ auto_create_key: 'yes' }, 422],
        [{ user_id: 'x'.repeat(300) }, 422],
        [[1, 2], 422],
        [{ user_id: '' }, 400],
        [{ max_budget: -1 }, 400],
        [{ spend: -5 }, 400],
        [{ budget_duration: 'soon' }, 400],
        [{ duration: 'forever' }, 400],
        [{ model_max_budget: { 'gpt-4o': 'x' } }, 400],
        [{ organization_id: 'no-such-org' }, 400],
      ];
      for (const [body, status] of cases) {
        const res = await http()
          .post('/user/new')
          .set(admin())
          .send(body as object);
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), status]);
        expect(res.body.error.code).toBe(String(status));
      }
    });

    it('should let only proxy admins through, and org admins for their own organization', async () => {
      const viewer = await userWithKey('proxy_admin_viewer');
      const attempts: [string, Record<string, string>, Record<string, unknown>, number][] = [
        ['internal user', as('INTERNAL_USER'), {}, 401],
        ['team admin', as('TEAM_ADMIN'), {}, 401],
        ['viewer', viewer.auth, {}, 403],
        ['org admin without organization_id', as('ORG_ADMIN'), {}, 401],
        ['org admin of another org', as('ORG_B_ADMIN'), { organization_id: h.world.orgA }, 401],
        [
          'org admin creating a proxy admin',
          as('ORG_ADMIN'),
          { organization_id: h.world.orgA, user_role: 'proxy_admin' },
          403,
        ],
        [
          'org admin creating a viewer',
          as('ORG_ADMIN'),
          { organization_id: h.world.orgA, user_role: 'proxy_admin_viewer' },
          403,
        ],
        [
          'org admin adding to a team of another org',
          as('ORG_ADMIN'),
          { organization_id: h.world.orgA, teams: [h.world.beta] },
          403,
        ],
        [
          'org admin adding to another organization',
          as('ORG_ADMIN'),
          { organization_id: h.world.orgA, organizations: [h.world.orgB] },
          403,
        ],
      ];
      for (const [who, auth, body, status] of attempts) {
        const id = uniq('denied');
        const res = await http()
          .post('/user/new')
          .set(auth)
          .send({ user_id: id, ...body });
        expect([who, res.status]).toEqual([who, status]);
        expect(await userRow(id)).toBeNull();
        expect(await keysOf(id)).toHaveLength(0);
      }
      const betaBefore = await teamRow(h.world.beta);
      expect(betaBefore.members_with_roles).toHaveLength(1);

      const id = uniq('by-org-admin');
      const res = await http()
        .post('/user/new')
        .set(as('ORG_ADMIN'))
        .send({ user_id: id, organization_id: h.world.orgA, teams: [h.world.gamma] })
        .expect(200);
      expect(res.body.key).toMatch(/^sk-/);
      const membership = await h.prisma.liteLLM_OrganizationMembership.findUniqueOrThrow({
        where: { user_id_organization_id: { user_id: id, organization_id: h.world.orgA } },
      });
      expect(membership.user_role).toBe('internal_user');
      expect((await userRow(id))!.teams).toEqual([h.world.gamma]);
      const admins = await http()
        .post('/user/new')
        .set(admin())
        .send({ user_id: uniq('new-admin'), user_role: 'proxy_admin' })
        .expect(200);
      expect(admins.body.user_role).toBe('proxy_admin');
    });
  });

  describe('GET /user/info', () => {
    it('should return the caller with keys (team_alias "None" without a team), teams and no password', async () => {
      const team = await createTeam(h.prisma);
      const me = await userWithKey('internal_user', { password: 'scrypt$hash', teams: [team.team_id] });
      await createKey(h.prisma, { user_id: me.id, team_id: team.team_id });
      await createKey(h.prisma, { user_id: me.id, team_id: 'litellm-dashboard' });
      const res = await http().get('/user/info').set(me.auth).expect(200);
      expect(res.body.user_id).toBe(me.id);
      expect(res.body.user_info.user_id).toBe(me.id);
      expect(res.body.user_info).not.toHaveProperty('password');
      expect(res.body.keys).toHaveLength(2);
      const aliases = res.body.keys.map((k: { team_alias: string | null }) => k.team_alias).sort();
      expect(aliases).toEqual(['None', team.team_alias].sort());
      expect(res.body.teams.map((x: { team_id: string }) => x.team_id)).toEqual([team.team_id]);
    });

    it("should give each team the user's team_memberships with their litellm_budget_table", async () => {
      const team = await createTeam(h.prisma);
      const other = await createTeam(h.prisma);
      const id = uniq('member');
      await http().post('/user/new').set(admin()).send({ user_id: id, auto_create_key: false }).expect(200);
      await http()
        .post('/team/member_add')
        .set(admin())
        .send({ team_id: team.team_id, member: { user_id: id, role: 'user' }, max_budget_in_team: 12 })
        .expect(200);
      await http()
        .post('/team/member_add')
        .set(admin())
        .send({ team_id: other.team_id, member: { user_id: id, role: 'user' } })
        .expect(200);
      const peer = uniq('peer');
      await http()
        .post('/team/member_add')
        .set(admin())
        .send({ team_id: team.team_id, member: { user_id: peer, role: 'user' }, max_budget_in_team: 99 })
        .expect(200);
      await setTeamMembership(h.prisma, id, team.team_id, { spend: 2.5 });
      const res = await http().get('/user/info').query({ user_id: id }).set(admin()).expect(200);
      const byId = Object.fromEntries(
        res.body.teams.map((x: { team_id: string; team_memberships: unknown[] }) => [x.team_id, x]),
      );
      expect(byId[team.team_id].team_memberships).toEqual([
        expect.objectContaining({
          user_id: id,
          team_id: team.team_id,
          spend: 2.5,
          litellm_budget_table: expect.objectContaining({ max_budget: 12 }),
        }),
      ]);
      expect(byId[other.team_id].team_memberships).toEqual([]);
    });

    it("should refuse another user's info to non-admins with 403 and allow admins and viewers", async () => {
      const me = await userWithKey();
      const other = await userWithKey();
      const res = await http().get('/user/info').query({ user_id: other.id }).set(me.auth).expect(403);
      expect(res.body.error.message).toContain("key not allowed to access this user's info");
      await http().get('/user/info').query({ user_id: other.id }).set(as('ORG_ADMIN')).expect(403);
      const viewer = await userWithKey('proxy_admin_viewer');
      await http().get('/user/info').query({ user_id: other.id }).set(viewer.auth).expect(200);
      await http().get('/user/info').query({ user_id: other.id }).set(admin()).expect(200);
    });

    it('should answer 404 for an unknown user and keep "+" in user ids', async () => {
      const res = await http().get('/user/info').query({ user_id: 'nobody-here' }).set(admin()).expect(404);
      expect(res.body.error.message).toBe('User nobody-here not found');
      const plus = `a+${uniq('b')}@x.io`;
      await createUser(h.prisma, 'internal_user', { user_id: plus });
      const raw = await http().get(`/user/info?user_id=${plus}`).set(admin()).expect(200);
      expect(raw.body.user_id).toBe(plus);
      await http()
        .get('/user/info')
        .query({ user_id: ['a', 'b'] })
        .set(admin())
        .expect(422);
    });

    it('should give a proxy admin without user_id every team and key except UI session keys', async () => {
      const team = await createTeam(h.prisma);
      const key = await createKey(h.prisma, { user_id: null });
      const ui = await createKey(h.prisma, { team_id: 'litellm-dashboard' });
      const res = await http().get('/user/info').set(admin()).expect(200);
      const tokens = new Set(res.body.keys.map((k: { token: string }) => k.token));
      expect(tokens.has(key.token)).toBe(true);
      expect(tokens.has(ui.token)).toBe(false);
      expect(res.body.teams.some((x: { team_id: string }) => x.team_id === team.team_id)).toBe(true);
    });
  });

  describe('GET /v2/user/info', () => {
    it('should allow self, admins and admins of a team of the user; everyone else gets 404', async () => {
      const target = h.world.actors.OWNER.userId;
      const cases: [string, Record<string, string>, number][] = [
        ['proxy admin', admin(), 200],
        ['self', as('OWNER'), 200],
        ['team admin of the team', as('TEAM_ADMIN'), 200],
        ['plain member of the team', as('INTERNAL_USER'), 404],
        ['other team member', as('CROSS_ORG_USER'), 404],
        ['org admin of the team org', as('ORG_ADMIN'), 404],
      ];
      for (const [who, auth, status] of cases) {
        const res = await http().get('/v2/user/info').query({ user_id: target }).set(auth);
        expect([who, res.status]).toEqual([who, status]);
        if (status === 404) expect(res.body.error.message).toBe(`User not found: ${target}`);
        else expect(res.body).toMatchObject({ user_id: target, teams: [h.world.alpha] });
        expect(res.body).not.toHaveProperty('password');
      }
      await http().get('/v2/user/info').query({ user_id: 'nobody' }).set(admin()).expect(404);
      const ownerless = await createKey(h.prisma, { user_id: null });
      const res = await http().get('/v2/user/info').set(bearer(ownerless.raw)).expect(400);
      expect(res.body.error.message).toContain('user_id is required');
    });
  });

  describe('POST /user/update', () => {
    it('should apply [], {}, 0 and explicit null (deliberate deviation: LiteLLM drops them)', async () => {
      const user = await createUser(h.prisma, 'internal_user', {
        models: ['gpt-4o'],
        max_budget: 10,
        spend: 3,
        metadata: { a: 1 },
        budget_duration: '1d',
        tpm_limit: 5,
      });
      const res = await http()
        .post('/user/update')
        .set(admin())
        .send({
          user_id: user.user_id,
          models: [],
          metadata: {},
          spend: 0,
          max_budget: null,
          tpm_limit: null,
        })
        .expect(200);
      expect(res.body.user_id).toBe(user.user_id);
      expect(res.body.data).toMatchObject({
        models: [],
        metadata: {},
        spend: 0,
        max_budget: null,
        tpm_limit: null,
      });
      expect(res.body.data).not.toHaveProperty('password');
      const row = (await userRow(user.user_id))!;
      expect(row).toMatchObject({
        models: [],
        metadata: {},
        spend: 0,
        max_budget: null,
        budget_duration: '1d',
      });
      // absent fields stay; null on a non-nullable column is ignored
      await http()
        .post('/user/update')
        .set(admin())
        .send({ user_id: user.user_id, models: null, budget_duration: '7d' })
        .expect(200);
      const after = (await userRow(user.user_id))!;
      expect(after.models).toEqual([]);
      expect(after.budget_reset_at!.getUTCDay()).toBe(1); // next Monday
      const audit = await h.prisma.liteLLM_AuditLog.count({
        where: { object_id: user.user_id, action: 'updated', table_name: 'LiteLLM_UserTable' },
      });
      expect(audit).toBe(2);
    });

    it("should make a role change take effect on the user's very next request", async () => {
      const user = await userWithKey('internal_user');
      await http().get('/user/list').set(user.auth).expect(403);
      await http().post('/user/new').set(user.auth).send({}).expect(401);
      await http()
        .post('/user/update')
        .set(admin())
        .send({ user_id: user.id, user_role: 'proxy_admin_viewer' })
        .expect(200);
      await http().get('/user/list').set(user.auth).expect(200);
      await http()
        .post('/user/update')
        .set(admin())
        .send({ user_id: user.id, user_role: 'proxy_admin' })
        .expect(200);
      await http().post('/user/new').set(user.auth).send({ auto_create_key: false }).expect(200);
      await http()
        .post('/user/update')
        .set(admin())
        .send({ user_id: user.id, user_role: 'internal_user' })
        .expect(200);
      await http().get('/user/list').set(user.auth).expect(403);
    });

    it('should let only proxy admins change roles or other users; denied calls change nothing', async () => {
      const viewer = await userWithKey('proxy_admin_viewer', { user_email: `${uniq('v')}@x.io` });
      const target = await createUser(h.prisma, 'internal_user', { user_alias: 'before' });
      const orgAdmin = h.world.actors.ORG_ADMIN.userId;
      const attempts: [string, Record<string, string>, Record<string, unknown>, number, string?][] = [
        [
          'viewer, other password',
          viewer.auth,
          { user_id: target.user_id, password: 'new-password' },
          403,
          'Only PROXY_ADMIN',
        ],
        [
          'viewer, own max_budget',
          viewer.auth,
          { user_id: viewer.id, max_budget: 1000 },
          403,
          'proxy_admin_viewer',
        ],
        ['viewer, own role', viewer.auth, { user_id: viewer.id, user_role: 'proxy_admin' }, 403],
        [
          'internal user, self',
          as('INTERNAL_USER'),
          { user_id: h.world.actors.INTERNAL_USER.userId, user_alias: 'x' },
          401,
        ],
        [
          'org admin, other user',
          as('ORG_ADMIN'),
          { user_id: h.world.actors.OWNER.userId, organization_id: h.world.orgA, user_alias: 'x' },
          403,
          'Only PROXY_ADMIN',
        ],
        [
          'org admin, own role',
          as('ORG_ADMIN'),
          { user_id: orgAdmin, organization_id: h.world.orgA, user_role: 'proxy_admin' },
          403,
          'Only proxy admins can modify user roles.',
        ],
        [
          'org admin, own budget',
          as('ORG_ADMIN'),
          { user_id: orgAdmin, organization_id: h.world.orgA, max_budget: 1e6 },
          403,
          'Only proxy admins can change max_budget',
        ],
        ['org admin without org context', as('ORG_ADMIN'), { user_id: orgAdmin, user_alias: 'x' }, 401],
      ];
      for (const [who, auth, body, status, message] of attempts) {
        const before = await userRow(body.user_id as string);
        const res = await http().post('/user/update').set(auth).send(body);
        expect([who, res.status]).toEqual([who, status]);
        if (message) expect(res.body.error.message).toContain(message);
        expect(await userRow(body.user_id as string)).toEqual(before);
      }
      // allowed self-service: a viewer's own password and email, an org admin's own alias
      await http()
        .post('/user/update')
        .set(viewer.auth)
        .send({ user_id: viewer.id, password: 'my-new-password' })
        .expect(200);
      expect(await verifyPassword('my-new-password', (await userRow(viewer.id))!.password)).toBe(true);
      await http()
        .post('/user/update')
        .set(as('ORG_ADMIN'))
        .send({ user_id: orgAdmin, organization_id: h.world.orgA, user_alias: 'Org Admin' })
        .expect(200);
      expect((await userRow(orgAdmin))!.user_alias).toBe('Org Admin');
    });

    it('should look a user up by email, and create one for an unknown email for proxy admins only', async () => {
      const email = `${uniq('mail')}@x.io`;
      const user = await createUser(h.prisma, 'internal_user', { user_email: email });
      const res = await http()
        .post('/user/update')
        .set(admin())
        .send({ user_email: email.toUpperCase(), user_alias: 'found' })
        .expect(200);
      expect(res.body.user_id).toBe(user.user_id);
      expect((await userRow(user.user_id))!.user_alias).toBe('found');

      const fresh = `${uniq('fresh')}@x.io`;
      const viewer = await userWithKey('proxy_admin_viewer');
      await http().post('/user/update').set(viewer.auth).send({ user_email: fresh }).expect(403);
      expect(await h.prisma.liteLLM_UserTable.count({ where: { user_email: fresh } })).toBe(0);
      const created = await http()
        .post('/user/update')
        .set(admin())
        .send({ user_email: fresh, max_budget: 3 })
        .expect(200);
      expect(created.body.data).toMatchObject({
        user_email: fresh,
        max_budget: 3,
        user_role: 'internal_user',
      });
      expect(created.body.user_id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('should create the user for an unknown user_id as LiteLLM does, for proxy admins only', async () => {
      const id = uniq('ghost');
      const email = `${id}@x.io`;
      // a key whose owner has no row yet, used (and cached) before the user exists
      const key = await createKey(h.prisma, { user_id: id });
      await http().get('/user/list').set(bearer(key.raw)).expect(403);

      const viewer = await userWithKey('proxy_admin_viewer');
      const refused: [Record<string, string>, Record<string, unknown>, number][] = [
        [viewer.auth, { user_id: id, user_email: email }, 403],
        [as('ORG_ADMIN'), { user_id: id, organization_id: h.world.orgA, user_alias: 'x' }, 403],
        [as('INTERNAL_USER'), { user_id: id, user_alias: 'x' }, 401],
      ];
      for (const [auth, body, status] of refused) {
        await http().post('/user/update').set(auth).send(body).expect(status);
        expect(await userRow(id)).toBeNull();
      }

      const res = await http()
        .post('/user/update')
        .set(admin())
        .send({ user_id: id, user_email: email, max_budget: 3, user_role: 'proxy_admin_viewer' })
        .expect(200);
      expect(res.body).toMatchObject({
        user_id: id,
        data: { user_id: id, user_email: email, max_budget: 3, user_role: 'proxy_admin_viewer', spend: 0 },
      });
      expect(res.body.data).not.toHaveProperty('password');
      const audit = await h.prisma.liteLLM_AuditLog.findMany({
        where: { object_id: id, table_name: 'LiteLLM_UserTable' },
      });
      expect(audit.map((a) => a.action)).toEqual(['created']);
      // the cached key now acts with the new user's role
      await http().get('/user/list').set(bearer(key.raw)).expect(200);

      const plain = uniq('ghost');
      const created = await http().post('/user/update').set(admin()).send({ user_id: plain }).expect(200);
      expect(created.body.data).toMatchObject({
        user_id: plain,
        user_role: 'internal_user',
        user_email: null,
      });

      const racing = uniq('ghost');
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          http()
            .post('/user/update')
            .set(admin())
            .send({ user_id: racing, user_alias: `a${i}` }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(await h.prisma.liteLLM_UserTable.count({ where: { user_id: racing } })).toBe(1);
    });

    it('should answer 422 without user_id/user_email, 409 for a taken email', async () => {
      await http().post('/user/update').set(admin()).send({ max_budget: 1 }).expect(422);
      const taken = `${uniq('taken')}@x.io`;
      await createUser(h.prisma, 'internal_user', { user_email: taken });
      const user = await createUser(h.prisma);
      const res = await http()
        .post('/user/update')
        .set(admin())
        .send({ user_id: user.user_id, user_email: taken.toUpperCase() })
        .expect(409);
      expect(res.body.error.message).toBe(`User with email ${taken} already exists`);
      expect((await userRow(user.user_id))!.user_email).toBeNull();
      for (const body of [
        { user_id: user.user_id, password: 'short' },
        { user_id: user.user_id, user_role: 'root' },
        { user_id: user.user_id, models: 'gpt' },
        { user_id: 5 },
      ])
        await http().post('/user/update').set(admin()).send(body).expect(422);
      for (const body of [
        { user_id: user.user_id, max_budget: -1 },
        { user_id: user.user_id, budget_duration: 'often' },
      ])
        await http().post('/user/update').set(admin()).send(body).expect(400);
    });
  });

  describe('POST /user/bulk_update', () => {
    it('should update each user independently and report failures per user', async () => {
      const a = await createUser(h.prisma);
      const b = await createUser(h.prisma);
      const res = await http()
        .post('/user/bulk_update')
        .set(admin())
        .send({
          users: [
            { user_id: a.user_id, max_budget: 5 },
            { user_id: a.user_id, max_budget: -1 },
            { user_id: b.user_id, models: ['m'] },
          ],
        })
        .expect(200);
      expect(res.body).toMatchObject({ total_requested: 3, successful_updates: 2, failed_updates: 1 });
      expect(res.body.results[1]).toMatchObject({ user_id: a.user_id, success: false });
      expect(res.body.results[1].error).toContain('max_budget cannot be negative');
      expect((await userRow(a.user_id))!.max_budget).toBe(5);
      expect((await userRow(b.user_id))!.models).toEqual(['m']);
    });

    it('should fail only the entry with a bad budget_duration, as LiteLLM', async () => {
      const a = await createUser(h.prisma);
      const b = await createUser(h.prisma);
      const res = await http()
        .post('/user/bulk_update')
        .set(admin())
        .send({
          users: [
            { user_id: a.user_id, budget_duration: 'someday' },
            { user_id: b.user_id, budget_duration: '7d' },
          ],
        })
        .expect(200);
      expect(res.body).toMatchObject({ successful_updates: 1, failed_updates: 1 });
      expect(res.body.results[0].error).toContain("Invalid budget_duration 'someday'");
      expect((await userRow(a.user_id))!.budget_duration).toBeNull();
      expect((await userRow(b.user_id))!.budget_duration).toBe('7d');
    });

    it('should refuse empty, oversized, role-changing and all-user requests as LiteLLM does', async () => {
      const user = await createUser(h.prisma);
      await http().post('/user/bulk_update').set(admin()).send({}).expect(400);
      await http().post('/user/bulk_update').set(admin()).send({ users: [] }).expect(400);
      const many = Array.from({ length: 501 }, () => ({ user_id: user.user_id }));
      const big = await http().post('/user/bulk_update').set(admin()).send({ users: many }).expect(400);
      expect(big.body.error.message).toContain('Maximum 500 users');
      await http()
        .post('/user/bulk_update')
        .set(admin())
        .send({ all_users: true, user_updates: { password: 'same-for-all' } })
        .expect(400);
      const role = await http()
        .post('/user/bulk_update')
        .set(as('ORG_ADMIN'))
        .send({ organization_id: h.world.orgA, users: [{ user_id: user.user_id, user_role: 'proxy_admin' }] })
        .expect(403);
      expect(role.body.error.message).toBe('Only proxy admins can modify user roles.');
      const all = await http()
        .post('/user/bulk_update')
        .set(as('ORG_ADMIN'))
        .send({ organization_id: h.world.orgA, all_users: true, user_updates: { max_budget: 1 } })
        .expect(403);
      expect(all.body.error.message).toBe('Only proxy admins can update all users at once.');
      const viewer = await userWithKey('proxy_admin_viewer');
      await http()
        .post('/user/bulk_update')
        .set(viewer.auth)
        .send({ users: [{ user_id: viewer.id }] })
        .expect(403);
      await http().post('/user/bulk_update').set(as('INTERNAL_USER')).send({ users: [] }).expect(401);
      expect((await userRow(user.user_id))!.user_role).toBe('internal_user');
      // an org admin's bulk entries for other users fail one by one
      const res = await http()
        .post('/user/bulk_update')
        .set(as('ORG_ADMIN'))
        .send({ organization_id: h.world.orgA, users: [{ user_id: user.user_id, user_alias: 'nope' }] })
        .expect(200);
      expect(res.body.failed_updates).toBe(1);
      expect((await userRow(user.user_id))!.user_alias).toBeNull();
    });
  });

  describe('GET /user/list', () => {
    it('should filter, paginate, sort and count keys with one grouped query', async () => {
      const tag = uniq('list');
      const team = await createTeam(h.prisma);
      const ids = [`${tag}-a`, `${tag}-b`, `${tag}-c`];
      for (const [i, id] of ids.entries())
        await createUser(h.prisma, i === 2 ? 'proxy_admin_viewer' : 'internal_user', {
          user_id: id,
          user_email: `${id}@LIST.io`,
          spend: i,
          teams: i === 0 ? [team.team_id] : [],
          password: 'scrypt$secret',
        });
      await createKey(h.prisma, { user_id: ids[0] });
      await createKey(h.prisma, { user_id: ids[0] });
      await createKey(h.prisma, { user_id: ids[0], team_id: 'litellm-dashboard' });

      const all = await http()
        .get('/user/list')
        .query({ user_ids: tag.toUpperCase(), sort_by: 'spend', sort_order: 'desc' })
        .set(admin())
        .expect(200);
      expect(all.body).toMatchObject({ total: 3, page: 1, page_size: 25, total_pages: 1 });
      expect(all.body.users.map((u: { user_id: string }) => u.user_id)).toEqual([...ids].reverse());
      expect(all.body.users[2].key_count).toBe(2);
      expect(all.body.users[0]).not.toHaveProperty('password');

      const page2 = await http()
        .get('/user/list')
        .query({ user_ids: tag, sort_by: 'user_id', page: 2, page_size: 2 })
        .set(admin())
        .expect(200);
      expect(page2.body).toMatchObject({ total: 3, page: 2, page_size: 2, total_pages: 2 });
      expect(page2.body.users.map((u: { user_id: string }) => u.user_id)).toEqual([ids[2]]);

      const filters: [Record<string, string>, string[]][] = [
        [{ user_ids: `${ids[0]},${ids[1]}` }, ids.slice(0, 2)],
        [{ user_ids: tag, role: 'proxy_admin_viewer' }, [ids[2]]],
        [{ user_email: `${tag}-b@list` }, [ids[1]]],
        [{ team: team.team_id }, [ids[0]]],
      ];
      for (const [query, expected] of filters) {
        const res = await http()
          .get('/user/list')
          .query({ ...query, sort_by: 'user_id' })
          .set(admin())
          .expect(200);
        expect(res.body.users.map((u: { user_id: string }) => u.user_id)).toEqual(expected);
      }
    });

    it('should validate sorting (400) and paging (422)', async () => {
      const bad = await http().get('/user/list').query({ sort_by: 'password' }).set(admin()).expect(400);
      expect(bad.body.error.message).toContain('Invalid sort column');
      await http()
        .get('/user/list')
        .query({ sort_by: 'spend', sort_order: 'sideways' })
        .set(admin())
        .expect(400);
      await http().get('/user/list').query({ page_size: 101 }).set(admin()).expect(422);
      await http().get('/user/list').query({ page: 0 }).set(admin()).expect(422);
      await http().get('/user/list').query({ page: 'x' }).set(admin()).expect(422);
    });

    it('should scope org admins to their organizations and refuse everyone else', async () => {
      const res = await http().get('/user/list').set(as('ORG_ADMIN')).query({ page_size: 100 }).expect(200);
      const seen = new Set(res.body.users.map((u: { user_id: string }) => u.user_id));
      expect(seen.has(h.world.actors.OWNER.userId)).toBe(true);
      expect(seen.has(h.world.actors.CROSS_ORG_USER.userId)).toBe(false);
      const scoped = await http()
        .get('/user/list')
        .query({ organization_ids: h.world.orgA, user_ids: h.world.actors.OWNER.userId })
        .set(as('ORG_ADMIN'))
        .expect(200);
      expect(scoped.body.total).toBe(1);
      const denied = await http()
        .get('/user/list')
        .query({ organization_ids: h.world.orgB })
        .set(as('ORG_ADMIN'))
        .expect(403);
      expect(denied.body.error.message).toBe(
        'You do not have org_admin access to the requested organization(s).',
      );
      const internal = await http().get('/user/list').set(as('TEAM_ADMIN')).expect(403);
      expect(internal.body.error.message).toBe('Only proxy admins and organization admins can list users.');
      const viewer = await userWithKey('proxy_admin_viewer');
      await http().get('/user/list').set(viewer.auth).expect(200);
    });
  });

  describe('POST /user/delete', () => {
    it('should delete users with their keys (archived), memberships and invitation links, in one go', async () => {
      const stay = await createUser(h.prisma);
      const gone = await userWithKey('internal_user', { user_email: `${uniq('gone')}@x.io` });
      const gone2 = await createUser(h.prisma);
      const team = await createTeam(h.prisma, {
        members_with_roles: [
          { user_id: stay.user_id, role: 'admin' },
          { user_id: gone.id, role: 'user' },
          { user_id: gone2.user_id, role: 'admin' },
          { user_email: 'only-email@x.io', role: 'user' },
        ],
        admins: [stay.user_id, gone2.user_id],
        members: [gone.id],
      });
      await setTeamMembership(h.prisma, gone.id, team.team_id);
      await addOrgMember(h.prisma, gone.id, h.world.orgA);
      const link = await createInvitation(h.prisma, { user_id: stay.user_id, created_by: gone.id });
      await http().get('/user/info').set(gone.auth).expect(200);

      const res = await http()
        .post('/user/delete')
        .set(admin())
        .set('litellm-changed-by', 'ops@x.io')
        .send({ user_ids: [gone.id, gone2.user_id, gone.id] })
        .expect(200);
      expect(res.body).toBe(2);
      expect(await userRow(gone.id)).toBeNull();
      expect(await userRow(gone2.user_id)).toBeNull();
      expect(await userRow(stay.user_id)).not.toBeNull();
      const after = await teamRow(team.team_id);
      expect(after.members_with_roles).toEqual([
        { user_id: stay.user_id, role: 'admin' },
        { user_email: 'only-email@x.io', role: 'user' },
      ]);
      expect(after.admins).toEqual([stay.user_id]);
      expect(after.members).toEqual([]);
      expect(await keysOf(gone.id)).toHaveLength(0);
      const archived = await h.prisma.liteLLM_DeletedVerificationToken.findFirstOrThrow({
        where: { token: gone.token },
      });
      expect(archived).toMatchObject({
        user_id: gone.id,
        deleted_by: 'default_user_id',
        litellm_changed_by: 'ops@x.io',
      });
      expect(await h.prisma.liteLLM_TeamMembership.count({ where: { user_id: gone.id } })).toBe(0);
      expect(await h.prisma.liteLLM_OrganizationMembership.count({ where: { user_id: gone.id } })).toBe(0);
      expect(await h.prisma.liteLLM_InvitationLink.findUnique({ where: { id: link.id } })).toBeNull();
      expect(
        await h.prisma.liteLLM_AuditLog.count({
          where: {
            object_id: { in: [gone.id, gone2.user_id] },
            action: 'deleted',
            table_name: 'LiteLLM_UserTable',
          },
        }),
      ).toBe(2);
      await http().get('/user/info').set(gone.auth).expect(401);
    });

    it('should delete nothing when any id is unknown (404) and validate the body', async () => {
      const user = await userWithKey();
      const res = await http()
        .post('/user/delete')
        .set(admin())
        .send({ user_ids: [user.id, 'nobody-del'] })
        .expect(404);
      expect(res.body.error.message).toBe('User not found, passed user_id=nobody-del');
      expect(await userRow(user.id)).not.toBeNull();
      expect(await keysOf(user.id)).toHaveLength(1);
      await http().post('/user/delete').set(admin()).send({}).expect(422);
      await http().post('/user/delete').set(admin()).send({ user_ids: 'x' }).expect(422);
      await http().post('/user/delete').set(admin()).send({ user_ids: [] }).expect(400);
    });

    it('should let org admins delete only users wholly inside their organizations', async () => {
      const viewer = await userWithKey('proxy_admin_viewer');
      const mine = await userWithKey();
      await addOrgMember(h.prisma, mine.id, h.world.orgA);
      const shared = await userWithKey();
      await addOrgMember(h.prisma, shared.id, h.world.orgA);
      await addOrgMember(h.prisma, shared.id, h.world.orgB);
      const attempts: [string, Record<string, string>, Record<string, unknown>, number][] = [
        ['internal user', as('INTERNAL_USER'), { user_ids: [mine.id] }, 401],
        ['viewer', viewer.auth, { user_ids: [mine.id] }, 403],
        ['org admin without org context', as('ORG_ADMIN'), { user_ids: [mine.id] }, 401],
        [
          'org admin, user of another org',
          as('ORG_ADMIN'),
          { organization_id: h.world.orgA, user_ids: [h.world.actors.CROSS_ORG_USER.userId] },
          404,
        ],
        [
          'org admin, user also in another org',
          as('ORG_ADMIN'),
          { organization_id: h.world.orgA, user_ids: [shared.id] },
          403,
        ],
        [
          'org B admin, user of org A',
          as('ORG_B_ADMIN'),
          { organization_id: h.world.orgB, user_ids: [mine.id] },
          404,
        ],
      ];
      for (const [who, auth, body, status] of attempts) {
        const res = await http().post('/user/delete').set(auth).send(body);
        expect([who, res.status]).toEqual([who, status]);
        for (const id of body.user_ids as string[]) expect(await userRow(id)).not.toBeNull();
      }
      expect(await keysOf(shared.id)).toHaveLength(1);
      await http()
        .post('/user/delete')
        .set(as('ORG_ADMIN'))
        .send({ organization_id: h.world.orgA, user_ids: [mine.id] })
        .expect(200);
      expect(await userRow(mine.id)).toBeNull();
    });
  });

  describe('GET /user/filter/ui', () => {
    it('should search by substring; admins see everyone, others only their organizations', async () => {
      const res = await http()
        .get('/user/filter/ui')
        .query({ user_id: h.world.actors.CROSS_ORG_USER.userId.toUpperCase() })
        .set(admin())
        .expect(200);
      expect(res.body).toEqual([{ user_id: h.world.actors.CROSS_ORG_USER.userId, user_email: null }]);
      const scoped = await http()
        .get('/user/filter/ui')
        .query({ user_id: h.world.actors.CROSS_ORG_USER.userId.split('-').pop(), page_size: 100 })
        .set(as('INTERNAL_USER'))
        .expect(200);
      const ids = scoped.body.map((u: { user_id: string }) => u.user_id);
      expect(ids).toContain(h.world.actors.OWNER.userId);
      expect(ids).not.toContain(h.world.actors.CROSS_ORG_USER.userId);
      const loner = await userWithKey();
      await http().get('/user/filter/ui').set(loner.auth).expect(403);
      await http().get('/user/filter/ui').query({ page_size: 0 }).set(admin()).expect(422);
    });
  });

  describe('GET /user/daily/activity', () => {
    async function seed(userId: string, rows: [string, string, number, number][]) {
      for (const [date, model, spend, requests] of rows) {
        await createDailyUserSpend(h.prisma, {
          user_id: userId,
          date,
          api_key: hashApiKey(`sk-${userId}`),
          model,
          custom_llm_provider: 'openai',
          spend,
          prompt_tokens: 10,
          completion_tokens: 5,
          api_requests: requests,
          successful_requests: requests,
        });
      }
    }

    it('should aggregate per day with breakdowns and totals, paginated by whole days', async () => {
      const me = await userWithKey();
      await seed(me.id, [
        ['2026-01-01', 'gpt-4o', 1, 2],
        ['2026-01-01', 'gpt-4o-mini', 0.5, 1],
        ['2026-01-02', 'gpt-4o', 2, 3],
        ['2026-01-05', 'gpt-4o', 4, 1],
        ['2025-12-31', 'gpt-4o', 100, 1],
      ]);
      const res = await http()
        .get('/user/daily/activity')
        .query({ start_date: '2026-01-01', end_date: '2026-01-31', page_size: 2 })
        .set(me.auth)
        .expect(200);
      expect(res.body.metadata).toMatchObject({
        total_spend: 7.5,
        total_api_requests: 7,
        total_prompt_tokens: 40,
        total_tokens: 60,
        page: 1,
        total_pages: 2,
        has_more: true,
      });
      expect(res.body.results.map((r: { date: string }) => r.date)).toEqual(['2026-01-05', '2026-01-02']);
      const page2 = await http()
        .get('/user/daily/activity')
        .query({ start_date: '2026-01-01', end_date: '2026-01-31', page_size: 2, page: 2 })
        .set(me.auth)
        .expect(200);
      const [day] = page2.body.results;
      expect(day.date).toBe('2026-01-01');
      expect(day.metrics).toMatchObject({ spend: 1.5, api_requests: 3, total_tokens: 30 });
      expect(Object.keys(day.breakdown.models).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
      expect(day.breakdown.providers.openai.metrics.spend).toBe(1.5);
      expect(page2.body.metadata.has_more).toBe(false);
      const filtered = await http()
        .get('/user/daily/activity')
        .query({ start_date: '2026-01-01', end_date: '2026-01-01', model: 'gpt-4o-mini', user_id: me.id })
        .set(admin())
        .expect(200);
      expect(filtered.body.metadata.total_spend).toBe(0.5);
    });

    it('should require both dates (400), valid dates (400), and own data for non-admins (403)', async () => {
      const me = await userWithKey();
      const missing = await http()
        .get('/user/daily/activity')
        .query({ start_date: '2026-01-01' })
        .set(me.auth)
        .expect(400);
      expect(missing.body.error.message).toBe('Please provide start_date and end_date');
      await http()
        .get('/user/daily/activity')
        .query({ start_date: '2026-02-30', end_date: '2026-03-01' })
        .set(me.auth)
        .expect(400);
      await http()
        .get('/user/daily/activity')
        .query({ start_date: "2026-01-01' OR 1=1 --", end_date: '2026-03-01' })
        .set(me.auth)
        .expect(400);
      const other = await http()
        .get('/user/daily/activity')
        .query({ start_date: '2026-01-01', end_date: '2026-01-02', user_id: h.world.actors.OWNER.userId })
        .set(me.auth)
        .expect(403);
      expect(other.body.error.message).toBe('Non-admin users can only view their own spend data.');
      await http()
        .get('/user/daily/activity')
        .query({ start_date: '2026-01-01', end_date: '2026-01-02' })
        .set(as('SERVICE_ACCOUNT'))
        .expect(403);
      await http()
        .get('/user/daily/activity')
        .query({ start_date: '2026-01-01', end_date: '2026-01-02', page_size: 1001 })
        .set(me.auth)
        .expect(422);
    });
  });

  it('should never answer 500, whatever the body or query', async () => {
    const bodies: unknown[] = [
      {},
      [],
      'text',
      { user_id: { a: 1 } },
      { user_id: null, user_email: null },
      { user_ids: [null] },
      { user_ids: Array.from({ length: 1001 }, (_, i) => `u${i}`) },
      { users: [1] },
      { users: [{ user_id: null }] },
      { users: 'x', all_users: 'yes' },
      { all_users: true },
      { all_users: true, user_updates: 'x' },
      { teams: [{ team_id: 'a', max_budget_in_team: 1e308 }] },
      { teams: Array.from({ length: 101 }, (_, i) => `t${i}`) },
      { max_budget: 1e308, tpm_limit: 1e20 },
      { tpm_limit: -1 },
      { metadata: 'x', model_max_budget: [] },
      { object_permission: 'x' },
      { object_permission: { models: 'x' } },
      { user_email: 'a'.repeat(400) },
      { user_id: 'ünïcødé-✓', user_email: '✓@x.io', auto_create_key: false },
      { password: null, user_role: null },
      { budget_duration: '99999999999999999999d' },
      { duration: '-5d' },
      { key: 'not-a-key' },
    ];
    const routes = ['/user/new', '/user/update', '/user/bulk_update', '/user/delete'];
    for (const route of routes)
      for (const body of bodies) {
        const res = await http()
          .post(route)
          .set(admin())
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        expect([route, JSON.stringify(body).slice(0, 80), res.status < 500]).toEqual([
          route,
          JSON.stringify(body).slice(0, 80),
          true,
        ]);
      }
    const queries: [string, Record<string, unknown>][] = [
      ['/user/list', { user_ids: ','.repeat(5000), sort_by: 'user_id', sort_order: 'DESC' }],
      ['/user/list', { organization_ids: 'a,b,,c', team: 'x', role: 'r', sso_user_ids: 's1,s2' }],
      ['/user/list', { page: 1e9 }],
      ['/user/list', { page_size: -1, user_email: '%_' }],
      ['/user/info', { user_id: '%E0%A4%A' }],
      ['/v2/user/info', { user_id: 'x'.repeat(600) }],
      ['/user/filter/ui', { user_id: '%', user_email: '_', page: 99999 }],
      [
        '/user/daily/activity',
        { start_date: '2026-01-01', end_date: '2026-01-02', api_key: 'sk-x', page: 1e9 },
      ],
      ['/user/daily/activity', { start_date: ['a', 'b'], end_date: '2026-01-02' }],
    ];
    for (const [route, query] of queries) {
      const res = await http().get(route).query(query).set(admin());
      expect([route, res.status < 500]).toEqual([route, true]);
    }
  });

  it('GET /user/available_roles should list the four assignable roles', async () => {
    const res = await http().get('/user/available_roles').set(as('INTERNAL_USER')).expect(200);
    expect(Object.keys(res.body)).toEqual([
      'proxy_admin',
      'proxy_admin_viewer',
      'internal_user',
      'internal_user_viewer',
    ]);
  });
});
