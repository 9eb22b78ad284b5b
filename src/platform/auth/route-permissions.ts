import { ApiError, forbidden, unauthorized } from '../common/errors/api-error';
import type { AuthContext } from './auth-context';
import type { UserRole } from './roles';

/**
 * Who may call which route: LiteLLM's route groups (spec tenancy.md §3.2) and its route gate
 * (§3.3), in one place. A proxy admin passes every route; any route that is in no group below is
 * proxy-admin only (deny by default). Handlers still check ownership of the objects they touch.
 * Paths use `{param}` for one path segment and a trailing `*` for a prefix.
 */
// prettier-ignore
export const ROUTE_GROUPS = {
  info_routes: [
    '/key/info', '/key/health', '/team/info', '/team/list', '/v2/team/list', '/organization/list', '/team/available',
    '/user/info', '/v2/user/info', '/model/info', '/v1/model/info', '/v2/model/info', '/v2/key/info',
    '/model_group/info', '/health', '/health/services', '/key/list', '/user/filter/ui', '/models', '/v1/models',
    '/sso/get/ui_settings',
  ],
  key_management_routes: [
    '/key/generate', '/key/update', '/key/delete', '/key/info', '/key/regenerate', '/key/service-account/generate',
    '/key/{key_id}/regenerate', '/key/list', '/key/block', '/key/unblock', '/key/bulk_update', '/team/daily/activity',
    '/spend/logs', '/key/{key_id}/reset_spend', '/key/aliases',
  ],
  management_routes: [
    '/user/new', '/user/update', '/user/bulk_update', '/user/delete', '/user/info', '/user/list',
    '/user/daily/activity', '/user/daily/activity/aggregated',
    '/team/new', '/team/update', '/team/delete', '/team/list', '/v2/team/list', '/team/info', '/team/block',
    '/team/unblock', '/team/available', '/team/permissions_list', '/team/permissions_update', '/team/daily/activity',
    '/model/new', '/model/update', '/model/delete', '/model/info',
    '/jwt/key/mapping/new', '/jwt/key/mapping/update', '/jwt/key/mapping/delete', '/jwt/key/mapping/list',
    '/jwt/key/mapping/info',
    // plus every key_management_routes entry (added below)
  ],
  spend_tracking_routes: [
    '/spend/keys', '/spend/users', '/spend/tags', '/spend/calculate', '/spend/logs', '/spend/logs/ui',
    '/spend/logs/session/ui', '/cost/estimate',
  ],
  global_spend_tracking_routes: [
    '/global/spend/logs', '/global/spend', '/global/spend/keys', '/global/spend/teams', '/global/spend/end_users',
    '/global/spend/models', '/global/predict/spend/logs', '/global/spend/report', '/global/spend/provider',
    '/global/spend/tags', '/global/spend/all_tag_names',
  ],
  internal_user_routes: [
    '/global/activity', '/global/activity/model', '/global/activity/cache_hits', '/v1/models/{model_id}',
    '/models/{model_id}', '/guardrails/list', '/v2/guardrails/list',
    // plus spend, global spend and key management routes (added below)
  ],
  self_managed_routes: [
    '/team/member_add', '/team/member_delete', '/team/member_update', '/team/permissions_list',
    '/team/permissions_update', '/team/daily/activity', '/model/new', '/model/update', '/model/delete',
    '/user/daily/activity', '/user/available_roles', '/user/list', '/model/{model_id}/update', '/prompt/list',
    '/prompt/info', '/invitation/new', '/invitation/delete', '/guardrails/register', '/guardrails/submissions',
    '/guardrails/submissions/{guardrail_id}',
    // [newest] these do their own authorization as well
    '/team/update', '/team/{team_id}/member/{user_id}/reset_spend', '/team/{team_id}/member/{user_id}/reset_budget',
    // workflow runs are scoped to their owner in the handler
    '/v1/workflows/runs', '/v1/workflows/runs/*',
    // [newest, pinned §20.3] project handlers check team admins (with the `projects` permission) and team members
    '/project/new', '/project/update', '/project/delete', '/project/info', '/project/list',
  ],
  org_admin_only_routes: [
    '/organization/info', '/organization/delete', '/organization/member_add', '/organization/member_update',
    // [newest] scoped like member_add / member_update (older versions left it proxy-admin only)
    '/organization/member_delete',
  ],
  admin_viewer_routes: [
    '/user/list', '/user/available_users', '/user/available_roles', '/user/daily/activity', '/team/daily/activity',
    '/tag/daily/activity', '/tag/list', '/audit', '/audit/{id}', '/global/activity', '/global/activity/model',
    '/global/activity/cache_hits',
    // plus info_routes (added below)
  ],
  llm_api_routes: [
    '/v1/chat/completions', '/chat/completions', '/v1/completions', '/completions', '/v1/embeddings', '/embeddings',
    '/v1/messages', '/v1/responses', '/responses', '/v1/models', '/models',
  ],
  mcp_routes: ['/v1/mcp/*', '/mcp-rest/*'],
  master_key_only_routes: ['/global/spend/reset', '/memory-usage-in-mem-cache', '/memory-usage-in-mem-cache-items'],
} satisfies Record<string, string[]>;

