import { Prisma } from '@prisma/client';
import { randomBytes, randomUUID } from 'node:crypto';
import { hashApiKey } from '../src/platform/common/hashing';
import type { PrismaService } from '../src/platform/prisma/prisma.service';
import { uniq } from './app.factory';

/**
 * Factories for the rows e2e tests seed, written the way LiteLLM writes them. Each takes the
 * Prisma client, fills unique ids and the required columns, and lets the caller override any
 * column. Tests go through these instead of writing with Prisma themselves.
 */

type Data<T> = Partial<T> & Record<string, unknown>;

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

// ---------------------------------------------------------------- users

/** A user row the way LiteLLM writes it. */
export async function createUser(
  prisma: PrismaService,
  role: string | null = 'internal_user',
  extra: Data<Prisma.LiteLLM_UserTableUncheckedCreateInput> = {},
) {
  return prisma.liteLLM_UserTable.create({ data: { user_id: uniq('user'), user_role: role, ...extra } });
}

export async function updateUser(
  prisma: PrismaService,
  userId: string,
  data: Prisma.LiteLLM_UserTableUncheckedUpdateInput,
) {
  return prisma.liteLLM_UserTable.update({ where: { user_id: userId }, data });
}

/** A user with one personal key: the usual caller of a test. */
export async function createUserWithKey(
  prisma: PrismaService,
  role: string | null = 'internal_user',
  extra: Data<Prisma.LiteLLM_UserTableUncheckedCreateInput> = {},
) {
  const user = await createUser(prisma, role, extra);
  const { raw, token } = await createKey(prisma, { user_id: user.user_id });
  return { user, userId: user.user_id, key: raw, token, headers: bearer(raw) };
}

// ---------------------------------------------------------------- keys

/** A raw `sk-` key and its stored form (sha256 hex), without writing anything. */
export function newRawKey() {
  const raw = `sk-${randomBytes(16).toString('base64url')}`;
  return { raw, token: hashApiKey(raw) };
}

/**
 * A virtual key row the way LiteLLM writes it: token = sha256 hex of the raw `sk-` key.
 * Returns the raw key (what a client sends) and the hash.
 */
export async function createKey(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_VerificationTokenUncheckedCreateInput> = {},
) {
  const { raw, token } = newRawKey();
  await prisma.liteLLM_VerificationToken.create({
    data: { token, models: [], key_name: `sk-...${raw.slice(-4)}`, ...data },
  });
  return { raw, token };
}

/** A key whose object permission is `permission` (e.g. `{ mcp_servers: [...] }`), with `keyFields`. */
export async function createKeyWithPermission(
  prisma: PrismaService,
  permission: Data<Prisma.LiteLLM_ObjectPermissionTableUncheckedCreateInput>,
  keyFields: Data<Prisma.LiteLLM_VerificationTokenUncheckedCreateInput> = {},
) {
  const { object_permission_id } = await prisma.liteLLM_ObjectPermissionTable.create({ data: permission });
  return createKey(prisma, { object_permission_id, ...keyFields });
}

/** An MCP server name without LiteLLM's tool-prefix separator (`-`), unique per run. */
export const mcpServerName = (label: string) => `${label}_${uniq('').replace(/-/g, '_')}`;

export const createBlockedKey = (
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_VerificationTokenUncheckedCreateInput> = {},
) => createKey(prisma, { blocked: true, ...data });

export const createExpiredKey = (
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_VerificationTokenUncheckedCreateInput> = {},
) => createKey(prisma, { expires: new Date(Date.now() - 60_000), ...data });

/** A key linked to a budget row of its own (LiteLLM_BudgetTable), e.g. `{ max_budget: 1 }`. */
export async function createKeyWithBudget(
  prisma: PrismaService,
  budget: Data<Prisma.LiteLLM_BudgetTableUncheckedCreateInput> = {},
  data: Data<Prisma.LiteLLM_VerificationTokenUncheckedCreateInput> = {},
) {
  const row = await createBudget(prisma, budget);
  return { ...(await createKey(prisma, { budget_id: row.budget_id, ...data })), budget: row };
}

export async function updateKey(
  prisma: PrismaService,
  token: string,
  data: Prisma.LiteLLM_VerificationTokenUncheckedUpdateInput,
) {
  return prisma.liteLLM_VerificationToken.update({ where: { token }, data });
}

/** A rotated-out key in its grace period: `token` (old hash) answers for `active_token_id` until `revoke_at`. */
export async function createDeprecatedKey(
  prisma: PrismaService,
  data: Prisma.LiteLLM_DeprecatedVerificationTokenUncheckedCreateInput,
) {
  return prisma.liteLLM_DeprecatedVerificationToken.create({ data });
}

export async function updateDeprecatedKey(
  prisma: PrismaService,
  token: string,
  data: Prisma.LiteLLM_DeprecatedVerificationTokenUncheckedUpdateInput,
) {
  return prisma.liteLLM_DeprecatedVerificationToken.update({ where: { token }, data });
}

