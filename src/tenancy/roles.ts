/**
 * Role helpers the domains use for their authorization rules. The proxy-wide predicates are
 * defined in auth (which reads the caller's role at request time) and named here so that domains
 * ask the tenancy core, not auth, what a role may do.
 */
export { isAdminViewer, isProxyAdmin } from '../platform/auth/roles';

/** User roles only a proxy admin may give, or bring into a team or an organization. */
const ADMIN_ROLES: readonly string[] = ['proxy_admin', 'proxy_admin_viewer'];

/** Is this stored `user_role` one of the proxy-wide admin roles? */
export const isAdminRole = (role: string | null | undefined): boolean => ADMIN_ROLES.includes(role ?? '');

/** A user's role inside a team (`members_with_roles[].role`). */
export type TeamRole = 'admin' | 'user';

/** The organization membership role that administers the organization. */
export const ORG_ADMIN = 'org_admin';