ROUTE_GROUPS.management_routes.push(...ROUTE_GROUPS.key_management_routes);
ROUTE_GROUPS.internal_user_routes.push(
  ...ROUTE_GROUPS.spend_tracking_routes,
  ...ROUTE_GROUPS.global_spend_tracking_routes,
  ...ROUTE_GROUPS.key_management_routes,
);
ROUTE_GROUPS.admin_viewer_routes.push(...ROUTE_GROUPS.info_routes);

export type RouteGroup = keyof typeof ROUTE_GROUPS;

const INTERNAL_USER_VIEW_ONLY = [
  ...ROUTE_GROUPS.spend_tracking_routes,
  ...ROUTE_GROUPS.global_spend_tracking_routes,
];
const ORG_ADMIN_ALLOWED = [
  ...ROUTE_GROUPS.org_admin_only_routes,
  ...ROUTE_GROUPS.management_routes,
  ...ROUTE_GROUPS.self_managed_routes,
  ...ROUTE_GROUPS.admin_viewer_routes,
];
/** Writes a proxy_admin_viewer may never make, even where a group would allow them. */
// prettier-ignore
const VIEWER_BLOCKED_WRITES = [
  '/user/new', '/user/delete', '/user/bulk_update', '/team/new', '/team/update', '/team/delete', '/model/new',
  '/model/update', '/model/delete', '/key/generate', '/key/delete', '/key/update', '/key/regenerate',
  '/key/service-account/generate', '/key/block', '/key/unblock', '/key/{key_id}/regenerate',
];
/** Where a proxy_admin_viewer may write, outside VIEWER_BLOCKED_WRITES. */
const VIEWER_WRITABLE = [
  ...ROUTE_GROUPS.admin_viewer_routes,
  ...ROUTE_GROUPS.global_spend_tracking_routes,
  ...ROUTE_GROUPS.management_routes,
];
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Does a concrete path (or a `{param}` route template) match a pattern of the lists above? */
export function routeMatches(pattern: string, route: string): boolean {
  if (pattern.endsWith('*')) return route.startsWith(pattern.slice(0, -1));
  const p = pattern.split('/');
  const r = route.split('/');
  if (p.length !== r.length) return false;
  return p.every((segment, i) => segment === r[i] || (segment.startsWith('{') && segment.endsWith('}')));
}

/** A list of patterns prepared once: exact paths in a set, templates split, prefixes apart. */
interface CompiledRoutes {
  exact: Set<string>;
  templates: string[][];
  prefixes: string[];
}

// The gate runs on every request and the lists hold a few hundred patterns; matching them one by
// one (splitting each) was the largest cost of a request that reads nothing from the database.
// Keyed by the list itself: every list passed here is a module constant, complete at load.
const compiledRoutes = new WeakMap<readonly string[], CompiledRoutes>();

function compileRoutes(patterns: readonly string[]): CompiledRoutes {
  let compiled = compiledRoutes.get(patterns);
  if (!compiled) {
    compiled = { exact: new Set(), templates: [], prefixes: [] };
    for (const p of patterns) {
      if (p.endsWith('*')) compiled.prefixes.push(p.slice(0, -1));
      else if (p.includes('{')) compiled.templates.push(p.split('/'));
      else compiled.exact.add(p);
    }
    compiledRoutes.set(patterns, compiled);
  }
  return compiled;
}

const templateMatches = (template: string[], route: string[]) =>
  template.length === route.length &&
  template.every((segment, i) => segment === route[i] || (segment.startsWith('{') && segment.endsWith('}')));