// ---------------------------------------------------------------- budgets

export async function createBudget(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_BudgetTableUncheckedCreateInput> = {},
) {
  return prisma.liteLLM_BudgetTable.create({ data: { created_by: 'test', updated_by: 'test', ...data } });
}

// ---------------------------------------------------------------- organizations

/**
 * An organization row. LiteLLM requires a budget row: one is created from `budget` unless
 * `budget_id` is given.
 */
export async function createOrganization(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_OrganizationTableUncheckedCreateInput> = {},
  budget: Data<Prisma.LiteLLM_BudgetTableUncheckedCreateInput> = {},
) {
  const organizationId = data.organization_id ?? uniq('org');
  const budgetId = data.budget_id ?? (await createBudget(prisma, budget)).budget_id;
  return prisma.liteLLM_OrganizationTable.create({
    data: {
      organization_id: organizationId,
      organization_alias: organizationId,
      created_by: 'test',
      updated_by: 'test',
      ...data,
      budget_id: budgetId,
    },
  });
}

/** A user's membership of an organization (created, or its columns set if it exists). */
export async function addOrgMember(
  prisma: PrismaService,
  userId: string,
  organizationId: string,
  extra: Omit<Prisma.LiteLLM_OrganizationMembershipUncheckedCreateInput, 'user_id' | 'organization_id'> = {},
) {
  return prisma.liteLLM_OrganizationMembership.upsert({
    where: { user_id_organization_id: { user_id: userId, organization_id: organizationId } },
    create: { user_id: userId, organization_id: organizationId, user_role: 'internal_user', ...extra },
    update: extra,
  });
}

/** Takes a user out of an organization (the membership row only), e.g. to undo a test's addOrgMember. */
export async function removeOrgMember(prisma: PrismaService, userId: string, organizationId: string) {
  return prisma.liteLLM_OrganizationMembership.delete({
    where: { user_id_organization_id: { user_id: userId, organization_id: organizationId } },
  });
}

// ---------------------------------------------------------------- teams

export interface TeamMember {
  user_id: string;
  role: 'admin' | 'user';
  user_email?: string | null;
}

/**
 * A team row. `roster` fills members_with_roles (entries as given) and the legacy admins/members
 * arrays from it; any column can still be set directly. No user rows or memberships are touched:
 * see addTeamMember for a member in every place LiteLLM keeps one.
 */
export async function createTeam(
  prisma: PrismaService,
  extra: Data<Prisma.LiteLLM_TeamTableUncheckedCreateInput> & { roster?: TeamMember[] } = {},
) {
  const { roster, ...data } = extra;
  const fromRoster = roster
    ? {
        members_with_roles: roster as unknown as Prisma.InputJsonValue,
        admins: roster.filter((m) => m.role === 'admin').map((m) => m.user_id),
        members: roster.filter((m) => m.role !== 'admin').map((m) => m.user_id),
      }
    : {};
  return prisma.liteLLM_TeamTable.create({
    data: { team_id: uniq('team'), team_alias: uniq('alias'), ...fromRoster, ...data },
  });
}

export async function updateTeam(
  prisma: PrismaService,
  teamId: string,
  data: Prisma.LiteLLM_TeamTableUncheckedUpdateInput,
) {
  return prisma.liteLLM_TeamTable.update({ where: { team_id: teamId }, data });
}

/** Removes a team row behind the API's back (no archive, no key clean-up): a team id left dangling. */
export async function deleteTeamRow(prisma: PrismaService, teamId: string) {
  return prisma.liteLLM_TeamTable.delete({ where: { team_id: teamId } });
}

/** A user's LiteLLM_TeamMembership row (created, or its columns set if it exists). */
export async function setTeamMembership(
  prisma: PrismaService,
  userId: string,
  teamId: string,
  data: Omit<Prisma.LiteLLM_TeamMembershipUncheckedCreateInput, 'user_id' | 'team_id'> = {},
) {
  return prisma.liteLLM_TeamMembership.upsert({
    where: { user_id_team_id: { user_id: userId, team_id: teamId } },
    create: { user_id: userId, team_id: teamId, ...data },
    update: data,
  });
}

/**
 * Puts an existing user in an existing team everywhere LiteLLM records it: members_with_roles
 * (`{ user_id, user_email: null, role }`), the legacy admins/members array, the user's `teams`,
 * and a LiteLLM_TeamMembership row (with `spend` and `budget_id` if given).
 */
export async function addTeamMember(
  prisma: PrismaService,
  teamId: string,
  userId: string,
  opts: { role?: 'admin' | 'user'; spend?: number; budget_id?: string } = {},
) {
  const role = opts.role ?? 'user';
  const team = await prisma.liteLLM_TeamTable.findUniqueOrThrow({ where: { team_id: teamId } });
  await updateTeam(prisma, teamId, {
    members_with_roles: [
      ...((team.members_with_roles as Prisma.InputJsonValue[] | null) ?? []),
      { user_id: userId, user_email: null, role },
    ],
    ...(role === 'admin' ? { admins: [...team.admins, userId] } : { members: [...team.members, userId] }),
  });
  await updateUser(prisma, userId, { teams: { push: teamId } });
  return setTeamMembership(prisma, userId, teamId, { spend: opts.spend, budget_id: opts.budget_id });
}

