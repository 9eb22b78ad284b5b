import { uniq } from './app.factory';
import { createKey, createUserWithKey } from './factories';
import { useE2e } from './harness';

/**
 * Duration fields are checked by the request DTO (@DurationField), before the handler runs: a caller
 * the handler would refuse still learns first that the duration is unusable (LiteLLM's 400, naming
 * the field), and nothing is looked up or written. The route gate (credentials, route groups) stays
 * first, as in LiteLLM, where authentication is a dependency resolved before the body.
 */
describe('duration fields are validated before any access check', () => {
  const h = useE2e({ world: true });
  const { http, as } = h;
  const message = (field: string, value: string) =>
    `Invalid ${field} '${value}'. Use a format like '1h', '24h', '7d', or '30d'.`;

  /**
   * The same call with a good duration is refused by the handler's access check (`refusal`: status
   * and the start of the message); with a bad duration it is the duration's 400.
   */
  async function expectDurationFirst(
    path: string,
    caller: Record<string, string>,
    body: Record<string, unknown>,
    [field, bad, good]: [string, string, string],
    refusal: [number, string],
  ) {
    const refused = await http()
      .post(path)
      .set(caller)
      .send({ ...body, [field]: good });
    expect([
      path,
      field,
      refused.status,
      String(refused.body.error?.message).slice(0, refusal[1].length),
    ]).toEqual([path, field, ...refusal]);
    const res = await http()
      .post(path)
      .set(caller)
      .send({ ...body, [field]: bad });
    expect({ path, field, status: res.status }).toEqual({ path, field, status: 400 });
    expect(res.body.error).toMatchObject({
      message: message(field, bad),
      type: 'bad_request_error',
      param: field,
      code: '400',
    });
  }

  it("should answer a team member's update of the team with the duration error, not the 403", async () => {
    const body = { team_id: h.world.alpha };
    const refusal: [number, string] = [403, 'You do not have access to this team.'];
    await expectDurationFirst(
      '/team/update',
      as('INTERNAL_USER'),
      body,
      ['budget_duration', 'soon', '7d'],
      refusal,
    );
    await expectDurationFirst(
      '/team/update',
      as('INTERNAL_USER'),
      body,
      ['team_member_budget_duration', '0d', '1d'],
      refusal,
    );
    const row = await h.prisma.liteLLM_TeamTable.findUniqueOrThrow({ where: { team_id: h.world.alpha } });
    expect(row.budget_duration).toBeNull();
  });

  it("should answer a key for another team or another user's key with the duration error, not the refusal", async () => {
    const alias = uniq('dur');
    const foreignTeam = { team_id: h.world.beta, key_alias: alias };
    const notInTeam: [number, string] = [
      400,
      `User=${h.world.actors.INTERNAL_USER.userId} not assigned to team=${h.world.beta}`,
    ];
    await expectDurationFirst(
      '/key/generate',
      as('INTERNAL_USER'),
      foreignTeam,
      ['duration', '5x', '1h'],
      notInTeam,
    );
    await expectDurationFirst(
      '/key/generate',
      as('INTERNAL_USER'),
      foreignTeam,
      ['budget_duration', '2mo', '1mo'],
      notInTeam,
    );
    expect(await h.prisma.liteLLM_VerificationToken.count({ where: { key_alias: alias } })).toBe(0);

    const other = await createUserWithKey(h.prisma);
    const { token } = await createKey(h.prisma, { user_id: other.userId });
    await expectDurationFirst(
      '/key/update',
      as('INTERNAL_USER'),
      { key: token },
      ['rotation_interval', '0d', '30d'],
      [403, 'User can only create keys for themselves.'],
    );
  });

  it('should answer a project for another team with the duration error, not the 403', async () => {
    const projectId = uniq('project');
    await expectDurationFirst(
      '/project/new',
      as('TEAM_ADMIN'),
      { team_id: h.world.beta, project_id: projectId },
      ['budget_duration', 'often', '30d'],
      [403, 'Only admins or team admins can create projects.'],
    );
    expect(await h.prisma.liteLLM_ProjectTable.count({ where: { project_id: projectId } })).toBe(0);
  });

  it('should answer a user update of another user with the duration error, not the 403', async () => {
    const other = await createUserWithKey(h.prisma);
    await expectDurationFirst(
      '/user/update',
      as('ORG_ADMIN'),
      { user_id: other.userId, organization_id: h.world.orgA },
      ['budget_duration', 'forever', '1d'],
      [403, 'User does not have permission to update this user.'],
    );
  });

  it('should still check credentials and the route gate first, as LiteLLM does', async () => {
    await http().post('/team/update').send({ team_id: h.world.alpha, budget_duration: 'soon' }).expect(401);
    const res = await http()
      .post('/budget/new')
      .set(as('INTERNAL_USER'))
      .send({ budget_id: uniq('budget'), budget_duration: 'soon' });
    expect([401, 403]).toContain(res.status);
    expect(res.body.error.param).not.toBe('budget_duration');
  });
});