/** Does the route match any pattern of the list (`routeMatches` over the list)? */
export function inRoutes(patterns: readonly string[], route: string): boolean {
  const { exact, templates, prefixes } = compileRoutes(patterns);
  if (exact.has(route) || prefixes.some((prefix) => route.startsWith(prefix))) return true;
  if (templates.length === 0) return false;
  const segments = route.split('/');
  return templates.some((template) => templateMatches(template, segments));
}

/** One entry of a key's `allowed_routes` (LiteLLM's matching rules, §3.3 step 0). */
function allowedRouteEntryMatches(entry: string, route: string): boolean {
  if (entry === route || route.startsWith(entry + '/')) return true;
  if (entry in ROUTE_GROUPS) return inRoutes(ROUTE_GROUPS[entry as RouteGroup], route);
  return entry.endsWith('*') && route.startsWith(entry.slice(0, -1));
}

export interface RouteRequest {
  method: string;
  /** The concrete request path, e.g. `/key/sk-abc/regenerate`. */
  path: string;
  body: unknown;
  query: Record<string, unknown>;
}

/** Lookups the gate needs for org admins (rule 7); async because they read the database. */
export interface OrgContextResolver {
  isOrgAdmin(userId: string, organizationId: string): Promise<boolean>;
  organizationOfTeam(teamId: string): Promise<string | null>;
  /**
   * organization id → the user's membership role, for LiteLLM's org RBAC messages (§3.4). Without
   * it the gate still refuses the same callers (rule 7), with the generic admin-only message.
   */
  organizationRoles?(userId: string): Promise<Map<string, string | null>>;
}

/**
 * LiteLLM's route gate. Resolves when the caller may reach the handler, throws the ApiError
 * LiteLLM answers otherwise.
 */
export async function checkRouteAccess(
  auth: AuthContext,
  req: RouteRequest,
  orgs: OrgContextResolver,
): Promise<void> {
  const route = req.path;
  if (inRoutes(ROUTE_GROUPS.master_key_only_routes, route)) {
    if (auth.isMasterKey) return;
    throw unauthorized(`Authentication Error, Tried to access route=${route}, which is only for MASTER KEY`);
  }
  const allowedRoutes = auth.key?.allowedRoutes ?? [];
  if (allowedRoutes.length > 0 && !allowedRoutes.some((entry) => allowedRouteEntryMatches(entry, route))) {
    throw forbidden(
      `Virtual key is not allowed to call this route. Only allowed to call routes: ${JSON.stringify(allowedRoutes)}. Tried to call route: ${route}`,
    );
  }
  if (auth.role === 'proxy_admin') return;
  orgs = onceOrganizationRoles(orgs);
  await checkOrganizationRole(auth, req, orgs);

  const role = auth.role;
  if (inRoutes(ROUTE_GROUPS.llm_api_routes, route)) {
    if (role === 'proxy_admin_viewer') {
      throw forbidden('user not allowed to access this OpenAI routes, role= proxy_admin_viewer');
    }
    return;
  }
  if (inRoutes(ROUTE_GROUPS.info_routes, route)) return;
  if (role === 'proxy_admin_viewer') return viewerAccess(req, route);
  if (role === 'internal_user' && inRoutes(ROUTE_GROUPS.internal_user_routes, route)) return;
  if (inRoutes(ORG_ADMIN_ALLOWED, route) && (await isOrgAdminInContext(auth, req, orgs))) return;
  if (role === 'internal_user_viewer' && inRoutes(INTERNAL_USER_VIEW_ONLY, route)) return;
  if (inRoutes(ROUTE_GROUPS.self_managed_routes, route)) return;
  if (inRoutes(ROUTE_GROUPS.mcp_routes, route)) return;
  throw adminOnly(route, role, auth.userId);
}

/**
 * The resolver for one request: the user's organization roles are read at most once, and an
 * org-admin check after they were read (org_admin_only_routes) answers from them instead of
 * reading the membership again.
 */
function onceOrganizationRoles(orgs: OrgContextResolver): OrgContextResolver {
  if (!orgs.organizationRoles) return orgs;
  const read = orgs.organizationRoles.bind(orgs);
  let roles: { userId: string; roles: Promise<Map<string, string | null>> } | undefined;
  return {
    organizationOfTeam: (teamId) => orgs.organizationOfTeam(teamId),
    organizationRoles: (userId) => {
      if (roles?.userId !== userId) roles = { userId, roles: read(userId) };
      return roles.roles;
    },
    isOrgAdmin: async (userId, organizationId) =>
      roles?.userId === userId
        ? (await roles.roles).get(organizationId) === 'org_admin'
        : orgs.isOrgAdmin(userId, organizationId),
  };
}