// ---------------------------------------------------------------- customers, projects, tags, access groups

/** An end user (LiteLLM_EndUserTable, "customer"). */
export async function createCustomer(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_EndUserTableUncheckedCreateInput> = {},
) {
  return prisma.liteLLM_EndUserTable.create({ data: { user_id: uniq('cust'), ...data } });
}

export async function createProject(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_ProjectTableUncheckedCreateInput> = {},
) {
  return prisma.liteLLM_ProjectTable.create({
    data: { project_id: uniq('project'), models: [], created_by: 'test', updated_by: 'test', ...data },
  });
}

export async function createTag(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_TagTableUncheckedCreateInput> = {},
) {
  return prisma.liteLLM_TagTable.create({ data: { tag_name: uniq('tag'), models: [], ...data } });
}

export async function createAccessGroup(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_AccessGroupTableUncheckedCreateInput> = {},
) {
  return prisma.liteLLM_AccessGroupTable.create({
    data: { access_group_name: uniq('ag'), created_by: 'test', updated_by: 'test', ...data },
  });
}

// ---------------------------------------------------------------- models, MCP servers

/** A model deployment (LiteLLM_ProxyModelTable). */
export async function createProxyModel(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_ProxyModelTableUncheckedCreateInput> = {},
) {
  return prisma.liteLLM_ProxyModelTable.create({
    data: {
      model_name: uniq('model'),
      litellm_params: { model: 'openai/gpt-4' },
      created_by: 'test',
      updated_by: 'test',
      ...data,
    },
  });
}

export async function createMcpServer(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_MCPServerTableUncheckedCreateInput> = {},
) {
  return prisma.liteLLM_MCPServerTable.create({
    data: { server_name: uniq('mcp'), ...data },
  });
}

// ---------------------------------------------------------------- invitations

/** An invitation link for `user_id`, created by `created_by` (default: the invitee), valid for a day. */
export async function createInvitation(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_InvitationLinkUncheckedCreateInput> & { user_id: string },
) {
  const now = new Date();
  const by = data.created_by ?? data.user_id;
  return prisma.liteLLM_InvitationLink.create({
    data: {
      created_at: now,
      updated_at: now,
      created_by: by,
      updated_by: by,
      expires_at: new Date(now.getTime() + 86_400_000),
      ...data,
    },
  });
}

export async function updateInvitation(
  prisma: PrismaService,
  id: string,
  data: Prisma.LiteLLM_InvitationLinkUncheckedUpdateInput,
) {
  return prisma.liteLLM_InvitationLink.update({ where: { id }, data });
}

// ---------------------------------------------------------------- spend and audit rows

/** A LiteLLM_SpendLogs row (one request), at `startTime` (default now). */
export async function createSpendLog(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_SpendLogsUncheckedCreateInput> = {},
) {
  const start = (data.startTime as Date | undefined) ?? new Date();
  return prisma.liteLLM_SpendLogs.create({
    data: { request_id: randomUUID(), call_type: 'acompletion', startTime: start, endTime: start, ...data },
  });
}

export async function createDailyUserSpend(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_DailyUserSpendUncheckedCreateInput> & { date: string },
) {
  return prisma.liteLLM_DailyUserSpend.create({ data: { api_key: 'test-key', ...data } });
}

export async function createDailyTeamSpend(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_DailyTeamSpendUncheckedCreateInput> & { date: string },
) {
  return prisma.liteLLM_DailyTeamSpend.create({ data: { api_key: 'test-key', ...data } });
}

export async function createDailyTagSpend(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_DailyTagSpendUncheckedCreateInput> & { date: string },
) {
  return prisma.liteLLM_DailyTagSpend.create({ data: { api_key: 'test-key', ...data } });
}

export async function createAuditRow(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_AuditLogUncheckedCreateInput> & { object_id: string },
) {
  return prisma.liteLLM_AuditLog.create({
    data: { action: 'created', table_name: 'LiteLLM_TeamTable', changed_by: 'test', ...data },
  });
}

// ---------------------------------------------------------------- workflows

export async function createWorkflowRun(
  prisma: PrismaService,
  data: Data<Prisma.LiteLLM_WorkflowRunUncheckedCreateInput> = {},
) {
  return prisma.liteLLM_WorkflowRun.create({ data: { workflow_type: 'test', ...data } });
}

export async function updateWorkflowRun(
  prisma: PrismaService,
  runId: string,
  data: Prisma.LiteLLM_WorkflowRunUncheckedUpdateInput,
) {
  return prisma.liteLLM_WorkflowRun.update({ where: { run_id: runId }, data });
}
