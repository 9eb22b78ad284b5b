import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config';
import { unauthorized } from '../common/errors/api-error';
import { abbreviateKey, hashApiKey, safeEqual } from '../common/hashing';
import { PrismaService } from '../prisma/prisma.service';
import { AuthCacheService } from './auth-cache.service';
import type { AuthContext, AuthSubject } from './auth-context';
import { OrgContextResolver } from './route-permissions';
import { toUserRole } from './roles';

interface SubjectRow {
  token: string;
  key_alias: string | null;
  user_id: string | null;
  team_id: string | null;
  organization_id: string | null;
  project_id: string | null;
  expires: Date | null;
  blocked: boolean | null;
  allowed_routes: string[] | null;
  models: string[] | null;
  metadata: unknown;
  owner_exists: boolean;
  owner_role: string | null;
  owner_metadata: unknown;
  team_exists: boolean;
  team_blocked: boolean | null;
  team_organization_id: string | null;
  team_member_permissions: string[] | null;
  members_with_roles: unknown;
  project_blocked: boolean | null;
}

/**
 * Turns a presented credential into an `AuthContext`: the master key, or a virtual key found by
 * its SHA-256 hash (or by an old hash still in its rotation grace period). Lookups are cached;
 * the expiry and block checks run on every request against the cached row.
 */
