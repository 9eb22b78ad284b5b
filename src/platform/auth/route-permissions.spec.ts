import type { AuthContext } from './auth-context';
import { checkRouteAccess, maskId, OrgContextResolver, routeMatches } from './route-permissions';
import type { UserRole } from './roles';

const noOrgs: OrgContextResolver = { isOrgAdmin: async () => false, organizationOfTeam: async () => null };

function caller(role: UserRole | null, extra: Partial<AuthContext> = {}): AuthContext {
  return {
    apiKey: 'hash',
    isMasterKey: false,
    userId: 'user-123456',
    role,
    teamId: null,
    organizationId: null,
    key: null,
    team: null,
    ...extra,
  };
}
const req = (method: string, path: string, body: unknown = {}, query: Record<string, unknown> = {}) => ({
  method,
  path,
  body,
  query,
});
const status = async (auth: AuthContext, r: ReturnType<typeof req>, orgs = noOrgs) => {
  try {
    await checkRouteAccess(auth, r, orgs);
    return 200;
  } catch (e) {
    return (e as { status: number }).status;
  }
};

describe('routeMatches', () => {
  it('should match exact paths, {param} segments and * prefixes', () => {
    expect(routeMatches('/key/info', '/key/info')).toBe(true);
    expect(routeMatches('/key/{key_id}/regenerate', '/key/sk-abc/regenerate')).toBe(true);
    expect(routeMatches('/key/{key_id}/regenerate', '/key/regenerate')).toBe(false);
    expect(routeMatches('/v1/mcp/*', '/v1/mcp/server/x')).toBe(true);
    expect(routeMatches('/key/info', '/key/info/extra')).toBe(false);
  });
});

