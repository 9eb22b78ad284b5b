import { hashApiKey } from '../src/platform/common/hashing';
import { MASTER_KEY, uniq } from './app.factory';
import { bearer, createKey, createTeam, createUser, updateKey } from './factories';
import { useE2e } from './harness';

describe('keys API', () => {
  const h = useE2e();
  const { http } = h;
  const admin = () => h.master;

  const generate = async (body: Record<string, unknown> = {}, auth = admin()) =>
    (await http().post('/key/generate').set(auth).send(body).expect(200)).body;

  describe('POST /key/generate', () => {
    it('should return the raw key once and store only its SHA-256 hash', async () => {
      const alias = uniq('alias');
      const body = await generate({
        key_alias: alias,
        models: ['gpt-4o'],
        max_budget: 10,
        tpm_limit: 1000,
        metadata: { team: 'x' },
      });
      expect(body.key).toMatch(/^sk-/);
      expect(body.token).toBe(hashApiKey(body.key));
      expect(body.token_id).toBe(body.token);
      expect(body.key_name).toBe(`sk-...${body.key.slice(-4)}`);
      expect(body).toMatchObject({
        key_alias: alias,
        models: ['gpt-4o'],
        max_budget: 10,
        tpm_limit: 1000,
        spend: 0,
        created_by: 'default_user_id',
      });
      const row = await h.prisma.liteLLM_VerificationToken.findUniqueOrThrow({
        where: { token: body.token },
      });
      expect(row.key_alias).toBe(alias);
      expect(JSON.stringify(row)).not.toContain(body.key);
      await http().get('/user/available_roles').set(bearer(body.key)).expect(200);
    });

    it('should set expires from duration exactly and budget_reset_at on a calendar boundary', async () => {
      const before = Date.now();
      const body = await generate({ duration: '1h', budget_duration: '30d' });
      const expires = new Date(body.expires).getTime();
      expect(expires).toBeGreaterThanOrEqual(before + 3600_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000);
      const reset = new Date(body.budget_reset_at);
      expect(reset.getUTCDate()).toBe(1);
      expect(reset.getUTCHours()).toBe(0);
    });

    it('should reject invalid durations with 400 naming the field, never a silent default', async () => {
      for (const [field, value] of [
        ['duration', '5x'],
        ['budget_duration', 'soon'],
        ['budget_duration', '0d'],
      ]) {
        const res = await http()
          .post('/key/generate')
          .set(admin())
          .send({ [field]: value })
          .expect(400);
        expect(res.body.error.param).toBe(field);
        expect(res.body.error.message).toContain(`Invalid ${field}`);
      }
    });

    it('should reject a duplicate alias with 400 and create nothing', async () => {
      const alias = uniq('dup');
      await generate({ key_alias: alias });
      const res = await http().post('/key/generate').set(admin()).send({ key_alias: alias }).expect(400);
      expect(res.body.error.message).toContain('already exists');
      expect(await h.prisma.liteLLM_VerificationToken.count({ where: { key_alias: alias } })).toBe(1);
    });

    it('should accept a custom sk- key and refuse other formats', async () => {
      const custom = `sk-${uniq('custom')}`;
      const body = await generate({ key: custom });
      expect(body.key).toBe(custom);
      expect(body.token).toBe(hashApiKey(custom));
      const res = await http()
        .post('/key/generate')
        .set(admin())
        .send({ key: 'abcdefghijklmnop' })
        .expect(400);
      expect(res.body.error.message).toBe(
        "Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: abcd****mnop",
      );
      await http().post('/key/generate').set(admin()).send({ key: 'sk-1' }).expect(400);
      await http().post('/key/generate').set(admin()).send({ key: custom }).expect(400);
    });

    it('should answer 422 for wrong types and 400 for negative budgets', async () => {
      const bad = await http()
        .post('/key/generate')
        .set(admin())
        .send({ models: 'gpt-4o', max_budget: 'ten' })
        .expect(422);
      expect(bad.body.detail.map((d: { loc: string[] }) => d.loc[1])).toEqual(
        expect.arrayContaining(['models', 'max_budget']),
      );
      const neg = await http().post('/key/generate').set(admin()).send({ max_budget: -1 }).expect(400);
      expect(neg.body.error.message).toBe('max_budget cannot be negative. Received: -1');
    });

    it('should seed allowed_routes from key_type and enforce it (403)', async () => {
      const body = await generate({ key_type: 'llm_api' });
      expect(body.allowed_routes).toEqual(['llm_api_routes']);
      const res = await http().post('/key/generate').set(bearer(body.key)).send({}).expect(403);
      expect(res.body.error.message).toContain('Virtual key is not allowed to call this route');
    });

    it('should default user_id to the caller for a non-admin and refuse keys for others (403)', async () => {
      const user = await createUser(h.prisma);
      const own = await generate({ user_id: user.user_id });
      const body = await generate({}, bearer(own.key));
      expect(body.user_id).toBe(user.user_id);
      const res = await http()
        .post('/key/generate')
        .set(bearer(own.key))
        .send({ user_id: 'someone-else' })
        .expect(403);
      expect(res.body.error.message).toContain('User can only create keys for themselves');
    });

    it('should link a soft_budget through a budget row', async () => {
      const body = await generate({ soft_budget: 5 });
      expect(body.budget_id).toEqual(expect.any(String));
      expect(body.litellm_budget_table).toMatchObject({ soft_budget: 5 });
    });

    it('should answer 404 for an unknown project and 400 for an unknown organization', async () => {
      await http().post('/key/generate').set(admin()).send({ project_id: 'nope' }).expect(404);
      const res = await http()
        .post('/key/generate')
        .set(admin())
        .send({ organization_id: 'nope' })
        .expect(400);
      expect(res.body.error.message).toBe('Organization not found for organization_id=nope');
    });

    it('should write an audit row with the key masked', async () => {
      const body = await generate({ key_alias: uniq('audited') });
      const audit = await h.prisma.liteLLM_AuditLog.findFirstOrThrow({
        where: { object_id: body.token, action: 'created' },
      });
      expect(audit.table_name).toBe('LiteLLM_VerificationToken');
      expect(JSON.stringify(audit.updated_values)).not.toContain(body.key);
    });
  });

  describe('POST /key/update', () => {
    it('should change only the fields sent', async () => {
      const key = await generate({ models: ['a'], metadata: { x: 1 }, key_alias: uniq('u') });
      const alias = uniq('renamed');
      const res = await http()
        .post('/key/update')
        .set(admin())
        .send({ key: key.key, key_alias: alias })
        .expect(200);
      expect(res.body).toMatchObject({ key: key.key, key_alias: alias, models: ['a'], metadata: { x: 1 } });
      const clear = await http()
        .post('/key/update')
        .set(admin())
        .send({ key: key.token, duration: '-1', models: [] })
        .expect(200);
      expect(clear.body).toMatchObject({ expires: null, models: [] });
    });

    it('should replace the metadata with the one sent, so {} clears it, keeping service_account_id', async () => {
      const key = await generate({ metadata: { x: 1, y: 2 } });
      const replaced = await http()
        .post('/key/update')
        .set(admin())
        .send({ key: key.key, metadata: { y: 3 }, tags: ['t'] })
        .expect(200);
      expect(replaced.body.metadata).toEqual({ y: 3, tags: ['t'] });
      await http().post('/key/update').set(admin()).send({ key: key.key, metadata: null }).expect(200);
      const kept = await h.prisma.liteLLM_VerificationToken.findUniqueOrThrow({
        where: { token: key.token },
      });
      expect(kept.metadata).toEqual({ y: 3, tags: ['t'] });
      await http().post('/key/update').set(admin()).send({ key: key.key, metadata: {} }).expect(200);
      const row = await h.prisma.liteLLM_VerificationToken.findUniqueOrThrow({ where: { token: key.token } });
      expect(row.metadata).toEqual({});

      const team = await http().post('/team/new').set(admin()).send({}).expect(200);
      const sa = (
        await http()
          .post('/key/service-account/generate')
          .set(admin())
          .send({ team_id: team.body.team_id, key_alias: uniq('sa'), metadata: { a: 1 } })
          .expect(200)
      ).body;
      const saId = sa.metadata.service_account_id;
      expect(saId).toBeTruthy();
      const cleared = await http()
        .post('/key/update')
        .set(admin())
        .send({ key: sa.key, metadata: {} })
        .expect(200);
      expect(cleared.body.metadata).toEqual({ service_account_id: saId });
      const changed = await http()
        .post('/key/update')
        .set(admin())
        .send({ key: sa.key, metadata: { service_account_id: 'other' } })
        .expect(400);
      expect(changed.body.error.message).toContain('service_account_id is immutable');
    });

    it('should answer 404 for an unknown key', async () => {
      const res = await http()
        .post('/key/update')
        .set(admin())
        .send({ key: 'sk-does-not-exist', models: [] })
        .expect(404);
      expect(res.body.error.type).toBe('not_found_error');
    });

    it('should require temp_budget_increase and temp_budget_expiry together (422)', async () => {
      const key = await generate();
      await http()
        .post('/key/update')
        .set(admin())
        .send({ key: key.key, temp_budget_increase: 5 })
        .expect(422);
    });
  });

  describe('POST /key/delete', () => {
    it('should archive the row with who deleted it and the litellm-changed-by header, then refuse the key', async () => {
      const key = await generate();
      await http()
        .post('/key/delete')
        .set(admin())
        .set('litellm-changed-by', 'ops-bot')
        .send({ keys: [key.key] })
        .expect(200, { deleted_keys: [key.key] });
      expect(await h.prisma.liteLLM_VerificationToken.findUnique({ where: { token: key.token } })).toBeNull();
      const archived = await h.prisma.liteLLM_DeletedVerificationToken.findFirstOrThrow({
        where: { token: key.token },
      });
      expect(archived).toMatchObject({
        deleted_by: 'default_user_id',
        deleted_by_api_key: hashApiKey(MASTER_KEY),
        litellm_changed_by: 'ops-bot',
      });
      await http().get('/user/available_roles').set(bearer(key.key)).expect(401);
    });

    it('should delete by alias, 404 on nothing found, and change nothing when one key is unknown', async () => {
      const a = await generate({ key_alias: uniq('del') });
      await http()
        .post('/key/delete')
        .set(admin())
        .send({ key_aliases: [a.key_alias] })
        .expect(200);
      await http()
        .post('/key/delete')
        .set(admin())
        .send({ keys: ['sk-nothing-here'] })
        .expect(404);
      const b = await generate();
      await http()
        .post('/key/delete')
        .set(admin())
        .send({ keys: [b.key, 'sk-nothing-here'] })
        .expect(404);
      expect(
        await h.prisma.liteLLM_VerificationToken.findUnique({ where: { token: b.token } }),
      ).not.toBeNull();
      await http().post('/key/delete').set(admin()).send({}).expect(422);
    });
  });

  describe('team keys by team members', () => {
    /** A team with an admin and two plain members, and a user who admins another team. */
    async function teamWithMembers(permissions: string[] = []) {
      const [admin_, member, mate, outsider] = await Promise.all(
        [0, 1, 2, 3].map(() => createUser(h.prisma)),
      );
      const team = await createTeam(h.prisma, {
        team_member_permissions: permissions,
        members_with_roles: [
          { user_id: admin_.user_id, role: 'admin' },
          { user_id: member.user_id, role: 'user' },
          { user_id: mate.user_id, role: 'user' },
        ],
      });
      const other = await createTeam(h.prisma, {
        members_with_roles: [{ user_id: outsider.user_id, role: 'admin' }],
      });
      const keyOf = async (userId: string, teamId: string | null = team.team_id) =>
        createKey(h.prisma, { user_id: userId, team_id: teamId });
      return {
        team,
        member: bearer((await keyOf(member.user_id)).raw),
        outsider: bearer((await keyOf(outsider.user_id, other.team_id)).raw),
        outsiderId: outsider.user_id,
        matesKey: () => keyOf(mate.user_id),
      };
    }

    it('should let a member delete team keys only when the team grants /key/delete (else 401)', async () => {
      const denied = await teamWithMembers();
      const kept = await denied.matesKey();
      const res = await http()
        .post('/key/delete')
        .set(denied.member)
        .send({ keys: [kept.raw] })
        .expect(401);
      expect(res.body.error).toMatchObject({ type: 'team_member_permission_error', param: '/key/delete' });
      expect(res.body.error.message).toContain(
        'Team member does not have permissions for endpoint: /key/delete',
      );
      await http()
        .post('/key/delete')
        .set(denied.outsider)
        .send({ keys: [kept.raw] })
        .expect(403);
      expect(await h.prisma.liteLLM_VerificationToken.count({ where: { token: kept.token } })).toBe(1);

      const granted = await teamWithMembers(['/key/info', '/key/delete']);
      const gone = await granted.matesKey();
      await http()
        .post('/key/delete')
        .set(granted.member)
        .send({ keys: [gone.raw] })
        .expect(200);
      expect(await h.prisma.liteLLM_VerificationToken.count({ where: { token: gone.token } })).toBe(0);
    });

    it("should refuse regenerating another team's key as not being in that team", async () => {
      const w = await teamWithMembers(['/key/regenerate']);
      const key = await w.matesKey();
      const res = await http().post('/key/regenerate').set(w.outsider).send({ key: key.raw }).expect(401);
      expect(res.body.error.message).toContain(`User=${w.outsiderId} not assigned to team=${w.team.team_id}`);
      expect(res.body.error.message).not.toContain('Team member does not have permissions');
      // a member of the team is still told about the team's permissions
      const bare = await teamWithMembers();
      const mine = await bare.matesKey();
      const member = await http()
        .post('/key/regenerate')
        .set(bare.member)
        .send({ key: mine.raw })
        .expect(401);
      expect(member.body.error.message).toContain(
        'Team member does not have permissions for endpoint: /key/regenerate',
      );
    });
  });

  describe('block, reset_spend, info, list, regenerate, health', () => {
    it('should block and unblock, returning the row with the token hash', async () => {
      const key = await generate();
      const res = await http().post('/key/block').set(admin()).send({ key: key.key }).expect(200);
      expect(res.body).toMatchObject({ token: key.token, blocked: true });
      await http().get('/user/available_roles').set(bearer(key.key)).expect(401);
      await http().post('/key/unblock').set(admin()).send({ key: key.token }).expect(200);
      await http().get('/user/available_roles').set(bearer(key.key)).expect(200);
      await http().post('/key/block').set(admin()).send({ key: 'not-a-key' }).expect(400);
      const actions = await h.prisma.liteLLM_AuditLog.findMany({
        where: { object_id: key.token },
        select: { action: true },
      });
      expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['blocked', 'unblocked']));
    });

    it('should reset spend within bounds', async () => {
      const key = await generate({ max_budget: 100 });
      await updateKey(h.prisma, key.token, { spend: 42 });
      await http().post(`/key/${key.key}/reset_spend`).set(admin()).send({ reset_to: 50 }).expect(400);
      await http().post(`/key/${key.key}/reset_spend`).set(admin()).send({ reset_to: -1 }).expect(400);
      await http().post(`/key/${key.key}/reset_spend`).set(admin()).send({ reset_to: 'x' }).expect(422);
      const res = await http()
        .post(`/key/${key.key}/reset_spend`)
        .set(admin())
        .send({ reset_to: 2 })
        .expect(200);
      expect(res.body).toMatchObject({ key_hash: key.token, spend: 2, previous_spend: 42, max_budget: 100 });
      await http().post('/key/sk-unknown-xyz/reset_spend').set(admin()).send({ reset_to: 0 }).expect(404);
    });

    it('should show key info without the token, for the key itself by default', async () => {
      const key = await generate({ key_alias: uniq('info') });
      const own = await http().get('/key/info').set(bearer(key.key)).expect(200);
      expect(own.body.key).toBe(key.token);
      expect(own.body.info.token).toBeUndefined();
      expect(own.body.info.key_alias).toBe(key.key_alias);
      const byKey = await http().get('/key/info').query({ key: key.key }).set(admin()).expect(200);
      expect(byKey.body.key).toBe(key.key);
      await http().get('/key/info').query({ key: 'sk-missing-key' }).set(admin()).expect(404);
      const v2 = await http()
        .post('/v2/key/info')
        .set(admin())
        .send({ keys: [key.key] })
        .expect(200);
      expect(v2.body.info[0].token).toBe(key.token);
    });

    it('should list keys with pagination totals, filters and sort validation', async () => {
      const user = await createUser(h.prisma);
      for (let i = 0; i < 3; i++) await generate({ user_id: user.user_id });
      const page = await http()
        .get('/key/list')
        .query({ user_id: user.user_id, size: 2 })
        .set(admin())
        .expect(200);
      expect(page.body).toMatchObject({ total_count: 3, current_page: 1, total_pages: 2 });
      expect(page.body.keys).toHaveLength(2);
      expect(typeof page.body.keys[0]).toBe('string');
      const full = await http()
        .get('/key/list')
        .query({ user_id: user.user_id, return_full_object: 'true', page: 2, size: 2 })
        .set(admin())
        .expect(200);
      expect(full.body.keys).toHaveLength(1);
      expect(full.body.keys[0].user_id).toBe(user.user_id);
      await http().get('/key/list').query({ sort_by: 'nope' }).set(admin()).expect(400);
      await http().get('/key/list').query({ size: 101 }).set(admin()).expect(422);
      await http().get('/key/list').query({ status: 'active' }).set(admin()).expect(400);
    });

    it('should regenerate: new key works, old key refused without a grace period', async () => {
      const key = await generate();
      const res = await http().post('/key/regenerate').set(admin()).send({ key: key.key }).expect(200);
      expect(res.body.key).not.toBe(key.key);
      expect(res.body.token).toBe(hashApiKey(res.body.key));
      expect(res.body.rotation_count).toBe(1);
      await http().get('/user/available_roles').set(bearer(key.key)).expect(401);
      await http().get('/user/available_roles').set(bearer(res.body.key)).expect(200);
      expect(await h.prisma.liteLLM_DeletedVerificationToken.count({ where: { token: key.token } })).toBe(1);
      await http().post('/key/regenerate').set(admin()).send({}).expect(400);
      await http().post('/key/sk-ghost-key-1/regenerate').set(admin()).send({}).expect(404);
    });

    it('should keep the old key working during the grace period, then refuse it', async () => {
      const key = await generate();
      const res = await http()
        .post(`/key/${key.key}/regenerate`)
        .set(admin())
        .send({ grace_period: '1h' })
        .expect(200);
      await http().get('/user/available_roles').set(bearer(key.key)).expect(200);
      await http().get('/user/available_roles').set(bearer(res.body.key)).expect(200);
      const deprecated = await h.prisma.liteLLM_DeprecatedVerificationToken.findUniqueOrThrow({
        where: { token: key.token },
      });
      expect(deprecated.active_token_id).toBe(res.body.token);
      await http()
        .post(`/key/${res.body.key}/regenerate`)
        .set(admin())
        .send({ grace_period: 'whenever' })
        .expect(200);
    });

    it('should answer key health for the caller key', async () => {
      const key = await generate();
      await http()
        .post('/key/health')
        .set(bearer(key.key))
        .expect(200, { key: 'healthy', logging_callbacks: null });
    });

    it('should only let proxy admins bulk update, with per-key results', async () => {
      const a = await generate();
      const res = await http()
        .post('/key/bulk_update')
        .set(admin())
        .send({ keys: [{ key: a.key, max_budget: 3 }, { key: 'sk-nope-nope' }] })
        .expect(200);
      expect(res.body.total_requested).toBe(2);
      expect(res.body.successful_updates).toHaveLength(1);
      expect(res.body.failed_updates[0].failed_reason).toContain('not found');
      await http().post('/key/bulk_update').set(admin()).send({ keys: [] }).expect(400);
      const user = await createUser(h.prisma);
      const own = await generate({ user_id: user.user_id });
      await http()
        .post('/key/bulk_update')
        .set(bearer(own.key))
        .send({ keys: [{ key: a.key }] })
        .expect(403);
    });
  });
});