@Injectable()
export class AuthService implements OrgContextResolver {
  private readonly masterKeyHash: string | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly cache: AuthCacheService,
  ) {
    this.masterKeyHash = config.masterKey ? hashApiKey(config.masterKey) : undefined;
  }

  async authenticate(rawKey: string | undefined, now = new Date()): Promise<AuthContext> {
    if (!rawKey) throw unauthorized('Authentication Error, No api key passed in.');
    if (this.config.masterKey && safeEqual(rawKey, this.config.masterKey)) return this.masterContext();
    if (!rawKey.startsWith('sk-')) {
      throw unauthorized(
        `Authentication Error, LiteLLM Virtual Key expected. Received=${abbreviateKey(rawKey)}, expected to start with 'sk-'.`,
      );
    }
    const hash = hashApiKey(rawKey);
    const subject = await this.findSubject(hash, now);
    if (!subject) {
      throw unauthorized(
        `Authentication Error, Invalid proxy server token passed. Received API Key = ${abbreviateKey(rawKey)}, Key Hash (Token) =${hash}. Unable to find token in cache or \`LiteLLM_VerificationTokenTable\``,
      );
    }
    return this.toContext(subject, rawKey, now);
  }

  masterContext(): AuthContext {
    return {
      apiKey: this.masterKeyHash ?? 'master_key',
      isMasterKey: true,
      userId: this.config.proxyAdminId,
      role: 'proxy_admin',
      teamId: null,
      organizationId: null,
      key: null,
      team: null,
    };
  }

  private toContext(subject: AuthSubject, rawKey: string, now: Date): AuthContext {
    const { key } = subject;
    if (key.expires && key.expires.getTime() < now.getTime()) {
      throw unauthorized(
        `Authentication Error - Expired Key. Key Expiry time ${key.expires.toISOString()} and current time ${now.toISOString()}`,
        'expired_key',
        abbreviateKey(rawKey),
      );
    }
    if (key.blocked) {
      throw unauthorized(
        "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.",
      );
    }
    if (subject.ownerDeactivated) {
      throw unauthorized(`Authentication Error, User=${key.userId} has been deactivated via SCIM.`);
    }
    if (subject.projectBlocked) {
      throw unauthorized(
        `Authentication Error, Project=${key.projectId} is blocked. Update via \`/project/update\` if you're an admin.`,
      );
    }
    if (subject.team?.blocked) {
      throw unauthorized(
        `Authentication Error, Team=${key.teamId} is blocked. Update via \`/team/unblock\` if you're an admin.`,
      );
    }
    return {
      apiKey: key.token,
      isMasterKey: false,
      userId: key.userId,
      role: subject.ownerRole,
      teamId: key.teamId,
      organizationId: key.organizationId ?? subject.team?.organizationId ?? null,
      key,
      team: subject.team,
    };
  }

  /** Cached lookup by hash; falls back to a rotated key's grace-period entry. */
  private findSubject(hash: string, now: Date): Promise<AuthSubject | undefined> {
    return this.cache.getOrLoad(hash, now.getTime(), () => this.lookUp(hash, now));
  }

  /** The key's rows; a rotated key's old hash only until its `revoke_at` (its cache life too). */
  private async lookUp(
    hash: string,
    now: Date,
  ): Promise<{ subject: AuthSubject; notAfter?: number } | undefined> {
    const subject = await this.loadSubject(hash);
    if (subject) return { subject };
    const deprecated = await this.prisma.liteLLM_DeprecatedVerificationToken.findFirst({
      where: { token: hash, revoke_at: { gt: now } },
      select: { active_token_id: true, revoke_at: true },
    });
    if (!deprecated) return undefined;
    const active = await this.loadSubject(deprecated.active_token_id);
    if (!active) return undefined;
    return {
      subject: { ...active, key: { ...active.key, viaDeprecatedToken: true } },
      // The old value must stop working at revoke_at even if the cache would keep it longer.
      notAfter: deprecated.revoke_at.getTime(),
    };
  }

  private async loadSubject(hash: string): Promise<AuthSubject | undefined> {
    const rows = await this.prisma.queryRows<SubjectRow>(Prisma.sql`
      SELECT v.token, v.key_alias, v.user_id, v.team_id, v.organization_id, v.project_id, v.expires, v.blocked,
             v.allowed_routes, v.models, v.metadata,
             (u.user_id IS NOT NULL) AS owner_exists, u.user_role AS owner_role, u.metadata AS owner_metadata,
             (t.team_id IS NOT NULL) AS team_exists, t.blocked AS team_blocked,
             t.organization_id AS team_organization_id, t.team_member_permissions, t.members_with_roles,
             p.blocked AS project_blocked
      FROM "LiteLLM_VerificationToken" v
      LEFT JOIN "LiteLLM_UserTable" u ON u.user_id = v.user_id
      LEFT JOIN "LiteLLM_TeamTable" t ON t.team_id = v.team_id
      LEFT JOIN "LiteLLM_ProjectTable" p ON p.project_id = v.project_id
      WHERE v.token = ${hash}`);
    const row = rows[0];
    if (!row) return undefined;
    const ownerMetadata = (row.owner_metadata ?? {}) as Record<string, unknown>;
    return {
      key: {
        token: row.token,
        keyAlias: row.key_alias,
        userId: row.user_id,
        teamId: row.team_id,
        organizationId: row.organization_id,
        projectId: row.project_id,
        expires: row.expires,
        blocked: row.blocked === true,
        allowedRoutes: row.allowed_routes ?? [],
        models: row.models ?? [],
        metadata: (row.metadata ?? {}) as Record<string, unknown>,
      },
      ownerRole: row.owner_exists ? toUserRole(row.owner_role) : null,
      ownerDeactivated: ownerMetadata.scim_active === false,
      projectBlocked: row.project_blocked === true,
      team: row.team_exists
        ? {
            blocked: row.team_blocked === true,
            organizationId: row.team_organization_id,
            memberPermissions: row.team_member_permissions ?? [],
            membersWithRoles: row.members_with_roles,
          }
        : null,
    };
  }

  // ---- The route gate's organization lookups (OrgContextResolver) ----------------------------
  // The gate runs in the guard, before any handler, and auth sits below the tenancy core, so it
  // reads organization roles itself; domains ask tenancy's OrganizationMembershipsService.

  async isOrgAdmin(userId: string, organizationId: string): Promise<boolean> {
    const membership = await this.prisma.liteLLM_OrganizationMembership.findUnique({
      where: { user_id_organization_id: { user_id: userId, organization_id: organizationId } },
      select: { user_role: true },
    });
    return membership?.user_role === 'org_admin';
  }

  async organizationRoles(userId: string): Promise<Map<string, string | null>> {
    const memberships = await this.prisma.liteLLM_OrganizationMembership.findMany({
      where: { user_id: userId },
      select: { organization_id: true, user_role: true },
    });
    return new Map(memberships.map((m) => [m.organization_id, m.user_role]));
  }

  async organizationOfTeam(teamId: string): Promise<string | null> {
    const team = await this.prisma.liteLLM_TeamTable.findUnique({
      where: { team_id: teamId },
      select: { organization_id: true },
    });
    return team?.organization_id ?? null;
  }
}
