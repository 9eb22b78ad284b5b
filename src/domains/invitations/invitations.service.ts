import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { Actor } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { badRequest, forbidden, unauthorized } from '../../platform/common/errors/api-error';
import { hashPassword } from '../../platform/common/password';
import type { AppConfig } from '../../platform/config/app-config';
import { APP_CONFIG } from '../../platform/config/config.module';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { OrganizationMembershipsService } from '../../tenancy/organization-memberships.service';
import { isProxyAdmin } from '../../tenancy/roles';
import { TeamMembershipsService } from '../../tenancy/team-memberships.service';
import { UserRecordsService } from '../../tenancy/user-records.service';
import { KeysService } from '../keys/keys.service';
import type { OnboardingClaimRequest } from './invitations.dto';

const LINK_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** The UI session key `/onboarding/get_token` issues (LiteLLM: team litellm-dashboard, budget 5, 24 h). */
const UI_KEY = { team_id: 'litellm-dashboard', max_budget: 5, duration: '24h' } as const;

const NOT_IN_DB = 'Invitation id does not exist in the database.';
const LINK_NOT_IN_DB = 'Invitation link does not exist in db.';
const LINK_EXPIRED = 'Invitation link has expired.';

/**
 * Invitation links (spec tenancy.md §6): admins invite an existing user; the user opens the link
 * (`/onboarding/get_token`, public) to get a short-lived UI key and then sets a password
 * (`/onboarding/claim_token`, public), which uses the link up.
 */
