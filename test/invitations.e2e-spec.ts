import { hashApiKey } from '../src/platform/common/hashing';
import { verifyPassword } from '../src/platform/common/password';
import { uniq } from './app.factory';
import { bearer, createTeam, createUser, createUserWithKey, updateInvitation } from './factories';
import { useE2e } from './harness';

const DAY = 24 * 60 * 60 * 1000;

describe('invitations and onboarding API', () => {
  const h = useE2e({ world: true });
  const { http, as } = h;
  const admin = () => h.master;

  async function userWithKey(role = 'internal_user', extra: Record<string, unknown> = {}) {
    const { userId, headers } = await createUserWithKey(h.prisma, role, extra);
    return { id: userId, auth: headers };
  }
  const invite = async (userId: string, auth = admin()) =>
    (await http().post('/invitation/new').set(auth).send({ user_id: userId }).expect(200)).body;
  const links = (userId: string) => h.prisma.liteLLM_InvitationLink.findMany({ where: { user_id: userId } });
  const linkRow = (id: string) => h.prisma.liteLLM_InvitationLink.findUnique({ where: { id } });

  describe('POST /invitation/new', () => {
    it('should create a link valid for 7 days, created by the master key user', async () => {
      const user = await createUser(h.prisma);
      const before = Date.now();
      const body = await invite(user.user_id);
      expect(body).toMatchObject({
        user_id: user.user_id,
        is_accepted: false,
        accepted_at: null,
        created_by: 'default_user_id',
        updated_by: 'default_user_id',
      });
      const created = new Date(body.created_at).getTime();
      expect(created).toBeGreaterThanOrEqual(before - 1000);
      expect(new Date(body.expires_at).getTime() - created).toBe(7 * DAY);
      const adminRow = await h.prisma.liteLLM_UserTable.findUniqueOrThrow({
        where: { user_id: 'default_user_id' },
      });
      expect(adminRow.user_role).toBe('proxy_admin');
      expect(await links(user.user_id)).toHaveLength(1);
    });

    it('should answer 400 in our error envelope for an unknown user, and 422 for a bad body', async () => {
      const res = await http()
        .post('/invitation/new')
        .set(admin())
        .send({ user_id: 'nobody-inv' })
        .expect(400);
      expect(res.body).toEqual({
        error: {
          message:
            "User id does not exist in 'LiteLLM_UserTable'. Fix this by creating user via `/user/new`.",
          type: 'bad_request_error',
          param: 'user_id',
          code: '400',
        },
      });
      await http().post('/invitation/new').set(admin()).send({}).expect(422);
      await http().post('/invitation/new').set(admin()).send({ user_id: 42 }).expect(422);
      await http()
        .post('/invitation/new')
        .set(admin())
        .send({ user_id: 'x'.repeat(300) })
        .expect(422);
    });

    it('should let team admins invite their members and org admins their org members; others 400', async () => {
      const member = h.world.actors.OWNER.userId;
      const attempts: [string, Record<string, string>, string, number][] = [
        ['team admin, own member', as('TEAM_ADMIN'), member, 200],
        ['org admin, org member', as('ORG_ADMIN'), member, 200],
        ['plain member', as('INTERNAL_USER'), member, 400],
        ['other team member', as('CROSS_ORG_USER'), member, 400],
        ['org B admin', as('ORG_B_ADMIN'), member, 400],
        ['team admin, member of another team', as('TEAM_ADMIN'), h.world.actors.CROSS_ORG_USER.userId, 400],
        ['team admin, unknown user', as('TEAM_ADMIN'), 'nobody-inv', 400],
      ];
      for (const [who, auth, target, status] of attempts) {
        const before = await h.prisma.liteLLM_InvitationLink.count({ where: { user_id: target } });
        const res = await http().post('/invitation/new').set(auth).send({ user_id: target });
        expect([who, res.status]).toEqual([who, status]);
        const after = await h.prisma.liteLLM_InvitationLink.count({ where: { user_id: target } });
        expect(after).toBe(status === 200 ? before + 1 : before);
        if (status === 400) expect(res.body.error.message).toContain('Admin-only endpoint');
      }
      const byTeamAdmin = await h.prisma.liteLLM_InvitationLink.findFirstOrThrow({
        where: { user_id: member, created_by: h.world.actors.TEAM_ADMIN.userId },
      });
      expect(byTeamAdmin.updated_by).toBe(h.world.actors.TEAM_ADMIN.userId);
    });
  });

  describe('GET /invitation/info', () => {
    it('should return the link to proxy admins only', async () => {
      const user = await createUser(h.prisma);
      const link = await invite(user.user_id);
      const res = await http()
        .get('/invitation/info')
        .query({ invitation_id: link.id })
        .set(admin())
        .expect(200);
      expect(res.body).toEqual(link);
      const missing = await http()
        .get('/invitation/info')
        .query({ invitation_id: 'nope' })
        .set(admin())
        .expect(400);
      expect(missing.body.error.message).toBe('Invitation id does not exist in the database.');
      await http().get('/invitation/info').set(admin()).expect(422);
      const viewer = await userWithKey('proxy_admin_viewer');
      await http().get('/invitation/info').query({ invitation_id: link.id }).set(viewer.auth).expect(400);
      await http()
        .get('/invitation/info')
        .query({ invitation_id: link.id })
        .set(as('TEAM_ADMIN'))
        .expect(401);
    });
  });

  describe('POST /invitation/update', () => {
    it('should set is_accepted with accepted_at for proxy admins; others change nothing', async () => {
      const user = await createUser(h.prisma);
      const link = await invite(user.user_id);
      const viewer = await userWithKey('proxy_admin_viewer');
      await http()
        .post('/invitation/update')
        .set(viewer.auth)
        .send({ invitation_id: link.id, is_accepted: true })
        .expect(403);
      await http()
        .post('/invitation/update')
        .set(as('TEAM_ADMIN'))
        .send({ invitation_id: link.id, is_accepted: true })
        .expect(401);
      expect((await linkRow(link.id))!.is_accepted).toBe(false);

      const accepted = await http()
        .post('/invitation/update')
        .set(admin())
        .send({ invitation_id: link.id, is_accepted: true })
        .expect(200);
      expect(accepted.body).toMatchObject({ id: link.id, is_accepted: true, updated_by: 'default_user_id' });
      expect(accepted.body.accepted_at).not.toBeNull();
      const undone = await http()
        .post('/invitation/update')
        .set(admin())
        .send({ invitation_id: link.id, is_accepted: false })
        .expect(200);
      expect(undone.body).toMatchObject({ is_accepted: false, accepted_at: null });
      await http()
        .post('/invitation/update')
        .set(admin())
        .send({ invitation_id: 'nope', is_accepted: true })
        .expect(400);
      await http()
        .post('/invitation/update')
        .set(admin())
        .send({ invitation_id: link.id, is_accepted: 'yes' })
        .expect(422);
      await http().post('/invitation/update').set(admin()).send({ invitation_id: link.id }).expect(422);
    });
  });

  describe('POST /invitation/delete', () => {
    it('should let the creating team admin and proxy admins delete; other admins 403; others 400', async () => {
      const member = h.world.actors.UNRELATED_SAME_ORG.userId;
      const link = await invite(member, as('TEAM_ADMIN'));
      const otherAdmin = await userWithKey();
      await createTeam(h.prisma, { members_with_roles: [{ user_id: otherAdmin.id, role: 'admin' }] });
      const attempts: [string, Record<string, string>, number][] = [
        ['plain member', as('INTERNAL_USER'), 400],
        ['unrelated user', (await userWithKey()).auth, 400],
        ['admin of another team', otherAdmin.auth, 403],
        ['org admin of the team org', as('ORG_ADMIN'), 403],
      ];
      for (const [who, auth, status] of attempts) {
        const res = await http().post('/invitation/delete').set(auth).send({ invitation_id: link.id });
        expect([who, res.status]).toEqual([who, status]);
        expect(await linkRow(link.id)).not.toBeNull();
      }
      const res = await http()
        .post('/invitation/delete')
        .set(as('TEAM_ADMIN'))
        .send({ invitation_id: link.id })
        .expect(200);
      expect(res.body).toMatchObject({ id: link.id, user_id: member });
      expect(await linkRow(link.id)).toBeNull();
      await http()
        .post('/invitation/delete')
        .set(as('TEAM_ADMIN'))
        .send({ invitation_id: link.id })
        .expect(400);

      const another = await invite(member);
      await http().post('/invitation/delete').set(admin()).send({ invitation_id: another.id }).expect(200);
      await http().post('/invitation/delete').set(admin()).send({}).expect(422);
    });
  });

  describe('onboarding', () => {
    it('should issue a 24 h UI key on get_token without credentials and mark the link accepted', async () => {
      const email = `${uniq('onb')}@x.io`;
      const user = await createUser(h.prisma, 'internal_user', { user_email: email });
      const link = await invite(user.user_id);
      const before = Date.now();
      const res = await http().get('/onboarding/get_token').query({ invite_link: link.id }).expect(200);
      expect(res.body.user_email).toBe(email);
      expect(res.body.token).toMatch(/^sk-/);
      expect(res.body.login_url).toContain('/ui/onboarding?token=');
      const key = await h.prisma.liteLLM_VerificationToken.findUniqueOrThrow({
        where: { token: hashApiKey(res.body.token) },
      });
      expect(key).toMatchObject({
        user_id: user.user_id,
        team_id: 'litellm-dashboard',
        max_budget: 5,
        models: [],
      });
      expect(key.expires!.getTime()).toBeGreaterThanOrEqual(before + DAY - 1000);
      expect(key.expires!.getTime()).toBeLessThanOrEqual(Date.now() + DAY);
      const row = (await linkRow(link.id))!;
      expect(row.is_accepted).toBe(true);
      expect(row.accepted_at).not.toBeNull();
      expect(row.updated_by).toBe(user.user_id);
      const me = await http().get('/user/info').set(bearer(res.body.token)).expect(200);
      expect(me.body.user_id).toBe(user.user_id);
    });

    it('should refuse missing and expired links with 401 in our envelope', async () => {
      const res = await http().get('/onboarding/get_token').query({ invite_link: 'nope' }).expect(401);
      expect(res.body.error.message).toBe('Invitation link does not exist in db.');
      expect(res.body).not.toHaveProperty('detail');
      const user = await createUser(h.prisma);
      const link = await invite(user.user_id);
      await updateInvitation(h.prisma, link.id, { expires_at: new Date(Date.now() - 1000) });
      const expired = await http().get('/onboarding/get_token').query({ invite_link: link.id }).expect(401);
      expect(expired.body.error.message).toBe('Invitation link has expired.');
      expect(await h.prisma.liteLLM_VerificationToken.count({ where: { user_id: user.user_id } })).toBe(0);
      await http().get('/onboarding/get_token').expect(422);
    });

    it('should set a hashed password on claim_token once, for the right user, after get_token', async () => {
      const user = await createUser(h.prisma, 'internal_user', { user_email: `${uniq('claim')}@x.io` });
      const link = await invite(user.user_id);
      const claim = (body: Record<string, unknown>) => http().post('/onboarding/claim_token').send(body);
      const good = { invitation_link: link.id, user_id: user.user_id, password: 'a-good-password' };

      const early = await claim(good).expect(401);
      expect(early.body.error.message).toContain('never validated');
      await http().get('/onboarding/get_token').query({ invite_link: link.id }).expect(200);
      const wrong = await claim({ ...good, user_id: h.world.actors.OWNER.userId }).expect(401);
      expect(wrong.body.error.message).toContain('Invalid invitation link');
      await claim({ ...good, invitation_link: 'nope' }).expect(401);
      await claim({ ...good, password: 'short' }).expect(422);
      await claim({ invitation_link: link.id, user_id: user.user_id }).expect(422);
      expect(
        (await h.prisma.liteLLM_UserTable.findUniqueOrThrow({ where: { user_id: user.user_id } })).password,
      ).toBeNull();

      const res = await claim(good).expect(200);
      expect(res.body.user_id).toBe(user.user_id);
      expect(res.body).not.toHaveProperty('password');
      const row = await h.prisma.liteLLM_UserTable.findUniqueOrThrow({ where: { user_id: user.user_id } });
      expect(await verifyPassword('a-good-password', row.password)).toBe(true);

      // the link is used up: no replay of claim_token nor get_token
      const replay = await claim({ ...good, password: 'attacker-password' }).expect(401);
      expect(replay.body.error.message).toBe('Invitation link has expired.');
      await http().get('/onboarding/get_token').query({ invite_link: link.id }).expect(401);
      const still = await h.prisma.liteLLM_UserTable.findUniqueOrThrow({ where: { user_id: user.user_id } });
      expect(await verifyPassword('a-good-password', still.password)).toBe(true);
    });
  });

  it('should delete invitation links together with the user they are for', async () => {
    const user = await createUser(h.prisma);
    const link = await invite(user.user_id);
    await http()
      .post('/user/delete')
      .set(admin())
      .send({ user_ids: [user.user_id] })
      .expect(200);
    expect(await linkRow(link.id)).toBeNull();
  });
});
