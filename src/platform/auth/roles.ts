/** LiteLLM's `LitellmUserRoles`. */
export const USER_ROLES = [
  'proxy_admin',
  'proxy_admin_viewer',
  'org_admin',
  'internal_user',
  'internal_user_viewer',
  'team',
  'customer',
] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A stored role string as auth sees it: a missing or unknown value is `internal_user` (LiteLLM's rule). */
export function toUserRole(value: string | null | undefined): UserRole {
  return (USER_ROLES as readonly string[]).includes(value ?? '') ? (value as UserRole) : 'internal_user';
}

export const isProxyAdmin = (role: UserRole | null) => role === 'proxy_admin';
/** Admins who may read everything (LiteLLM's "admin view"). */
export const isAdminViewer = (role: UserRole | null) =>
  role === 'proxy_admin' || role === 'proxy_admin_viewer';
