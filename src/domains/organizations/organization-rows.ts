import { Prisma } from '@prisma/client';
import type { AuthContext } from '../../platform/auth/auth-context';
import { ApiError, notFound, unauthorized } from '../../platform/common/errors/api-error';
import type { OrganizationMembershipsService } from '../../tenancy/organization-memberships.service';
import { isProxyAdmin, ORG_ADMIN } from '../../tenancy/roles';

export const ORGANIZATION_TABLE = 'LiteLLM_OrganizationTable';

const MEMBERS_BY_AGE: Prisma.LiteLLM_OrganizationMembershipOrderByWithRelationInput[] = [
  { created_at: 'asc' },
  { user_id: 'asc' },
];
const TEAMS_BY_AGE: Prisma.LiteLLM_TeamTableOrderByWithRelationInput[] = [
  { created_at: 'asc' },
  { team_id: 'asc' },
];

/** What /organization/new answers: the row and its budget. */
export const WITH_BUDGET = { litellm_budget_table: true } satisfies Prisma.LiteLLM_OrganizationTableInclude;

/** update, delete and list: plus memberships and teams (LiteLLM's LiteLLM_OrganizationTableWithMembers). */
export const WITH_MEMBERS = {
  litellm_budget_table: true,
  members: { orderBy: MEMBERS_BY_AGE },
  teams: { orderBy: TEAMS_BY_AGE },
} satisfies Prisma.LiteLLM_OrganizationTableInclude;

/** GET /organization/info: memberships with their user, teams and the object permission. */
export const FULL_INFO = {
  litellm_budget_table: true,
  members: {
    orderBy: MEMBERS_BY_AGE,
    include: { user: { select: { user_id: true, user_email: true, user_alias: true, user_role: true } } },
  },
  teams: { orderBy: TEAMS_BY_AGE },
  object_permission: true,
} satisfies Prisma.LiteLLM_OrganizationTableInclude;

export type OrganizationWithMembers = Prisma.LiteLLM_OrganizationTableGetPayload<{
  include: typeof WITH_MEMBERS;
}>;

export function organizationNotFound(organizationId: string, param = 'organization_id'): ApiError {
  return notFound(`Organization not found for organization_id=${organizationId}`, param);
}

/**
 * May the caller manage (or read the details of) this organization? Proxy admins: any; everyone
 * else: only as an org_admin member of it. Refusals are LiteLLM's org RBAC 401s (§3.4), so an
 * organization the caller has no role in looks the same whether or not it exists. The route gate
 * already ran this check on the request's organization_id; handlers repeat it on the id they act
 * on, which a request could otherwise send twice (body and query) with different values.
 */
export async function assertOrgAdmin(
  memberships: OrganizationMembershipsService,
  auth: AuthContext,
  organizationId: string,
): Promise<void> {
  if (isProxyAdmin(auth.role)) return;
  const role = auth.userId ? await memberships.roleOf(auth.userId, organizationId) : undefined;
  if (role === undefined) {
    throw unauthorized(
      `You do not have a role within the selected organization. Passed organization_id: ${organizationId}. Please contact the organization admin to request access.`,
      'auth_error',
      'organization_id',
    );
  }
  if (role !== ORG_ADMIN) {
    throw unauthorized(
      `You do not have the required role to perform this action. Your role is ${role ?? 'None'} in Organization ${organizationId}`,
      'auth_error',
      'user_role',
    );
  }
}

/**
 * Merges metadata changes into the stored metadata: nested objects merge, other values replace, and a null
 * value removes the key (LiteLLM merges too, but cannot remove a key).
 */
export function mergeMetadata(
  existing: Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...existing };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key]))
      out[key] = mergeMetadata(out[key] as Record<string, unknown>, value);
    else out[key] = value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function asObject(value: Prisma.JsonValue | null | undefined): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}