function viewerAccess(req: RouteRequest, route: string): void {
  if (READ_METHODS.has(req.method.toUpperCase())) return;
  if (route === '/user/update') {
    const fields = Object.keys((req.body as Record<string, unknown>) ?? {}).filter((f) => f !== 'user_id');
    if (fields.every((f) => f === 'user_email' || f === 'password')) return;
    throw forbidden(
      `user not allowed to access this route, role= proxy_admin_viewer. Trying to access: ${route}`,
    );
  }
  if (!inRoutes(VIEWER_BLOCKED_WRITES, route) && inRoutes(VIEWER_WRITABLE, route)) return;
  throw forbidden(
    `user not allowed to access this route, role= proxy_admin_viewer. Trying to access: ${route}`,
  );
}

async function isOrgAdminInContext(
  auth: AuthContext,
  req: RouteRequest,
  orgs: OrgContextResolver,
): Promise<boolean> {
  if (!auth.userId) return false;
  const body = (req.body ?? {}) as Record<string, unknown>;
  const orgId = stringField(body.organization_id) ?? stringField(req.query.organization_id);
  if (orgId) return orgs.isOrgAdmin(auth.userId, orgId);
  // [newest] /team/update resolves org context from the team; elsewhere (e.g. /team/delete, /team/block)
  // an org admin must name the organization_id in the request.
  const teamId =
    req.path === '/team/update' ? (stringField(body.team_id) ?? stringField(req.query.team_id)) : undefined;
  if (!teamId) return false;
  const teamOrg = await orgs.organizationOfTeam(teamId);
  return teamOrg !== null && orgs.isOrgAdmin(auth.userId, teamOrg);
}

const stringField = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * LiteLLM's org RBAC (§3.4, auth_checks_organization.py), which runs before the role rules for
 * callers with a user row: /organization/new is proxy-admin only, and org_admin_only_routes need
 * an org_admin membership in the request's organization_id (body, else query). A proxy admin
 * viewer keeps reading (GET /organization/info), as it reads everything else.
 */
async function checkOrganizationRole(
  auth: AuthContext,
  req: RouteRequest,
  orgs: OrgContextResolver,
): Promise<void> {
  const route = req.path;
  if (auth.role === null || !auth.userId) return;
  if (route === '/organization/new') {
    throw unauthorized('Only proxy admins can create new organizations', 'auth_error', 'user_role');
  }
  if (!orgs.organizationRoles || !inRoutes(ROUTE_GROUPS.org_admin_only_routes, route)) return;
  if (auth.role === 'proxy_admin_viewer' && READ_METHODS.has(req.method.toUpperCase())) return;
  const roles = await orgs.organizationRoles(auth.userId);
  if (roles.size === 0) {
    throw unauthorized(
      `Tried to access route=${route} but you are not a member of any organization. Please contact the proxy admin to request access.`,
      'auth_error',
      'organization_id',
    );
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const orgId = stringField(body.organization_id) ?? stringField(req.query.organization_id);
  if (!orgId) {
    throw unauthorized(
      'Passed organization_id is None, please pass an organization_id in your request',
      'auth_error',
      'organization_id',
    );
  }
  if (!roles.has(orgId)) {
    throw unauthorized(
      `You do not have a role within the selected organization. Passed organization_id: ${orgId}. Please contact the organization admin to request access.`,
      'auth_error',
      'organization_id',
    );
  }
  const role = roles.get(orgId);
  if (role !== 'org_admin') {
    throw unauthorized(
      `You do not have the required role to perform this action. Your role is ${role ?? 'None'} in Organization ${orgId}`,
      'auth_error',
      'user_role',
    );
  }
}

function adminOnly(route: string, role: UserRole | null, userId: string | null): ApiError {
  return unauthorized(
    `Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=${route}. Your role=${role ?? 'None'}. Your user_id=${maskId(userId)}`,
  );
}

/** LiteLLM masks the user id in the route-gate message. */
export function maskId(id: string | null): string {
  if (!id) return 'None';
  if (id.length <= 6) return '*'.repeat(id.length);
  return `${id.slice(0, 3)}${'*'.repeat(Math.min(id.length - 6, 8))}${id.slice(-3)}`;
}
