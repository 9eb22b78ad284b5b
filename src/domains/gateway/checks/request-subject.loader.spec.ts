import type { AppConfig } from '../../../platform/config/app-config';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { uniq } from '../../../../test/app.factory';
import {
  addTeamMember,
  createAccessGroup,
  createBudget,
  createCustomer,
  createKey,
  createOrganization,
  createProject,
  createTag,
  createTeam,
  createUser,
} from '../../../../test/factories';
import { loadEndUser, loadRequestSubject, loadTagBudgets } from './request-subject.loader';

/** The loaders against the real schema: rows seeded with the test factories, read back field by field. */
describe('request subject loader', () => {
  let prisma: PrismaService;

  beforeAll(() => {
    prisma = new PrismaService({ databaseUrl: process.env.DATABASE_URL, databasePoolSize: 2 } as AppConfig);
  });
  afterAll(() => prisma.onApplicationShutdown());

  /** A team model-alias row (LiteLLM_ModelTable) as /team/new writes it for `model_aliases`. */
  const createModelAliases = (aliases: Record<string, string>) =>
    prisma.liteLLM_ModelTable.create({
      data: { model_aliases: aliases, created_by: 'test', updated_by: 'test' },
    });

  it('should load a team key with its team, membership budget, owner, organization and project', async () => {
    const org = await createOrganization(prisma, { models: ['org-model'] }, { max_budget: 100 });
    const teamGroup = await createAccessGroup(prisma, { access_model_names: ['team-ag-model'] });
    const keyGroup = await createAccessGroup(prisma, { access_model_names: ['key-ag-1', 'key-ag-2'] });
    const aliasRow = await createModelAliases({ 'public-name': 'gpt-4o' });
    const defaultBudget = await createBudget(prisma, { max_budget: 99 });
    const team = await createTeam(prisma, {
      roster: [],
      organization_id: org.organization_id,
      models: ['gpt-4o', 'openai/*'],
      max_budget: 50,
      rpm_limit: 600n,
      tpm_limit: 60_000n,
      max_parallel_requests: 4,
      access_group_ids: [teamGroup.access_group_id],
      model_id: aliasRow.id,
      metadata: { team_member_budget_id: defaultBudget.budget_id },
    });
    const user = await createUser(prisma, 'internal_user', {
      models: ['user-model'],
      max_budget: 20,
      rpm_limit: 30n,
      tpm_limit: 3000n,
    });
    const memberBudget = await createBudget(prisma, {
      max_budget: 5,
      rpm_limit: 7n,
      tpm_limit: 700n,
      allowed_models: ['gpt-4o'],
    });
    await addTeamMember(prisma, team.team_id, user.user_id, { budget_id: memberBudget.budget_id });
    const projectBudget = await createBudget(prisma, { max_budget: 12.5 });
    const project = await createProject(prisma, {
      models: ['proj-model'],
      budget_id: projectBudget.budget_id,
    });
    const keyBudget = await createBudget(prisma, {
      max_budget: 8,
      rpm_limit: 11n,
      tpm_limit: 1100n,
      max_parallel_requests: 2,
    });
    const expiry = new Date(Date.now() + 3_600_000).toISOString().replace('Z', '');
    const { token } = await createKey(prisma, {
      key_alias: 'my-key',
      user_id: user.user_id,
      team_id: team.team_id,
      project_id: project.project_id,
      budget_id: keyBudget.budget_id,
      models: ['gpt-4o', 'all-team-models'],
      aliases: { short: 'gpt-4o' },
      access_group_ids: [keyGroup.access_group_id],
      model_max_budget: {
        'gpt-4o': { max_budget: '3.5', budget_duration: '1d' },
        other: { budget_limit: 1 },
      },
      metadata: {
        tags: ['prod', 7],
        model_rpm_limit: { 'gpt-4o': 5 },
        model_tpm_limit: { 'gpt-4o': '500' },
        temp_budget_increase: 10,
        temp_budget_expiry: expiry,
      },
    });

    const subject = await loadRequestSubject(prisma, token);

    expect(subject?.key).toEqual({
      token,
      alias: 'my-key',
      userId: user.user_id,
      teamId: team.team_id,
      organizationId: null,
      projectId: project.project_id,
      models: ['gpt-4o', 'all-team-models'],
      aliases: { short: 'gpt-4o' },
      accessGroupIds: [keyGroup.access_group_id],
      accessGroupModels: ['key-ag-1', 'key-ag-2'],
      modelMaxBudget: { 'gpt-4o': { budget_limit: 3.5, time_period: '1d' }, other: { budget_limit: 1 } },
      modelRpm: { 'gpt-4o': 5 },
      modelTpm: { 'gpt-4o': 500 },
      tags: ['prod'],
      tempBudgetIncrease: { amount: 10, expiresAt: Date.parse(`${expiry}Z`) },
      // the key's own columns are null: its budget row's values
      maxBudget: 8,
      rpm: 11,
      tpm: 1100,
      maxParallel: 2,
    });
    expect(subject?.team).toEqual({
      id: team.team_id,
      alias: team.team_alias,
      models: ['gpt-4o', 'openai/*'],
      modelAliases: { 'public-name': 'gpt-4o' },
      accessGroupIds: [teamGroup.access_group_id],
      accessGroupModels: ['team-ag-model'],
      organizationId: org.organization_id,
      maxBudget: 50,
      rpm: 600,
      tpm: 60_000,
      maxParallel: 4,
      // the membership's own budget wins over the team default
      member: { maxBudget: 5, rpm: 7, tpm: 700, maxParallel: null, allowedModels: ['gpt-4o'] },
    });
    expect(subject?.user).toEqual({
      id: user.user_id,
      models: ['user-model'],
      maxBudget: 20,
      rpm: 30,
      tpm: 3000,
      maxParallel: null,
    });
    // the key has no organization_id: its team's
    expect(subject?.organization).toEqual({ id: org.organization_id, maxBudget: 100, models: ['org-model'] });
    expect(subject?.project).toEqual({ id: project.project_id, maxBudget: 12.5, models: ['proj-model'] });
  });

  it("should fall back to the team's default member budget without scoping models by it", async () => {
    const defaultBudget = await createBudget(prisma, { max_budget: 3, rpm_limit: 9n, allowed_models: ['x'] });
    const team = await createTeam(prisma, {
      roster: [],
      metadata: { team_member_budget_id: defaultBudget.budget_id },
    });
    const user = await createUser(prisma);
    await addTeamMember(prisma, team.team_id, user.user_id);
    const { token } = await createKey(prisma, { user_id: user.user_id, team_id: team.team_id });

    const subject = await loadRequestSubject(prisma, token);

    expect(subject?.team?.member).toEqual({
      maxBudget: 3,
      rpm: 9,
      tpm: null,
      maxParallel: null,
      allowedModels: [],
    });
    expect(subject?.team?.modelAliases).toEqual({});
    expect(subject?.team?.accessGroupModels).toEqual([]);
  });

  it("should prefer the key's own limits to its budget row and read a personal key without team", async () => {
    const keyBudget = await createBudget(prisma, { max_budget: 8, rpm_limit: 11n });
    const org = await createOrganization(prisma, {}, { max_budget: null });
    const { token } = await createKey(prisma, {
      budget_id: keyBudget.budget_id,
      max_budget: 1.25,
      rpm_limit: 3n,
      organization_id: org.organization_id,
      metadata: { temp_budget_increase: 5 },
    });

    const subject = await loadRequestSubject(prisma, token);

    expect(subject?.key).toMatchObject({
      maxBudget: 1.25,
      rpm: 3,
      tpm: null,
      maxParallel: null,
      userId: null,
      models: [],
      aliases: {},
      accessGroupModels: [],
      modelMaxBudget: {},
      modelRpm: {},
      tags: [],
      // an increase without its expiry does not apply
      tempBudgetIncrease: null,
    });
    expect(subject?.team).toBeNull();
    expect(subject?.user).toBeNull();
    expect(subject?.project).toBeNull();
    expect(subject?.organization).toEqual({ id: org.organization_id, maxBudget: null, models: [] });
  });

  it('should drop __proto__ entries of JSON columns instead of replacing a map prototype', async () => {
    const { token } = await createKey(prisma);
    // Prisma's client leaves a `__proto__` key out of the JSON it writes; another writer may not.
    await prisma.$executeRaw`
      UPDATE "LiteLLM_VerificationToken"
      SET aliases = '{"__proto__": "gpt-4o", "short": "gpt-4o"}'::jsonb,
          model_max_budget = '{"__proto__": {"budget_limit": 1}, "gpt-4o": {"budget_limit": 2}}'::jsonb
      WHERE token = ${token}`;

    const subject = await loadRequestSubject(prisma, token);

    expect(Object.keys(subject!.key.aliases)).toEqual(['short']);
    expect(Object.getPrototypeOf(subject!.key.modelMaxBudget)).toBe(Object.prototype);
    expect(Object.keys(subject!.key.modelMaxBudget)).toEqual(['gpt-4o']);
  });

  it('should answer undefined for a key that does not exist', async () => {
    await expect(loadRequestSubject(prisma, uniq('no-such-hash'))).resolves.toBeUndefined();
  });

  it('should load an end user with its budget row, and undefined for an unknown one', async () => {
    const budget = await createBudget(prisma, { max_budget: 2, rpm_limit: 5n, tpm_limit: 50n });
    const blocked = await createCustomer(prisma, { budget_id: budget.budget_id, blocked: true });
    const plain = await createCustomer(prisma);

    await expect(loadEndUser(prisma, blocked.user_id)).resolves.toEqual({
      id: blocked.user_id,
      blocked: true,
      maxBudget: 2,
      rpm: 5,
      tpm: 50,
      maxParallel: null,
    });
    await expect(loadEndUser(prisma, plain.user_id)).resolves.toEqual({
      id: plain.user_id,
      blocked: false,
      maxBudget: null,
      rpm: null,
      tpm: null,
      maxParallel: null,
    });
    await expect(loadEndUser(prisma, uniq('nobody'))).resolves.toBeUndefined();
  });

  it('should list the tags that have a max budget', async () => {
    const budget = await createBudget(prisma, { max_budget: 4 });
    const withBudget = await createTag(prisma, { budget_id: budget.budget_id });
    const withoutMax = await createTag(prisma, { budget_id: (await createBudget(prisma)).budget_id });
    const bare = await createTag(prisma);

    const budgets = await loadTagBudgets(prisma);

    expect(budgets.get(withBudget.tag_name)).toBe(4);
    expect(budgets.has(withoutMax.tag_name)).toBe(false);
    expect(budgets.has(bare.tag_name)).toBe(false);
  });
});
