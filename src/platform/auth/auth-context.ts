import type { UserRole } from './roles';

/** The key columns auth keeps in its cache (never the raw key). */
export interface AuthKey {
  token: string;
  keyAlias: string | null;
  userId: string | null;
  teamId: string | null;
  organizationId: string | null;
  projectId: string | null;
  expires: Date | null;
  blocked: boolean;
  allowedRoutes: string[];
  models: string[];
  metadata: Record<string, unknown>;
  /** Set when the key was presented under an old (rotated) value still in its grace period. */
  viaDeprecatedToken?: boolean;
}

/** The owner, team and org facts auth needs for its checks, read together with the key. */
export interface AuthSubject {
  key: AuthKey;
  /** `null` when the key has no owner row: LiteLLM's role "None". */
  ownerRole: UserRole | null;
  ownerDeactivated: boolean;
  projectBlocked: boolean;
  team: {
    blocked: boolean;
    organizationId: string | null;
    memberPermissions: string[];
    membersWithRoles: unknown;
  } | null;
}

/** Who is calling. Read in handlers through `@CurrentAuth()`; services take it as an argument. */
export interface AuthContext {
  /** `master_key` for the master key, else the virtual key's hash. */
  apiKey: string;
  isMasterKey: boolean;
  userId: string | null;
  role: UserRole | null;
  teamId: string | null;
  organizationId: string | null;
  /** `null` for the master key. */
  key: AuthKey | null;
  team: AuthSubject['team'];
}