@Injectable()
export class InvitationsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly keys: KeysService,
    private readonly users: UserRecordsService,
    private readonly teamMemberships: TeamMembershipsService,
    private readonly orgMemberships: OrganizationMembershipsService,
    private readonly changes: ChangesService,
  ) {}

  /**
   * POST /invitation/new: a proxy admin invites anyone; an org admin a member of an organization
   * they administer; a team admin a member of a team they administer. Everyone else: 400.
   */
  async create(actor: Actor, userId: string) {
    const { auth } = actor;
    if (!isProxyAdmin(auth.role) && !(await this.mayInvite(auth, userId))) throw adminOnly(auth);
    if (!(await this.users.exists(userId))) {
      throw badRequest(
        "User id does not exist in 'LiteLLM_UserTable'. Fix this by creating user via `/user/new`.",
        'user_id',
      );
    }
    const creator = auth.userId ?? this.config.proxyAdminId;
    const now = new Date();
    return this.changes.run(actor, async (change) => {
      await this.ensureActorRow(change, creator);
      return change.tx.liteLLM_InvitationLink.create({
        data: {
          user_id: userId,
          created_at: now,
          expires_at: new Date(now.getTime() + LINK_LIFETIME_MS),
          created_by: creator,
          updated_at: now,
          updated_by: creator,
        },
      });
    });
  }

  /** GET /invitation/info (proxy admins; the route gate lets viewers' GETs through, LiteLLM answers 400). */
  async info(auth: AuthContext, invitationId: string) {
    if (!isProxyAdmin(auth.role)) throw adminOnly(auth);
    const row = await this.prisma.liteLLM_InvitationLink.findUnique({ where: { id: invitationId } });
    if (!row) throw badRequest(NOT_IN_DB, 'invitation_id');
    return row;
  }

  /** POST /invitation/update (proxy admins: the route gate): accept or un-accept a link. */
  async update(actor: Actor, invitationId: string, isAccepted: boolean) {
    const by = actor.auth.userId;
    if (!by) throw badRequest('Unable to identify user id. Received=None', 'user_id');
    return this.changes.run(actor, async (change) => {
      const exists = await change.tx.liteLLM_InvitationLink.findUnique({
        where: { id: invitationId },
        select: { id: true },
      });
      if (!exists) throw badRequest(NOT_IN_DB, 'invitation_id');
      await this.ensureActorRow(change, by);
      const now = new Date();
      return change.tx.liteLLM_InvitationLink.update({
        where: { id: invitationId },
        data: {
          is_accepted: isAccepted,
          accepted_at: isAccepted ? now : null,
          updated_at: now,
          updated_by: by,
        },
      });
    });
  }

  /**
   * POST /invitation/delete ([newest] pinned): proxy admins, or the admin who created the link;
   * other team or org admins 403; callers who administer nothing 400. Returns the deleted row.
   */
  async delete(auth: AuthContext, invitationId: string) {
    const admin = isProxyAdmin(auth.role);
    if (!admin && !(await this.administersAnything(auth))) throw adminOnly(auth);
    const row = await this.prisma.liteLLM_InvitationLink.findUnique({ where: { id: invitationId } });
    if (!row) throw badRequest(NOT_IN_DB, 'invitation_id');
    if (!admin && row.created_by !== auth.userId)
      throw forbidden('You can only delete invitations you created.', 'invitation_id');
    const deleted = await this.prisma.liteLLM_InvitationLink.deleteMany({ where: { id: invitationId } });
    if (deleted.count === 0) throw badRequest(NOT_IN_DB, 'invitation_id');
    return row;
  }

  /**
   * GET /onboarding/get_token (public): marks the link accepted and issues the invited user a
   * 24 h UI key, in one transaction. The key is returned raw as `token`.
   */
  async getToken(inviteLink: string) {
    const link = await this.usableLink(inviteLink);
    const user = await this.prisma.liteLLM_UserTable.findUnique({
      where: { user_id: link.user_id },
      select: { user_id: true, user_email: true },
    });
    if (!user) throw unauthorized(LINK_NOT_IN_DB);
    const actor: Actor = { auth: onboardingAuth(link.id, user.user_id) };
    const prepared = await this.keys.prepare(
      actor,
      { ...UI_KEY, user_id: user.user_id, models: [] },
      { preAuthorized: true },
    );
    const key = await this.changes.run(actor, async ({ tx }) => {
      const now = new Date();
      const accepted = await tx.liteLLM_InvitationLink.updateMany({
        where: { id: link.id, expires_at: { gt: now } },
        data: {
          is_accepted: true,
          accepted_at: link.accepted_at ?? now,
          updated_at: now,
          updated_by: user.user_id,
        },
      });
      if (accepted.count === 0) throw unauthorized(LINK_EXPIRED);
      return this.keys.createPrepared(tx, actor, prepared);
    });
    const query = new URLSearchParams({ token: key.key, user_email: user.user_email ?? '' });
    return { login_url: `/ui/onboarding?${query.toString()}`, token: key.key, user_email: user.user_email };
  }

  /**
   * POST /onboarding/claim_token (public): the invited user sets a password. The link must have
   * been opened (get_token) and belong to this user; claiming uses it up (expires_at = now), so a
   * leaked link cannot be replayed to reset the password later.
   */
  async claimToken(req: OnboardingClaimRequest) {
    const link = await this.prisma.liteLLM_InvitationLink.findUnique({ where: { id: req.invitation_link } });
    if (!link) throw unauthorized(LINK_NOT_IN_DB);
    if (link.user_id !== req.user_id) {
      throw unauthorized(
        `Invalid invitation link. The user id submitted does not match the user id this link is attached to. Got=${req.user_id}, Expected=${link.user_id}`,
      );
    }
    if (!link.is_accepted) {
      throw unauthorized(
        'The invitation link was never validated. Open it with /onboarding/get_token first.',
      );
    }
    if (link.expires_at.getTime() <= Date.now()) throw unauthorized(LINK_EXPIRED);
    const password = await hashPassword(req.password);
    const actor: Actor = { auth: onboardingAuth(link.id, req.user_id) };
    return this.changes.run(actor, async (change) => {
      const now = new Date();
      const used = await change.tx.liteLLM_InvitationLink.updateMany({
        where: { id: link.id, user_id: req.user_id, is_accepted: true, expires_at: { gt: now } },
        data: { expires_at: now, updated_at: now, updated_by: req.user_id },
      });
      if (used.count === 0) throw unauthorized(LINK_EXPIRED);
      return this.users.update(change, req.user_id, { password });
    });
  }

  /** Part of user delete: links for, created by or last updated by these users. */
  deleteLinksOfUsers(tx: Prisma.TransactionClient, userIds: string[]) {
    return tx.liteLLM_InvitationLink.deleteMany({
      where: {
        OR: [{ user_id: { in: userIds } }, { created_by: { in: userIds } }, { updated_by: { in: userIds } }],
      },
    });
  }

  private async usableLink(id: string) {
    const link = await this.prisma.liteLLM_InvitationLink.findUnique({ where: { id } });
    if (!link) throw unauthorized(LINK_NOT_IN_DB);
    if (link.expires_at.getTime() <= Date.now()) throw unauthorized(LINK_EXPIRED);
    return link;
  }

  /**
   * created_by/updated_by reference a user row; the master key's user gets one, as LiteLLM does.
   * That row is the master key's identity, so it is always a proxy admin.
   */
  private async ensureActorRow(change: Change, userId: string) {
    if (userId === this.config.proxyAdminId) return this.users.ensureProxyAdmin(change, userId);
    if (!(await this.users.exists(userId, change.tx)))
      throw badRequest(`Creator user '${userId}' does not exist in 'LiteLLM_UserTable'.`, 'user_id');
  }

  private async mayInvite(auth: AuthContext, userId: string): Promise<boolean> {
    if (!auth.userId) return false;
    const adminOrgs = await this.orgMemberships.adminOrgIds(auth.userId);
    if (await this.orgMemberships.belongsToAny(userId, adminOrgs)) return true;
    const adminTeams = (await this.teamMemberships.teamsOfUser(auth.userId)).filter(
      (t) => t.role === 'admin',
    );
    if (adminTeams.length === 0) return false;
    const targetTeams = new Set((await this.teamMemberships.teamsOfUser(userId)).map((t) => t.teamId));
    return adminTeams.some((t) => targetTeams.has(t.teamId));
  }

  private async administersAnything(auth: AuthContext): Promise<boolean> {
    if (!auth.userId) return false;
    if ((await this.orgMemberships.adminOrgIds(auth.userId)).length) return true;
    return (await this.teamMemberships.teamsOfUser(auth.userId)).some((t) => t.role === 'admin');
  }
}

function adminOnly(auth: AuthContext) {
  return badRequest(`Admin-only endpoint. Not allowed to access this. Your role=${auth.role ?? 'None'}`);
}

/** Who the onboarding key is issued by, for its audit row: the invited user, through the link. */
function onboardingAuth(invitationId: string, userId: string): AuthContext {
  return {
    apiKey: `invitation_link:${invitationId}`,
    isMasterKey: false,
    userId,
    role: null,
    teamId: null,
    organizationId: null,
    key: null,
    team: null,
  };
}
