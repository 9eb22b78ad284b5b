import { hashApiKey } from '../src/platform/common/hashing';
import { MASTER_KEY, uniq } from './app.factory';
import {
  bearer,
  createDailyTeamSpend,
  createKey,
  createOrganization,
  createTeam,
  createUser,
  setTeamMembership,
  updateTeam,
} from './factories';
import { useE2e } from './harness';

type Member = { user_id: string | null; user_email?: string | null; role: string };

describe('teams (/team/*)', () => {
  const h = useE2e({ world: true });
  const { http } = h;
  const admin = () => h.master;
  const team = (teamId: string) => h.prisma.liteLLM_TeamTable.findUnique({ where: { team_id: teamId } });
  const members = async (teamId: string) => (await team(teamId))!.members_with_roles as Member[];
  const user = (userId: string) => h.prisma.liteLLM_UserTable.findUnique({ where: { user_id: userId } });
  const audits = (objectId: string, action?: string) =>
    h.prisma.liteLLM_AuditLog.findMany({
      where: { object_id: objectId, ...(action ? { action } : {}) },
      orderBy: { updated_at: 'asc' },
    });

  describe('POST /team/new', () => {
    it('should create the team with its members, legacy arrays, aliases, member budget and an audit row', async () => {
      const existing = await createUser(h.prisma);
      const byEmail = await createUser(h.prisma, 'internal_user', { user_email: `${uniq('e')}@x.io` });
      const teamId = uniq('team');
      const res = await http()
        .post('/team/new')
        .set(admin())
        .set('litellm-changed-by', 'alice@corp')
        .send({
          team_id: teamId,
          team_alias: 'search team',
          members_with_roles: [
            { user_id: existing.user_id, role: 'admin' },
            { user_email: byEmail.user_email, role: 'user' },
          ],
          members: ['legacy-member-' + teamId],
          model_aliases: { 'gpt-4': 'gpt-4o' },
          team_member_budget: 10,
          team_member_rpm_limit: 100,
          team_member_tpm_limit: 1000,
          tags: ['prod'],
          metadata: { cost_center: 'R&D', team_member_budget_id: 'spoofed' },
          max_budget: 50,
          budget_duration: '30d',
        })
        .expect(200);
      expect(res.body.team_id).toBe(teamId);
      expect(res.body.litellm_model_table.model_aliases).toEqual({ 'gpt-4': 'gpt-4o' });
      const row = (await team(teamId))!;
      expect(row.members_with_roles).toEqual([
        { user_id: existing.user_id, user_email: null, role: 'admin' },
        { user_id: byEmail.user_id, user_email: byEmail.user_email, role: 'user' },
        { user_id: 'legacy-member-' + teamId, user_email: null, role: 'user' },
        { user_id: 'default_user_id', user_email: null, role: 'admin' },
      ]);
      expect(res.body.members_with_roles).toEqual(row.members_with_roles);
      expect(row.admins).toEqual([existing.user_id, 'default_user_id']);
      expect(row.members).toEqual([byEmail.user_id, 'legacy-member-' + teamId]);
      expect((await user(existing.user_id))!.teams).toEqual([teamId]);
      expect((await user('legacy-member-' + teamId))!.user_role).toBe('internal_user');
      const metadata = row.metadata as Record<string, unknown>;
      expect(metadata).toMatchObject({ cost_center: 'R&D', tags: ['prod'] });
      expect(metadata.team_member_budget_id).toMatch(/^team-search-team-budget-[0-9a-f]{32}$/);
      const budget = await h.prisma.liteLLM_BudgetTable.findUniqueOrThrow({
        where: { budget_id: metadata.team_member_budget_id as string },
      });
      expect([budget.max_budget, Number(budget.rpm_limit), Number(budget.tpm_limit)]).toEqual([
        10, 100, 1000,
      ]);
      expect(budget.budget_duration).toBe('30d');
      // With a member-default budget every member links it.
      const memberships = await h.prisma.liteLLM_TeamMembership.findMany({ where: { team_id: teamId } });
      expect(memberships).toHaveLength(4);
      expect(new Set(memberships.map((m) => m.budget_id))).toEqual(new Set([budget.budget_id]));
      expect(row.budget_reset_at).not.toBeNull();
      const [created] = await audits(teamId, 'created');
      expect(created).toMatchObject({ table_name: 'LiteLLM_TeamTable', changed_by: 'alice@corp' });
    });

    it('should write no membership rows for plain members when the team has no default budget', async () => {
      const teamId = uniq('team');
      const u = await createUser(h.prisma);
      await http()
        .post('/team/new')
        .set(admin())
        .send({ team_id: teamId, members_with_roles: [{ user_id: u.user_id, role: 'user' }] })
        .expect(200);
      expect(await h.prisma.liteLLM_TeamMembership.count({ where: { team_id: teamId } })).toBe(0);
      expect((await user(u.user_id))!.teams).toEqual([teamId]);
    });

    it('should honour an explicit null budget_duration', async () => {
      const teamId = uniq('team');
      const res = await http()
        .post('/team/new')
        .set(admin())
        .send({ team_id: teamId, budget_duration: null, max_budget: 1 })
        .expect(200);
      expect(res.body.budget_duration).toBeNull();
      expect(res.body.budget_reset_at).toBeNull();
    });

    it('should refuse a duplicate team_id with 400 and change nothing', async () => {
      const existing = await createTeam(h.prisma, { max_budget: 5 });
      const res = await http()
        .post('/team/new')
        .set(admin())
        .send({ team_id: existing.team_id, max_budget: 99 });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        `Team id = ${existing.team_id} already exists. Please use a different team id.`,
      );
      expect((await team(existing.team_id))!.max_budget).toBe(5);
    });

    it('should refuse a negative budget, an unknown organization and bad durations with 400 and create nothing', async () => {
      for (const [body, param] of [
        [{ max_budget: -1 }, 'max_budget'],
        [{ organization_id: uniq('no-org') }, 'organization_id'],
        [{ budget_duration: 'soon' }, 'budget_duration'],
        [{ team_member_budget_duration: '0d' }, 'team_member_budget_duration'],
        [{ model_max_budget: { m: { budget_limit: -5 } } }, 'model_max_budget'],
        [{ team_admin_permissions: ['root'] }, 'team_admin_permissions'],
      ] as const) {
        const teamId = uniq('team');
        const res = await http()
          .post('/team/new')
          .set(admin())
          .send({ team_id: teamId, ...body });
        expect({ param, status: res.status }).toEqual({ param, status: 400 });
        expect(res.body.error.param).toBe(param);
        expect(await team(teamId)).toBeNull();
      }
    });

    it('should check an org admin against their own key: models and budget', async () => {
      const key = await createKey(h.prisma, {
        user_id: h.world.actors.ORG_ADMIN.userId,
        models: ['m1'],
        max_budget: 5,
      });
      const teamId = uniq('team');
      const res = await http()
        .post('/team/new')
        .set(bearer(key.raw))
        .send({ team_id: teamId, organization_id: h.world.orgA, models: ['m2'] });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('Model not in allowed user models');
      const res2 = await http()
        .post('/team/new')
        .set(bearer(key.raw))
        .send({ team_id: teamId, organization_id: h.world.orgA, max_budget: 6 });
      expect(res2.body.error.message).toContain('max budget higher than user max');
      expect(await team(teamId)).toBeNull();
      await http()
        .post('/team/new')
        .set(bearer(key.raw))
        .send({ team_id: teamId, organization_id: h.world.orgA, models: ['m1'], max_budget: 5 })
        .expect(200);
      expect((await members(teamId)).map((m) => m.user_id)).toEqual([h.world.actors.ORG_ADMIN.userId]);
    });

    it('should refuse team_admin_permissions and passthrough routes from an org admin (403)', async () => {
      for (const body of [
        { team_admin_permissions: ['max_budget'] },
        { allowed_passthrough_routes: ['/x'] },
        { metadata: { allowed_passthrough_routes: ['/x'] } },
      ]) {
        const teamId = uniq('team');
        const res = await http()
          .post('/team/new')
          .set(bearer(h.world.actors.ORG_ADMIN.key))
          .send({ team_id: teamId, organization_id: h.world.orgA, ...body });
        expect(res.status).toBe(403);
        expect(await team(teamId)).toBeNull();
      }
    });

    it('should refuse guaranteed throughput beyond the organization limit', async () => {
      const org = uniq('org');
      await createOrganization(h.prisma, { organization_id: org }, { tpm_limit: 100 });
      await createTeam(h.prisma, { organization_id: org, tpm_limit: 80 });
      const res = await http()
        .post('/team/new')
        .set(admin())
        .send({ organization_id: org, tpm_limit: 30, tpm_limit_type: 'guaranteed_throughput' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(
        'Allocated TPM limit=80 + Team TPM limit=30 is greater than organization TPM limit=100',
      );
    });
  });

  describe('POST /team/update', () => {
    it('should change only the fields sent, keep managed metadata, and answer {team_id, data}', async () => {
      const teamId = uniq('team');
      await http()
        .post('/team/new')
        .set(admin())
        .send({ team_id: teamId, team_member_budget: 5, metadata: { a: 1 }, max_budget: 10, models: ['m1'] })
        .expect(200);
      const before = (await team(teamId))!;
      const budgetId = (before.metadata as Record<string, unknown>).team_member_budget_id;
      const res = await http()
        .post('/team/update')
        .set(admin())
        .send({
          team_id: teamId,
          metadata: { b: 2, team_member_budget_id: 'spoofed' },
          budget_duration: '1d',
          team_member_budget: 20,
          model_aliases: { a: 'b' },
          tpm_limit: 7,
        })
        .expect(200);
      expect(res.body.team_id).toBe(teamId);
      expect(res.body.data.tpm_limit).toBe(7);
      const row = (await team(teamId))!;
      expect(row.metadata).toEqual({ a: 1, b: 2, team_member_budget_id: budgetId });
      expect(row.max_budget).toBe(10);
      expect(row.models).toEqual(['m1']);
      expect(row.budget_reset_at).not.toBeNull();
      const budget = await h.prisma.liteLLM_BudgetTable.findUniqueOrThrow({
        where: { budget_id: budgetId as string },
      });
      expect(budget.max_budget).toBe(20);
      const aliases = await h.prisma.liteLLM_ModelTable.findUniqueOrThrow({ where: { id: row.model_id! } });
      expect(aliases.model_aliases).toEqual({ a: 'b' });
      const audit = (await audits(teamId, 'updated')).at(-1)!;
      expect(audit.before_value).toMatchObject({ max_budget: 10 });
      expect(audit.updated_values).toMatchObject({ tpm_limit: 7 });
    });

    it('should answer 400 without team_id and 404 for an unknown team', async () => {
      expect((await http().post('/team/update').set(admin()).send({ max_budget: 1 })).status).toBe(400);
      const res = await http()
        .post('/team/update')
        .set(admin())
        .send({ team_id: 'nope-' + uniq(), max_budget: 1 });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toContain('Team not found, passed team_id=');
    });

    it('should move a team for a proxy admin, add its members to the new org, and unset the org with ""', async () => {
      const u = await createUser(h.prisma);
      const teamId = uniq('team');
      await createTeam(h.prisma, {
        team_id: teamId,
        organization_id: h.world.orgA,
        members_with_roles: [{ user_id: u.user_id, role: 'user' }],
      });
      await http()
        .post('/team/update')
        .set(admin())
        .send({ team_id: teamId, organization_id: h.world.orgB })
        .expect(200);
      expect((await team(teamId))!.organization_id).toBe(h.world.orgB);
      const membership = await h.prisma.liteLLM_OrganizationMembership.findUnique({
        where: { user_id_organization_id: { user_id: u.user_id, organization_id: h.world.orgB } },
      });
      expect(membership?.user_role).toBe('internal_user');
      await http()
        .post('/team/update')
        .set(admin())
        .send({ team_id: teamId, organization_id: '' })
        .expect(200);
      expect((await team(teamId))!.organization_id).toBeNull();
      const res = await http()
        .post('/team/update')
        .set(admin())
        .send({ team_id: teamId, organization_id: 'no-' + uniq() });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toContain('Organization not found, passed organization_id=');
    });

    it('should refuse a move that does not fit the organization (403)', async () => {
      const org = uniq('org');
      await createOrganization(h.prisma, { organization_id: org, models: ['m1'] }, { max_budget: 10 });
      const allModels = await createTeam(h.prisma, { models: [] });
      const r1 = await http()
        .post('/team/update')
        .set(admin())
        .send({ team_id: allModels.team_id, organization_id: org });
      expect(r1.status).toBe(403);
      expect(r1.body.error.message).toContain(
        'Team has access to all proxy models, but the organization does not.',
      );
      const rich = await createTeam(h.prisma, { models: ['m1'], max_budget: 50 });
      const r2 = await http()
        .post('/team/update')
        .set(admin())
        .send({ team_id: rich.team_id, organization_id: org });
      expect(r2.status).toBe(403);
      expect(r2.body.error.message).toContain("greater than the organization's max_budget 10");
      expect((await team(rich.team_id))!.organization_id).toBeNull();
    });

    it('should let a proxy admin set and clear team_admin_permissions, and refuse it from org admins', async () => {
      const res = await http()
        .post('/team/update')
        .set(bearer(h.world.actors.ORG_ADMIN.key))
        .send({ team_id: h.world.gamma, team_admin_permissions: ['max_budget'] });
      expect(res.status).toBe(403);
      expect((await team(h.world.gamma))!.metadata).toEqual({});
      await http()
        .post('/team/update')
        .set(admin())
        .send({
          team_id: h.world.gamma,
          team_admin_permissions: ['projects', 'member_key_budgets', 'projects'],
        })
        .expect(200);
      expect((await team(h.world.gamma))!.metadata).toEqual({
        team_admin_permissions: ['projects', 'member_key_budgets'],
      });
      // a metadata update never drops it
      await http()
        .post('/team/update')
        .set(admin())
        .send({ team_id: h.world.gamma, metadata: { x: 1 } })
        .expect(200);
      expect((await team(h.world.gamma))!.metadata).toEqual({
        team_admin_permissions: ['projects', 'member_key_budgets'],
        x: 1,
      });
    });
  });

  it('team_admin_permissions set through /team/update reach the key rules: member_key_budgets (§20.3)', async () => {
    const teamId = uniq('team');
    const lead = await createUser(h.prisma);
    const dev = await createUser(h.prisma);
    await http()
      .post('/team/new')
      .set(admin())
      .send({
        team_id: teamId,
        members_with_roles: [
          { user_id: lead.user_id, role: 'admin' },
          { user_id: dev.user_id, role: 'user' },
        ],
      })
      .expect(200);
    const leadKey = await createKey(h.prisma, { user_id: lead.user_id, team_id: teamId });
    const devKey = await createKey(h.prisma, { user_id: dev.user_id, team_id: teamId });
    const update = () =>
      http().post('/key/update').set(bearer(leadKey.raw)).send({ key: devKey.raw, max_budget: 3 });
    expect((await update()).status).toBe(403);
    await http()
      .post('/team/update')
      .set(admin())
      .send({ team_id: teamId, team_admin_permissions: ['member_key_budgets'] })
      .expect(200);
    expect((await update()).status).toBe(200);
    expect(
      (await h.prisma.liteLLM_VerificationToken.findUniqueOrThrow({ where: { token: devKey.token } }))
        .max_budget,
    ).toBe(3);
  });

  describe('POST /team/delete', () => {
    it('should archive the team and its keys, clear memberships, write audit rows, all in one go', async () => {
      const u = await createUser(h.prisma);
      const teamId = uniq('team');
      await http()
        .post('/team/new')
        .set(admin())
        .send({ team_id: teamId, members_with_roles: [{ user_id: u.user_id, role: 'user' }], max_budget: 3 })
        .expect(200);
      await http()
        .post('/team/member_update')
        .set(admin())
        .send({ team_id: teamId, user_id: u.user_id, max_budget_in_team: 1 })
        .expect(200);
      const key = await createKey(h.prisma, { team_id: teamId, user_id: u.user_id });
      await http().get('/key/info').set(bearer(key.raw)).expect(200);
      const res = await http()
        .post('/team/delete')
        .set(admin())
        .set('litellm-changed-by', 'ops@corp')
        .send({ team_ids: [teamId] })
        .expect(200);
      expect(res.body).toEqual({ deleted_teams: [teamId], deleted_keys: 1 });
      expect(await team(teamId)).toBeNull();
      const archived = await h.prisma.liteLLM_DeletedTeamTable.findMany({ where: { team_id: teamId } });
      expect(archived).toHaveLength(1);
      expect(archived[0]).toMatchObject({
        max_budget: 3,
        deleted_by: 'default_user_id',
        deleted_by_api_key: hashApiKey(MASTER_KEY),
        litellm_changed_by: 'ops@corp',
      });
      expect(archived[0].members_with_roles).toEqual(
        expect.arrayContaining([expect.objectContaining({ user_id: u.user_id })]),
      );
      expect(archived[0].created_at).not.toBeNull();
      expect(await h.prisma.liteLLM_VerificationToken.findUnique({ where: { token: key.token } })).toBeNull();
      const archivedKey = await h.prisma.liteLLM_DeletedVerificationToken.findFirst({
        where: { token: key.token },
      });
      expect(archivedKey).toMatchObject({
        team_id: teamId,
        deleted_by: 'default_user_id',
        litellm_changed_by: 'ops@corp',
      });
      expect(await h.prisma.liteLLM_TeamMembership.count({ where: { team_id: teamId } })).toBe(0);
      expect((await user(u.user_id))!.teams).toEqual([]);
      expect(await audits(teamId, 'deleted')).toHaveLength(1);
      expect(await audits(key.token, 'deleted')).toHaveLength(1);
      // The key stops working at once, and the team is gone.
      expect((await http().get('/key/info').set(bearer(key.raw))).status).toBe(401);
      expect((await http().get('/team/info').query({ team_id: teamId }).set(admin())).status).toBe(404);
    });

    it('should delete nothing when one id of the batch is unknown (404)', async () => {
      const a = await createTeam(h.prisma);
      const key = await createKey(h.prisma, { team_id: a.team_id });
      const missing = 'missing-' + uniq();
      const res = await http()
        .post('/team/delete')
        .set(admin())
        .send({ team_ids: [a.team_id, missing] });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(`Team not found, passed team_id=${missing}`);
      expect(await team(a.team_id)).not.toBeNull();
      expect(
        await h.prisma.liteLLM_VerificationToken.findUnique({ where: { token: key.token } }),
      ).not.toBeNull();
      expect(await h.prisma.liteLLM_DeletedTeamTable.count({ where: { team_id: a.team_id } })).toBe(0);
    });

    it('should let an org admin delete a team of their organization only', async () => {
      const mine = await createTeam(h.prisma, { organization_id: h.world.orgA });
      const theirs = await createTeam(h.prisma, { organization_id: h.world.orgB });
      const res = await http()
        .post('/team/delete')
        .set(bearer(h.world.actors.ORG_ADMIN.key))
        .send({ team_ids: [mine.team_id, theirs.team_id], organization_id: h.world.orgA });
      expect(res.status).toBe(401);
      expect(await team(mine.team_id)).not.toBeNull();
      await http()
        .post('/team/delete')
        .set(bearer(h.world.actors.ORG_ADMIN.key))
        .send({ team_ids: [mine.team_id], organization_id: h.world.orgA })
        .expect(200);
      expect(await team(mine.team_id)).toBeNull();
      const [archived] = await h.prisma.liteLLM_DeletedTeamTable.findMany({
        where: { team_id: mine.team_id },
      });
      expect(archived.deleted_by).toBe(h.world.actors.ORG_ADMIN.userId);
      expect(archived.deleted_by_api_key).toBe(h.world.actors.ORG_ADMIN.token);
    });
  });

  describe('members', () => {
    it('should add members by id (creating the user), by email, and a new email (uuid user), leaving the legacy arrays alone', async () => {
      const teamRow = await createTeam(h.prisma, { admins: ['legacy-admin'], members: ['legacy-member'] });
      const known = await createUser(h.prisma, 'internal_user', { user_email: `${uniq('known')}@x.io` });
      const newId = uniq('new-user');
      const newEmail = `${uniq('fresh')}@x.io`;
      const res = await http()
        .post('/team/member_add')
        .set(admin())
        .send({
          team_id: teamRow.team_id,
          member: [
            { user_id: newId, role: 'user' },
            { user_email: known.user_email!.toUpperCase(), role: 'admin' },
            { user_email: newEmail, role: 'user' },
          ],
        })
        .expect(200);
      const created = await h.prisma.liteLLM_UserTable.findFirstOrThrow({ where: { user_email: newEmail } });
      expect(created.user_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await members(teamRow.team_id)).toEqual([
        { user_id: newId, user_email: null, role: 'user' },
        { user_id: known.user_id, user_email: known.user_email, role: 'admin' },
        { user_id: created.user_id, user_email: newEmail, role: 'user' },
      ]);
      expect(res.body.updated_users.map((u: { user_id: string }) => u.user_id)).toEqual([
        newId,
        known.user_id,
        created.user_id,
      ]);
      expect(res.body.updated_users[0]).not.toHaveProperty('password');
      expect(res.body.updated_team_memberships).toEqual([]);
      const row = (await team(teamRow.team_id))!;
      // LiteLLM's /team/member_add writes members_with_roles only
      expect(row.admins).toEqual(['legacy-admin']);
      expect(row.members).toEqual(['legacy-member']);
      expect((await user(newId))!.teams).toEqual([teamRow.team_id]);
      expect(await h.prisma.liteLLM_TeamMembership.count({ where: { team_id: teamRow.team_id } })).toBe(0);
      expect(await audits(newId, 'created')).toHaveLength(1);
    });

    it('should give each new member a budget row of their own with max_budget_in_team', async () => {
      const teamRow = await createTeam(h.prisma);
      const res = await http()
        .post('/team/member_add')
        .set(admin())
        .send({
          team_id: teamRow.team_id,
          member: [
            { user_id: uniq('a'), role: 'user' },
            { user_id: uniq('b'), role: 'user' },
          ],
          max_budget_in_team: 4,
        })
        .expect(200);
      expect(res.body.updated_team_memberships).toHaveLength(2);
      const [m1, m2] = res.body.updated_team_memberships;
      expect(m1.litellm_budget_table.max_budget).toBe(4);
      expect(m1.budget_source).toBe('member');
      expect(m1.budget_id).not.toBe(m2.budget_id);
    });

    it('should refuse bad members: none, mismatched id and email, ambiguous email', async () => {
      const teamRow = await createTeam(h.prisma);
      const a = await createUser(h.prisma, 'internal_user', { user_email: `${uniq('a')}@x.io` });
      const shared = `${uniq('shared')}@x.io`;
      await createUser(h.prisma, 'internal_user', { user_email: shared });
      await createUser(h.prisma, 'internal_user', { user_email: shared });
      const cases: [unknown, number, string][] = [
        [{ role: 'user' }, 400, 'Either user_id or user_email'],
        [
          { user_id: a.user_id, user_email: 'other@x.io', role: 'user' },
          400,
          'do not belong to the same user',
        ],
        [{ user_email: shared, role: 'user' }, 400, 'Multiple users with this email found in db'],
        [{ user_id: 'x', role: 'owner' }, 422, 'member'],
        [[], 400, 'No member'],
      ];
      for (const [member, status, message] of cases) {
        const res = await http()
          .post('/team/member_add')
          .set(admin())
          .send({ team_id: teamRow.team_id, member });
        expect({ member, status: res.status }).toEqual({ member, status });
        expect(res.body.error.message).toContain(message);
      }
      expect((await team(teamRow.team_id))!.members_with_roles).toEqual({});
    });

    it('should refuse duplicates (single and all) and skip partial duplicates', async () => {
      const teamRow = await createTeam(h.prisma);
      const a = uniq('dup');
      await http()
        .post('/team/member_add')
        .set(admin())
        .send({ team_id: teamRow.team_id, member: { user_id: a, role: 'user' } })
        .expect(200);
      const single = await http()
        .post('/team/member_add')
        .set(admin())
        .send({ team_id: teamRow.team_id, member: { user_id: a, role: 'admin' } });
      expect(single.status).toBe(400);
      expect(single.body.error.type).toBe('team_member_already_in_team');
      expect(single.body.error.message).toContain(`User already in team. Member: user_id=${a}`);
      const all = await http()
        .post('/team/member_add')
        .set(admin())
        .send({
          team_id: teamRow.team_id,
          member: [
            { user_id: a, role: 'user' },
            { user_id: a, role: 'admin' },
          ],
        });
      expect(all.status).toBe(400);
      const b = uniq('dup');
      await http()
        .post('/team/member_add')
        .set(admin())
        .send({
          team_id: teamRow.team_id,
          member: [
            { user_id: a, role: 'user' },
            { user_id: b, role: 'user' },
          ],
        })
        .expect(200);
      expect((await members(teamRow.team_id)).map((m) => m.user_id)).toEqual([a, b]);
    });

    it('should answer 404 for a missing team on every member route', async () => {
      const missing = 'missing-' + uniq();
      const calls = [
        http()
          .post('/team/member_add')
          .set(admin())
          .send({ team_id: missing, member: { user_id: 'x', role: 'user' } }),
        http().post('/team/member_delete').set(admin()).send({ team_id: missing, user_id: 'x' }),
        http()
          .post('/team/member_update')
          .set(admin())
          .send({ team_id: missing, user_id: 'x', role: 'admin' }),
        http().post(`/team/${missing}/member/x/reset_spend`).set(admin()).send({}),
        http().post(`/team/${missing}/member/x/reset_budget`).set(admin()).send({}),
        http()
          .post('/team/bulk_member_add')
          .set(admin())
          .send({ team_id: missing, members: [{ user_id: 'x', role: 'user' }] }),
      ];
      for (const res of await Promise.all(calls)) expect(res.status).toBe(404);
      expect(await user('x')).toBeNull();
    });

    it('should refuse to add a proxy admin unless the caller is a proxy admin', async () => {
      const boss = await createUser(h.prisma, 'proxy_admin');
      const res = await http()
        .post('/team/member_add')
        .set(bearer(h.world.actors.TEAM_ADMIN.key))
        .send({ team_id: h.world.alpha, member: { user_id: boss.user_id, role: 'user' } });
      expect(res.status).toBe(403);
      expect((await members(h.world.alpha)).some((m) => m.user_id === boss.user_id)).toBe(false);
    });

    it('should lose no member when members are added concurrently', async () => {
      const teamRow = await createTeam(h.prisma);
      const ids = Array.from({ length: 8 }, () => uniq('race'));
      const results = await Promise.all(
        ids.map((userId) =>
          http()
            .post('/team/member_add')
            .set(admin())
            .send({ team_id: teamRow.team_id, member: { user_id: userId, role: 'user' } }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(ids.map(() => 200));
      expect((await members(teamRow.team_id)).map((m) => m.user_id).sort()).toEqual([...ids].sort());
      expect((await team(teamRow.team_id))!.members).toEqual([]);
    });

    it('should remove a member everywhere (by id or email) and 400 for a stranger', async () => {
      const teamRow = await createTeam(h.prisma);
      const stayer = uniq('stayer');
      const email = `${uniq('leaver')}@x.io`;
      const leaver = await createUser(h.prisma, 'internal_user', { user_email: email });
      // legacy arrays as an older LiteLLM (or /team/new) wrote them; member_add leaves them alone
      await updateTeam(h.prisma, teamRow.team_id, { admins: [leaver.user_id], members: [stayer] });
      await http()
        .post('/team/member_add')
        .set(admin())
        .send({
          team_id: teamRow.team_id,
          member: [
            { user_id: leaver.user_id, role: 'admin' },
            { user_id: stayer, role: 'user' },
          ],
          max_budget_in_team: 2,
        })
        .expect(200);
      const key = await createKey(h.prisma, { team_id: teamRow.team_id, user_id: leaver.user_id });
      const res = await http()
        .post('/team/member_delete')
        .set(admin())
        .send({ team_id: teamRow.team_id, user_email: email.toUpperCase() })
        .expect(200);
      expect(res.body.team_id).toBe(teamRow.team_id);
      expect((await members(teamRow.team_id)).map((m) => m.user_id)).toEqual([stayer]);
      const row = (await team(teamRow.team_id))!;
      expect([row.admins, row.members]).toEqual([[], [stayer]]);
      expect((await user(leaver.user_id))!.teams).toEqual([]);
      expect(await h.prisma.liteLLM_TeamMembership.count({ where: { team_id: teamRow.team_id } })).toBe(1);
      // LiteLLM keeps the member's keys.
      expect(
        await h.prisma.liteLLM_VerificationToken.findUnique({ where: { token: key.token } }),
      ).not.toBeNull();
      const again = await http()
        .post('/team/member_delete')
        .set(admin())
        .send({ team_id: teamRow.team_id, user_id: leaver.user_id });
      expect(again.status).toBe(400);
      expect(again.body.error.message).toBe('User not found in team');
      const neither = await http()
        .post('/team/member_delete')
        .set(admin())
        .send({ team_id: teamRow.team_id });
      expect(neither.status).toBe(400);
    });

    it('should change roles (legacy arrays follow) and give a member on the default budget a private copy', async () => {
      const teamId = uniq('team');
      const bob = uniq('bob');
      const carol = uniq('carol');
      await http()
        .post('/team/new')
        .set(admin())
        .send({
          team_id: teamId,
          team_member_budget: 10,
          members_with_roles: [
            { user_id: bob, role: 'user' },
            { user_id: carol, role: 'user' },
          ],
        })
        .expect(200);
      const defaultId = ((await team(teamId))!.metadata as Record<string, string>).team_member_budget_id;
      const res = await http()
        .post('/team/member_update')
        .set(admin())
        .send({ team_id: teamId, user_id: bob, role: 'admin', max_budget_in_team: 3, rpm_limit: 9 })
        .expect(200);
      expect(res.body).toEqual({
        team_id: teamId,
        user_id: bob,
        user_email: null,
        max_budget_in_team: 3,
        tpm_limit: null,
        rpm_limit: 9,
      });
      const row = (await team(teamId))!;
      expect(row.admins).toContain(bob);
      expect(row.members).not.toContain(bob);
      expect((await members(teamId)).find((m) => m.user_id === bob)!.role).toBe('admin');
      const bobs = await h.prisma.liteLLM_TeamMembership.findUniqueOrThrow({
        where: { user_id_team_id: { user_id: bob, team_id: teamId } },
        include: { litellm_budget_table: true },
      });
      expect(bobs.budget_id).not.toBe(defaultId);
      expect(bobs.litellm_budget_table).toMatchObject({ max_budget: 3, rpm_limit: BigInt(9) });
      const shared = await h.prisma.liteLLM_BudgetTable.findUniqueOrThrow({
        where: { budget_id: defaultId },
      });
      expect(shared.max_budget).toBe(10);
      // A second change updates bob's own row in place.
      await http()
        .post('/team/member_update')
        .set(admin())
        .send({ team_id: teamId, user_id: bob, max_budget_in_team: 4 })
        .expect(200);
      const again = await h.prisma.liteLLM_TeamMembership.findUniqueOrThrow({
        where: { user_id_team_id: { user_id: bob, team_id: teamId } },
        include: { litellm_budget_table: true },
      });
      expect([again.budget_id, again.litellm_budget_table?.max_budget]).toEqual([bobs.budget_id, 4]);
      // team/info shows where each member's budget comes from
      const info = await http().get('/team/info').query({ team_id: teamId }).set(admin()).expect(200);
      const sources = Object.fromEntries(
        info.body.team_memberships.map((m: { user_id: string; budget_source: string }) => [
          m.user_id,
          m.budget_source,
        ]),
      );
      expect(sources).toMatchObject({ [bob]: 'member', [carol]: 'team_default' });
      expect(info.body.team_info.team_member_budget_table.max_budget).toBe(10);
      // reset_budget puts bob back on the default, spend untouched
      await setTeamMembership(h.prisma, bob, teamId, { spend: 2.5 });
      const reset = await http()
        .post(`/team/${teamId}/member/${bob}/reset_budget`)
        .set(admin())
        .send({})
        .expect(200);
      expect(reset.body).toMatchObject({
        budget_id: defaultId,
        previous_budget_id: bobs.budget_id,
        budget_source: 'team_default',
      });
      const after = await h.prisma.liteLLM_TeamMembership.findUniqueOrThrow({
        where: { user_id_team_id: { user_id: bob, team_id: teamId } },
      });
      expect([after.budget_id, after.spend]).toEqual([defaultId, 2.5]);
      const stranger = await http()
        .post('/team/member_update')
        .set(admin())
        .send({ team_id: teamId, user_id: 'stranger-' + uniq(), role: 'admin' });
      expect(stranger.status).toBe(400);
      expect(stranger.body.error.message).toContain("User id doesn't exist in team table");
    });

    it('should reset a member spend down only, and refuse a team admin resetting themselves', async () => {
      const member = h.world.actors.OWNER.userId;
      await setTeamMembership(h.prisma, member, h.world.alpha, { spend: 8 });
      const up = await http()
        .post(`/team/${h.world.alpha}/member/${member}/reset_spend`)
        .set(bearer(h.world.actors.TEAM_ADMIN.key))
        .send({ reset_to: 9 });
      expect(up.status).toBe(400);
      const res = await http()
        .post(`/team/${h.world.alpha}/member/${member}/reset_spend`)
        .set(bearer(h.world.actors.TEAM_ADMIN.key))
        .send({ reset_to: 2 })
        .expect(200);
      expect(res.body).toMatchObject({
        team_id: h.world.alpha,
        user_id: member,
        previous_spend: 8,
        spend: 2,
      });
      expect(
        (
          await h.prisma.liteLLM_TeamMembership.findUniqueOrThrow({
            where: { user_id_team_id: { user_id: member, team_id: h.world.alpha } },
          })
        ).spend,
      ).toBe(2);
      const self = await http()
        .post(`/team/${h.world.alpha}/member/${h.world.actors.TEAM_ADMIN.userId}/reset_spend`)
        .set(bearer(h.world.actors.TEAM_ADMIN.key))
        .send({});
      expect(self.status).toBe(403);
      const selfBudget = await http()
        .post(`/team/${h.world.alpha}/member/${h.world.actors.TEAM_ADMIN.userId}/reset_budget`)
        .set(bearer(h.world.actors.TEAM_ADMIN.key))
        .send({});
      expect(selfBudget.status).toBe(403);
      const stranger = await http()
        .post(`/team/${h.world.alpha}/member/${h.world.actors.CROSS_ORG_USER.userId}/reset_spend`)
        .set(admin())
        .send({});
      expect(stranger.status).toBe(404);
      expect(
        (
          await http()
            .post(`/team/${h.world.alpha}/member/${member}/reset_spend`)
            .set(admin())
            .send({ reset_to: -1 })
        ).status,
      ).toBe(400);
    });

    it('should bulk add: limits, all_users, per-member failures with 200', async () => {
      const teamRow = await createTeam(h.prisma);
      expect(
        (
          await http()
            .post('/team/bulk_member_add')
            .set(admin())
            .send({ team_id: teamRow.team_id, members: [] })
        ).body.error.message,
      ).toBe('At least one member is required');
      const tooMany = Array.from({ length: 501 }, (_, i) => ({ user_id: `u${i}`, role: 'user' }));
      const big = await http()
        .post('/team/bulk_member_add')
        .set(admin())
        .send({ team_id: teamRow.team_id, members: tooMany });
      expect(big.status).toBe(400);
      expect(big.body.error.message).toBe('Maximum 500 members can be added at once');
      const shared = `${uniq('shared')}@x.io`;
      await createUser(h.prisma, 'internal_user', { user_email: shared });
      await createUser(h.prisma, 'internal_user', { user_email: shared });
      const ok = uniq('bulk-ok');
      const res = await http()
        .post('/team/bulk_member_add')
        .set(admin())
        .send({
          team_id: teamRow.team_id,
          members: [
            { user_id: ok, role: 'user' },
            { user_email: shared, role: 'user' },
          ],
          max_budget_in_team: 1,
        })
        .expect(200);
      expect(res.body).toMatchObject({
        team_id: teamRow.team_id,
        total_requested: 2,
        successful_additions: 1,
        failed_additions: 1,
      });
      expect(res.body.results[0]).toMatchObject({ user_id: ok, success: true });
      expect(res.body.results[0].updated_team_membership.litellm_budget_table.max_budget).toBe(1);
      expect(res.body.results[1].error).toContain('Multiple users');
      expect(res.body.updated_team.members_with_roles).toEqual([
        { user_id: ok, user_email: null, role: 'user' },
      ]);

      const everyone = await createTeam(h.prisma);
      const all = await http()
        .post('/team/bulk_member_add')
        .set(admin())
        .send({ team_id: everyone.team_id, all_users: true })
        .expect(200);
      const userCount = await h.prisma.liteLLM_UserTable.count();
      expect(all.body.total_requested).toBeGreaterThanOrEqual(userCount - 5);
      expect((await members(everyone.team_id)).length).toBe(all.body.successful_additions);
      // Leave the world's users in their own teams only (later tests list them).
      await http()
        .post('/team/delete')
        .set(admin())
        .send({ team_ids: [everyone.team_id] })
        .expect(200);
    });
  });

  describe('block, models, permissions', () => {
    it('should block and unblock a team: its keys are refused while blocked', async () => {
      const teamRow = await createTeam(h.prisma);
      const key = await createKey(h.prisma, { team_id: teamRow.team_id });
      await http().get('/key/info').set(bearer(key.raw)).expect(200);
      const res = await http()
        .post('/team/block')
        .set(admin())
        .send({ team_id: teamRow.team_id })
        .expect(200);
      expect(res.body.blocked).toBe(true);
      const refused = await http().get('/key/info').set(bearer(key.raw));
      expect(refused.status).toBe(401);
      expect(refused.body.error.message).toContain('is blocked');
      await http().post('/team/unblock').set(admin()).send({ team_id: teamRow.team_id }).expect(200);
      await http().get('/key/info').set(bearer(key.raw)).expect(200);
      expect((await audits(teamRow.team_id)).map((a) => a.action)).toEqual(['blocked', 'unblocked']);
      expect(
        (
          await http()
            .post('/team/block')
            .set(admin())
            .send({ team_id: 'nope-' + uniq() })
        ).status,
      ).toBe(404);
    });

    it('should add and delete team models', async () => {
      const allModels = await createTeam(h.prisma, { models: [] });
      const res = await http()
        .post('/team/model/add')
        .set(admin())
        .send({ team_id: allModels.team_id, models: ['gpt-4o', 'gpt-4o'] })
        .expect(200);
      expect(res.body.models).toEqual(['all-proxy-models', 'gpt-4o']);
      const some = await createTeam(h.prisma, { models: ['a', 'b'] });
      await http()
        .post('/team/model/add')
        .set(admin())
        .send({ team_id: some.team_id, models: ['c', 'a'] })
        .expect(200);
      expect((await team(some.team_id))!.models).toEqual(['a', 'b', 'c']);
      await http()
        .post('/team/model/delete')
        .set(admin())
        .send({ team_id: some.team_id, models: ['a', 'zz'] })
        .expect(200);
      expect((await team(some.team_id))!.models).toEqual(['b', 'c']);
      const last = await http()
        .post('/team/model/delete')
        .set(admin())
        .send({ team_id: some.team_id, models: ['b', 'c'] });
      expect(last.status).toBe(400);
      expect((await team(some.team_id))!.models).toEqual(['b', 'c']);
      expect(
        (
          await http()
            .post('/team/model/add')
            .set(admin())
            .send({ team_id: 'nope-' + uniq(), models: ['a'] })
        ).status,
      ).toBe(404);
    });

    it('should validate team_member_permissions', async () => {
      const teamRow = await createTeam(h.prisma);
      const res = await http()
        .post('/team/permissions_update')
        .set(admin())
        .send({ team_id: teamRow.team_id, team_member_permissions: ['/user/new'] });
      expect(res.status).toBe(400);
      await http()
        .post('/team/permissions_update')
        .set(admin())
        .send({ team_id: teamRow.team_id, team_member_permissions: ['/key/generate', '/key/info'] })
        .expect(200);
      const list = await http()
        .get('/team/permissions_list')
        .query({ team_id: teamRow.team_id })
        .set(admin())
        .expect(200);
      expect(list.body.team_member_permissions).toEqual(['/key/generate', '/key/info']);
      expect((await http().get('/team/permissions_list').set(admin())).status).toBe(422);
    });
  });

  describe('reads', () => {
    it('GET /team/info: the row, its live keys and memberships; 422 without team_id; 404 unknown', async () => {
      const teamRow = await createTeam(h.prisma, { members_with_roles: [{ user_id: 'x', role: 'user' }] });
      const live = await createKey(h.prisma, { team_id: teamRow.team_id });
      await createKey(h.prisma, { team_id: teamRow.team_id, expires: new Date(Date.now() - 1000) });
      const res = await http().get('/team/info').query({ team_id: teamRow.team_id }).set(admin()).expect(200);
      expect(res.body.team_id).toBe(teamRow.team_id);
      expect(res.body.team_info.team_alias).toBe(teamRow.team_alias);
      expect(res.body.keys.map((k: { token: string }) => k.token)).toEqual([live.token]);
      expect(res.body.team_memberships).toEqual([]);
      const missing = await http().get('/team/info').set(admin());
      expect(missing.status).toBe(422);
      expect(missing.body.error.message).toBe('Malformed request. No team id passed in.');
      const unknown = await http().get('/team/info').query({ team_id: 'nope' }).set(admin());
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.message).toBe('Team not found, passed team id: nope.');
      // a team key may read its own team
      await http().get('/team/info').query({ team_id: teamRow.team_id }).set(bearer(live.raw)).expect(200);
    });

    it('GET /team/list: admins see all (with keys and memberships), others only themselves', async () => {
      const res = await http()
        .get('/team/list')
        .query({ organization_id: h.world.orgA })
        .set(admin())
        .expect(200);
      const ids = res.body.map((r: { team_id: string }) => r.team_id);
      expect(ids).toEqual(expect.arrayContaining([h.world.alpha, h.world.gamma]));
      expect(ids).not.toContain(h.world.beta);
      const alpha = res.body.find((r: { team_id: string }) => r.team_id === h.world.alpha);
      expect(alpha.keys.length).toBeGreaterThan(0);
      expect(alpha.team_memberships.length).toBeGreaterThan(0);
      const mine = await http()
        .get('/team/list')
        .query({ user_id: h.world.actors.OWNER.userId })
        .set(bearer(h.world.actors.OWNER.key))
        .expect(200);
      expect(mine.body.map((r: { team_id: string }) => r.team_id)).toEqual([h.world.alpha]);
      for (const query of [{}, { user_id: h.world.actors.CROSS_ORG_USER.userId }]) {
        const res2 = await http().get('/team/list').query(query).set(bearer(h.world.actors.OWNER.key));
        expect(res2.status).toBe(401);
        expect(res2.body.error.message).toContain('Only admin users can query all teams/other teams');
      }
      const none = await http()
        .get('/team/list')
        .query({ organization_id: 'default_organization' })
        .set(admin())
        .expect(200);
      expect(none.body.every((r: { organization_id: string | null }) => r.organization_id === null)).toBe(
        true,
      );
    });

    it('GET /v2/team/list: paginated, filters, non-admins default to their teams', async () => {
      const org = uniq('org');
      await createOrganization(h.prisma, { organization_id: org });
      const ids = [uniq('v2-b'), uniq('v2-a')];
      for (const teamId of ids) await createTeam(h.prisma, { team_id: teamId, organization_id: org });
      const res = await http()
        .get('/v2/team/list')
        .query({ organization_id: org, page_size: 1, sort_by: 'team_id', sort_order: 'asc' })
        .set(admin())
        .expect(200);
      expect(res.body).toMatchObject({ page: 1, page_size: 1, total: 2, total_pages: 2 });
      expect(res.body.teams[0].team_id).toBe([...ids].sort()[0]);
      const newest = await http()
        .get('/v2/team/list')
        .query({ organization_id: org })
        .set(admin())
        .expect(200);
      expect(newest.body.teams.map((r: { team_id: string }) => r.team_id)).toEqual([ids[1], ids[0]]);
      const mine = await http()
        .get('/v2/team/list')
        .set(bearer(h.world.actors.CROSS_ORG_USER.key))
        .expect(200);
      expect(mine.body.teams.map((r: { team_id: string }) => r.team_id)).toEqual([h.world.beta]);
      expect(mine.body.teams[0].members_count).toBe(1);
      const other = await http()
        .get('/v2/team/list')
        .query({ user_id: h.world.actors.OWNER.userId })
        .set(bearer(h.world.actors.CROSS_ORG_USER.key));
      expect(other.status).toBe(401);
      expect(
        (
          await http()
            .get('/v2/team/list')
            .query({ user_id: 'nobody-' + uniq() })
            .set(admin())
        ).status,
      ).toBe(404);
      const alias = await http()
        .get('/v2/team/list')
        .query({ team_alias: h.world.beta.toUpperCase() })
        .set(admin())
        .expect(200);
      expect(alias.body.teams.map((r: { team_id: string }) => r.team_id)).toEqual([h.world.beta]);
    });

    it('GET /team/available: 400 while no team is configured for self-join', async () => {
      const res = await http().get('/team/available').set(bearer(h.world.actors.OWNER.key));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('No available teams for user to join');
    });

    it('GET /team/daily/activity: sums LiteLLM_DailyTeamSpend per day, with totals', async () => {
      const teamRow = await createTeam(h.prisma, {
        members_with_roles: [{ user_id: h.world.actors.OWNER.userId, role: 'user' }],
      });
      const rows = [
        { date: '2026-03-01', model: 'm1', spend: 1.5, api_requests: 2n, prompt_tokens: 10n },
        { date: '2026-03-01', model: 'm2', spend: 0.5, api_requests: 1n, prompt_tokens: 5n },
        { date: '2026-03-02', model: 'm1', spend: 2, api_requests: 4n, prompt_tokens: 20n },
        { date: '2026-04-01', model: 'm1', spend: 100, api_requests: 1n, prompt_tokens: 1n },
      ];
      for (const r of rows) {
        await createDailyTeamSpend(h.prisma, {
          team_id: teamRow.team_id,
          api_key: 'k1',
          custom_llm_provider: 'openai',
          ...r,
        });
      }
      const res = await http()
        .get('/team/daily/activity')
        .query({ team_ids: teamRow.team_id, start_date: '2026-03-01', end_date: '2026-03-31' })
        .set(bearer(h.world.actors.OWNER.key))
        .expect(200);
      expect(res.body.metadata).toMatchObject({
        total_spend: 4,
        total_api_requests: 7,
        total_prompt_tokens: 35,
        page: 1,
        total_pages: 1,
      });
      expect(res.body.results.map((d: { date: string }) => d.date)).toEqual(['2026-03-02', '2026-03-01']);
      const first = res.body.results[1];
      expect(first.metrics.spend).toBe(2);
      expect(first.breakdown.models.m1.metrics.spend).toBe(1.5);
      expect(first.breakdown.entities[teamRow.team_id].metadata.team_alias).toBe(teamRow.team_alias);
      const paged = await http()
        .get('/team/daily/activity')
        .query({
          team_ids: teamRow.team_id,
          start_date: '2026-03-01',
          end_date: '2026-03-31',
          page_size: 1,
          page: 2,
        })
        .set(admin())
        .expect(200);
      expect(paged.body.results.map((d: { date: string }) => d.date)).toEqual(['2026-03-01']);
      expect(paged.body.metadata).toMatchObject({ total_pages: 2, has_more: false, total_spend: 4 });
      for (const query of [
        { start_date: '2026-03-01' },
        { start_date: '2026-02-30', end_date: '2026-03-01' },
        { start_date: 'x', end_date: 'y' },
      ]) {
        expect((await http().get('/team/daily/activity').query(query).set(admin())).status).toBe(400);
      }
    });
  });

  describe('bad input', () => {
    it('should answer 4xx, never 500, for any body', async () => {
      const teamRow = await createTeam(h.prisma);
      const junk: unknown[] = [
        null,
        [],
        'text',
        42,
        { team_id: 5 },
        { team_id: teamRow.team_id, member: 'x' },
        { team_id: teamRow.team_id, member: { role: 'admin', user_id: 7 } },
        { team_id: teamRow.team_id, members_with_roles: 'x' },
        { team_id: teamRow.team_id, members_with_roles: [{ user_id: 'a' }] },
        { team_id: teamRow.team_id, max_budget: 'lots' },
        { team_id: teamRow.team_id, tpm_limit: 1.5 },
        { team_id: teamRow.team_id, tpm_limit: -1 },
        { team_id: teamRow.team_id, models: [1, 2] },
        { team_id: teamRow.team_id, models: 'gpt' },
        { team_id: teamRow.team_id, metadata: [] },
        { team_id: teamRow.team_id, team_ids: 'x' },
        { team_ids: [] },
        { team_ids: ['x'.repeat(300)] },
        { team_id: 'x'.repeat(300) },
        { team_id: teamRow.team_id, team_member_permissions: 'x' },
        { team_id: teamRow.team_id, user_id: {}, role: 'admin' },
        { team_id: teamRow.team_id, role: 'owner', user_id: 'x' },
        {
          team_id: teamRow.team_id,
          max_budget_in_team: -5,
          user_id: 'x',
          member: { user_id: 'x', role: 'user' },
        },
        { team_id: teamRow.team_id, organization_id: 3 },
        { team_id: teamRow.team_id, budget_duration: 'forever' },
        { team_id: teamRow.team_id, object_permission: { models: 'x' } },
        { team_id: teamRow.team_id, allowed_vector_store_indexes: 'x' },
        { team_id: teamRow.team_id, rpm_limit_type: 'fast' },
        { team_id: teamRow.team_id, reset_to: 'x' },
        { team_id: teamRow.team_id, members: [{ role: 'user' }], all_users: 'yes' },
      ];
      const routes = [
        '/team/new',
        '/team/update',
        '/team/delete',
        '/team/block',
        '/team/unblock',
        '/team/member_add',
        '/team/bulk_member_add',
        '/team/member_delete',
        '/team/member_update',
        '/team/model/add',
        '/team/model/delete',
        '/team/permissions_update',
        `/team/${teamRow.team_id}/member/x/reset_spend`,
        `/team/${teamRow.team_id}/member/x/reset_budget`,
      ];
      for (const route of routes) {
        for (const body of junk) {
          const res = await http()
            .post(route)
            .set(admin())
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body));
          expect({ route, body, status: res.status < 500 }).toEqual({ route, body, status: true });
        }
      }
      for (const raw of [
        `{"team_id":"${teamRow.team_id}","max_budget":1e999}`,
        `{"team_id":"${teamRow.team_id}","tpm_limit":99999999999999999999}`,
        '{"team_id": "x", "member": ',
      ]) {
        for (const route of ['/team/update', '/team/new', '/team/member_add']) {
          const res = await http().post(route).set(admin()).set('Content-Type', 'application/json').send(raw);
          expect({ route, raw, status: res.status < 500 }).toEqual({ route, raw, status: true });
        }
      }
      for (const query of [
        { team_id: ['a', 'b'] },
        { page: 0 },
        { page_size: 1000 },
        { sort_by: 'password' },
        { team_ids: 'a,'.repeat(200) },
        { start_date: '2026-01-01', end_date: '2026-01-02', page: -1 },
      ]) {
        for (const route of [
          '/team/info',
          '/team/list',
          '/v2/team/list',
          '/team/permissions_list',
          '/team/daily/activity',
        ]) {
          const res = await http().get(route).query(query).set(admin());
          expect({ route, query, status: res.status < 500 }).toEqual({ route, query, status: true });
        }
      }
    });

    it('should reject a body-shape error with 422', async () => {
      const res = await http()
        .post('/team/member_add')
        .set(admin())
        .send({ team_id: 'x', member: { role: 'boss' } });
      expect(res.status).toBe(422);
      expect((await http().post('/team/new').set(admin()).send({ tpm_limit: 'many' })).status).toBe(422);
      expect((await http().post('/team/delete').set(admin()).send({})).status).toBe(422);
    });
  });
});