describe('checkRouteAccess (LiteLLM route gate)', () => {
  it('should let a proxy admin through everything except master-key-only routes', async () => {
    expect(await status(caller('proxy_admin'), req('POST', '/team/new'))).toBe(200);
    expect(await status(caller('proxy_admin'), req('POST', '/global/spend/reset'))).toBe(401);
    expect(
      await status(caller('proxy_admin', { isMasterKey: true }), req('POST', '/global/spend/reset')),
    ).toBe(200);
  });

  it('should let an internal user call key management routes but not user or team admin routes', async () => {
    expect(await status(caller('internal_user'), req('POST', '/key/generate'))).toBe(200);
    expect(await status(caller('internal_user'), req('POST', '/key/sk-1/regenerate'))).toBe(200);
    expect(await status(caller('internal_user'), req('POST', '/user/new'))).toBe(401);
    expect(await status(caller('internal_user'), req('POST', '/team/new'))).toBe(401);
  });

  it('should refuse an org_admin-role user on key routes without org context (pinned)', async () => {
    for (const path of [
      '/key/generate',
      '/key/update',
      '/key/delete',
      '/key/regenerate',
      '/key/bulk_update',
    ]) {
      expect(await status(caller('org_admin'), req('POST', path))).toBe(401);
    }
  });

  it('should let an org admin reach management routes for a team of their org', async () => {
    const orgs: OrgContextResolver = {
      isOrgAdmin: async (_u, org) => org === 'org-a',
      organizationOfTeam: async (team) => (team === 'team-a' ? 'org-a' : 'org-b'),
    };
    expect(
      await status(caller('org_admin'), req('POST', '/team/new', { organization_id: 'org-a' }), orgs),
    ).toBe(200);
    expect(
      await status(caller('org_admin'), req('POST', '/team/new', { organization_id: 'org-b' }), orgs),
    ).toBe(401);
    // /team/update resolves the org from team_id; /team/delete needs organization_id in the body.
    expect(await status(caller('org_admin'), req('POST', '/team/update', { team_id: 'team-a' }), orgs)).toBe(
      200,
    );
    expect(await status(caller('org_admin'), req('POST', '/team/delete', { team_id: 'team-a' }), orgs)).toBe(
      401,
    );
    expect(
      await status(
        caller('org_admin'),
        req('POST', '/team/delete', { team_id: 'team-a', organization_id: 'org-a' }),
        orgs,
      ),
    ).toBe(200);
    expect(await status(caller('org_admin'), req('POST', '/key/generate', { team_id: 'team-a' }), orgs)).toBe(
      401,
    );
  });

  it('should let a proxy_admin_viewer read but refuse writes with 403', async () => {
    expect(await status(caller('proxy_admin_viewer'), req('GET', '/user/list'))).toBe(200);
    expect(await status(caller('proxy_admin_viewer'), req('GET', '/anything/at/all'))).toBe(200);
    expect(await status(caller('proxy_admin_viewer'), req('POST', '/key/generate'))).toBe(403);
    expect(await status(caller('proxy_admin_viewer'), req('POST', '/team/new'))).toBe(403);
    expect(await status(caller('proxy_admin_viewer'), req('POST', '/chat/completions'))).toBe(403);
    expect(
      await status(
        caller('proxy_admin_viewer'),
        req('POST', '/user/update', { user_id: 'x', user_email: 'a@b.c' }),
      ),
    ).toBe(200);
    expect(
      await status(
        caller('proxy_admin_viewer'),
        req('POST', '/user/update', { user_id: 'x', user_role: 'proxy_admin' }),
      ),
    ).toBe(403);
  });

  it('should limit an internal_user_viewer to info and spend routes', async () => {
    expect(await status(caller('internal_user_viewer'), req('GET', '/key/info'))).toBe(200);
    expect(await status(caller('internal_user_viewer'), req('GET', '/spend/logs'))).toBe(200);
    expect(await status(caller('internal_user_viewer'), req('POST', '/key/generate'))).toBe(401);
  });

  it('should treat a key without an owner row as role None: self-managed and info routes only', async () => {
    expect(await status(caller(null), req('GET', '/key/info'))).toBe(200);
    expect(await status(caller(null), req('POST', '/team/member_add'))).toBe(200);
    expect(await status(caller(null), req('POST', '/key/generate'))).toBe(401);
  });

  it('should enforce a key allowed_routes list before roles, with 403 (pinned)', async () => {
    const llmOnly = caller('proxy_admin', {
      key: { allowedRoutes: ['llm_api_routes'] } as AuthContext['key'],
    });
    expect(await status(llmOnly, req('POST', '/key/generate'))).toBe(403);
    expect(await status(llmOnly, req('POST', '/chat/completions'))).toBe(200);
    const prefix = caller('internal_user', { key: { allowedRoutes: ['/key/*'] } as AuthContext['key'] });
    expect(await status(prefix, req('GET', '/key/info'))).toBe(200);
    expect(await status(prefix, req('GET', '/team/info'))).toBe(403);
  });

  it('should let any caller reach the project handlers (they check team admins), but not tag or access-group writes', async () => {
    for (const role of ['internal_user', 'org_admin', null] as const) {
      expect(await status(caller(role), req('POST', '/project/new'))).toBe(200);
      expect(await status(caller(role), req('POST', '/project/update'))).toBe(200);
      expect(await status(caller(role), req('DELETE', '/project/delete'))).toBe(200);
      expect(await status(caller(role), req('GET', '/project/info'))).toBe(200);
      expect(await status(caller(role), req('GET', '/project/list'))).toBe(200);
    }
    expect(await status(caller('proxy_admin_viewer'), req('POST', '/project/new'))).toBe(403);
    expect(await status(caller('proxy_admin_viewer'), req('GET', '/project/list'))).toBe(200);
    expect(await status(caller('internal_user'), req('POST', '/tag/new'))).toBe(401);
    expect(await status(caller('internal_user'), req('GET', '/tag/list'))).toBe(401);
    expect(await status(caller('proxy_admin_viewer'), req('GET', '/tag/list'))).toBe(200);
    expect(await status(caller('internal_user'), req('POST', '/v1/access_group'))).toBe(401);
    expect(await status(caller('internal_user'), req('GET', '/v1/access_group/x'))).toBe(401);
    expect(await status(caller('proxy_admin_viewer'), req('GET', '/v1/access_group'))).toBe(200);
    expect(await status(caller('proxy_admin_viewer'), req('PUT', '/v1/access_group/x'))).toBe(403);
  });

  it('should apply LiteLLM org RBAC on organization routes, with its 401 messages', async () => {
    const roles = new Map<string, string | null>([
      ['org-a', 'org_admin'],
      ['org-c', 'internal_user'],
    ]);
    const orgs: OrgContextResolver = {
      isOrgAdmin: async (_u, org) => roles.get(org) === 'org_admin',
      organizationOfTeam: async () => null,
      organizationRoles: async () => roles,
    };
    const message = async (auth: AuthContext, r: ReturnType<typeof req>, resolver = orgs) => {
      try {
        await checkRouteAccess(auth, r, resolver);
        return 'allowed';
      } catch (e) {
        return `${(e as { status: number }).status} ${(e as Error).message}`;
      }
    };
    const admin = caller('org_admin');
    const addA = req('POST', '/organization/member_add', { organization_id: 'org-a' });
    expect(await message(admin, addA)).toBe('allowed');
    expect(
      await message(admin, req('DELETE', '/organization/member_delete', { organization_id: 'org-a' })),
    ).toBe('allowed');
    expect(await message(admin, req('GET', '/organization/info', {}, { organization_id: 'org-a' }))).toBe(
      'allowed',
    );
    expect(await message(admin, req('POST', '/organization/member_add', { organization_id: 'org-b' }))).toBe(
      '401 You do not have a role within the selected organization. Passed organization_id: org-b. Please contact the organization admin to request access.',
    );
    expect(
      await message(admin, req('PATCH', '/organization/member_update', { organization_id: 'org-c' })),
    ).toBe(
      '401 You do not have the required role to perform this action. Your role is internal_user in Organization org-c',
    );
    expect(await message(admin, req('DELETE', '/organization/delete', { organization_ids: ['org-a'] }))).toBe(
      '401 Passed organization_id is None, please pass an organization_id in your request',
    );
    expect(
      await message(caller('internal_user'), addA, { ...orgs, organizationRoles: async () => new Map() }),
    ).toBe(
      '401 Tried to access route=/organization/member_add but you are not a member of any organization. Please contact the proxy admin to request access.',
    );
    expect(await message(admin, req('POST', '/organization/new'))).toBe(
      '401 Only proxy admins can create new organizations',
    );
    // /organization/update is in no role list: proxy admins only, org admins included.
    expect(
      await status(admin, req('PATCH', '/organization/update', { organization_id: 'org-a' }), orgs),
    ).toBe(401);
    // Viewers read organization info; their writes stay refused.
    expect(await status(caller('proxy_admin_viewer'), req('GET', '/organization/info'), orgs)).toBe(200);
    expect(await status(caller('proxy_admin_viewer'), req('GET', '/organization/list'), orgs)).toBe(200);
    expect(
      await status(
        caller('proxy_admin_viewer'),
        req('DELETE', '/organization/delete', { organization_id: 'x' }),
        {
          ...orgs,
          organizationRoles: async () => new Map(),
        },
      ),
    ).toBe(401);
    // Without a user row (role None) LiteLLM skips org RBAC; the gate still refuses.
    expect(await status(caller(null), addA, orgs)).toBe(200);
    expect(
      await status(caller(null), req('POST', '/organization/member_add', { organization_id: 'org-b' }), orgs),
    ).toBe(401);
  });

  it('should mask the user id in the admin-only message', async () => {
    await expect(
      checkRouteAccess(caller('internal_user'), req('POST', '/user/new'), noOrgs),
    ).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining(`Your user_id=${maskId('user-123456')}`),
    });
    expect(maskId('user-123456')).not.toContain('user-123456');
  });
});
