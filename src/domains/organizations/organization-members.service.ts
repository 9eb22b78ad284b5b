import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { LiteLLM_UserTable } from '@prisma/client';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isProxyAdmin } from '../../platform/auth/roles';
import { BudgetsService, Tx } from '../budgets/budgets.service';
import {
  badRequest,
  conflict,
  forbidden,
  notFound,
  RequestValidationError,
} from '../../platform/common/errors/api-error';
import type { AppConfig } from '../../platform/config/app-config';
import { APP_CONFIG } from '../../platform/config/config.module';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { assertEmailFree, NO_PASSWORD, USER_TABLE } from '../../tenancy/user-rows';
import { assertOrgAdmin, membershipId, MEMBERSHIP_TABLE, organizationNotFound } from './organization-rows';
import type {
  OrganizationMemberAddRequest,
  OrganizationMemberDeleteRequest,
  OrganizationMemberUpdateRequest,
  OrgMemberRequest,
} from './organizations.dto';
import { OrganizationsService } from './organizations.service';

type UserRow = Omit<LiteLLM_UserTable, 'password'>;

/** Roles an org admin can never pull into their organization by adding an existing user. */
const ADMIN_ROLES = ['proxy_admin', 'proxy_admin_viewer'];
/** Up to MEMBER_ADD_MAX members, each with a few rows and audit rows. */
const BULK_TRANSACTION = { timeout: 30_000 };

/**
 * Organization members (spec tenancy.md §8.6–§8.8): LiteLLM_OrganizationMembership rows with a
 * role and optionally a budget of their own. Proxy admins manage any organization; org admins
 * (an `org_admin` membership) only their own, checked on the organization_id of the request.
 */
@Injectable()
export class OrganizationMembersService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly organizations: OrganizationsService,
    private readonly budgets: BudgetsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * POST /organization/member_add, all or nothing. Each member is found by user_id, else by
   * user_email, else created as an internal user (LiteLLM), in the same transaction. Deviations:
   * an existing membership → 409 (LiteLLM: 500); `max_budget_in_organization` gives each new
   * membership a budget (LiteLLM ignores it); org admins may add new users and users who belong
   * only to organizations they administer, never a user of another tenant (who could then be
   * invited, and taken over, through /invitation/new).
   */
  async add(actor: Actor, req: OrganizationMemberAddRequest) {
    const { auth } = actor;
    const orgId = req.organization_id;
    req.member.forEach((m, i) => assertIdentified(m, ['body', 'member', i]));
    await assertOrgAdmin(this.organizations, auth, orgId);
    if (!(await this.organizations.exists(orgId))) throw organizationNotFound(orgId);

    return this.prisma.$transaction(async (tx) => {
      const users: UserRow[] = [];
      const memberships = [];
      const seen = new Set<string>();
      for (const member of req.member) {
        const found = await this.findUser(tx, member);
        const user = found ?? (await this.createUser(tx, actor, member));
        if (seen.has(user.user_id)) {
          throw badRequest(`The same user is listed twice: user_id=${user.user_id}.`, 'member');
        }
        seen.add(user.user_id);
        if (found) await this.assertMayAddExisting(tx, auth, found, orgId);
        const existing = await tx.liteLLM_OrganizationMembership.findUnique({
          where: { user_id_organization_id: { user_id: user.user_id, organization_id: orgId } },
          select: { user_id: true },
        });
        if (existing) {
          throw conflict(
            `User ${user.user_id} is already a member of organization ${orgId}. Use /organization/member_update to change their role.`,
            'member',
          );
        }
        const budgetId =
          req.max_budget_in_organization != null
            ? (await this.budgets.createBudget({ max_budget: req.max_budget_in_organization }, actor, tx))
                .budget_id
            : null;
        const membership = await tx.liteLLM_OrganizationMembership.create({
          data: {
            user_id: user.user_id,
            organization_id: orgId,
            user_role: member.role,
            budget_id: budgetId,
          },
        });
        await this.audit.record(
          actor,
          {
            action: 'created',
            table: MEMBERSHIP_TABLE,
            objectId: membershipId(orgId, user.user_id),
            after: membership,
          },
          tx,
        );
        users.push(user);
        memberships.push(membership);
      }
      return { organization_id: orgId, updated_users: users, updated_organization_memberships: memberships };
    }, BULK_TRANSACTION);
  }

  /**
   * PATCH /organization/member_update: the role and/or the member's budget in the organization
   * (created on first use, else changed in place). Unknown organization → 400 and unknown member
   * → 404, as LiteLLM.
   */
  async update(actor: Actor, req: OrganizationMemberUpdateRequest) {
    const orgId = req.organization_id;
    assertIdentified(req, ['body']);
    await assertOrgAdmin(this.organizations, actor.auth, orgId);
    if (!(await this.organizations.exists(orgId))) {
      throw badRequest(`Organization not found for organization_id=${orgId}`, 'organization_id');
    }
    const userId = await this.memberId(req);
    return this.prisma.$transaction(async (tx) => {
      const key = { user_id_organization_id: { user_id: userId, organization_id: orgId } };
      // Locked, so that two concurrent first budgets for this member cannot both be created.
      await tx.$queryRaw`
        SELECT 1 FROM "LiteLLM_OrganizationMembership"
        WHERE user_id = ${userId} AND organization_id = ${orgId} FOR UPDATE`;
      const before = await tx.liteLLM_OrganizationMembership.findUnique({ where: key });
      if (!before) throw memberNotFound(userId);
      let budgetId = before.budget_id;
      if (req.max_budget_in_organization != null) {
        const fields = { max_budget: req.max_budget_in_organization };
        budgetId = await this.budgets.saveLinkedBudget(budgetId, fields, actor, tx);
      }
      const row = await tx.liteLLM_OrganizationMembership.update({
        where: key,
        data: { ...(req.role != null ? { user_role: req.role } : {}), budget_id: budgetId },
        include: { litellm_budget_table: true },
      });
      await this.audit.record(
        actor,
        {
          action: 'updated',
          table: MEMBERSHIP_TABLE,
          objectId: membershipId(orgId, userId),
          before,
          after: req,
        },
        tx,
      );
      return row;
    });
  }

  /**
   * DELETE /organization/member_delete: removes the membership and returns it. The user, their
   * teams and the membership's budget row stay. Unknown organization or member → 404 (LiteLLM: 500).
   */
  async remove(actor: Actor, req: OrganizationMemberDeleteRequest) {
    const orgId = req.organization_id;
    assertIdentified(req, ['body']);
    await assertOrgAdmin(this.organizations, actor.auth, orgId);
    if (!(await this.organizations.exists(orgId))) throw organizationNotFound(orgId);
    const userId = await this.memberId(req);
    return this.prisma.$transaction(async (tx) => {
      const key = { user_id_organization_id: { user_id: userId, organization_id: orgId } };
      const before = await tx.liteLLM_OrganizationMembership.findUnique({ where: key });
      if (!before) throw memberNotFound(userId);
      const row = await tx.liteLLM_OrganizationMembership.delete({ where: key });
      await this.audit.record(
        actor,
        {
          action: 'deleted',
          table: MEMBERSHIP_TABLE,
          objectId: membershipId(orgId, userId),
          before,
          after: {},
        },
        tx,
      );
      return row;
    });
  }

  /** By user_id; else by user_email, which must match exactly one user. */
  private async memberId(req: { user_id?: string | null; user_email?: string | null }): Promise<string> {
    if (req.user_id) return req.user_id;
    const email = req.user_email!;
    const matches = await this.usersByEmail(this.prisma, email);
    if (matches.length !== 1) {
      throw badRequest(
        `Unique user not found for user_email=${email}. Potential duplicate OR non-existent user_email in LiteLLM_UserTable. Use 'user_id' instead.`,
        'user_email',
      );
    }
    return matches[0].user_id;
  }

  /** LiteLLM's lookup: the user_id when that user exists, else the (single) user with the email. */
  private async findUser(tx: Tx, member: OrgMemberRequest): Promise<UserRow | null> {
    if (member.user_id) {
      const byId = await tx.liteLLM_UserTable.findUnique({
        where: { user_id: member.user_id },
        omit: NO_PASSWORD,
      });
      if (byId) return byId;
    }
    if (!member.user_email) return null;
    const byEmail = await this.usersByEmail(tx, member.user_email);
    if (byEmail.length > 1) {
      throw badRequest(
        "Multiple users with this email found in db. Please use 'user_id' instead.",
        'user_email',
      );
    }
    return byEmail[0] ?? null;
  }

  private usersByEmail(db: Pick<Tx, 'liteLLM_UserTable'>, email: string): Promise<UserRow[]> {
    return db.liteLLM_UserTable.findMany({
      where: { user_email: { equals: email.trim(), mode: 'insensitive' } },
      omit: NO_PASSWORD,
      orderBy: { user_id: 'asc' },
      take: 2,
    });
  }

  /** A new internal user with LiteLLM's defaults (no budget, every model of their teams). */
  private async createUser(tx: Tx, actor: Actor, member: OrgMemberRequest): Promise<UserRow> {
    const email = member.user_email?.trim() || null;
    if (email) await assertEmailFree(tx, email);
    const userId = member.user_id ?? randomUUID();
    if (userId === this.config.proxyAdminId) {
      throw badRequest(`user_id ${userId} is reserved for the proxy admin.`, 'member');
    }
    const user = await tx.liteLLM_UserTable.create({
      data: { user_id: userId, user_email: email, user_role: 'internal_user', models: [] },
      omit: NO_PASSWORD,
    });
    await this.audit.record(
      actor,
      {
        action: 'created',
        table: USER_TABLE,
        objectId: userId,
        after: { user_id: userId, user_email: email, user_role: 'internal_user' },
      },
      tx,
    );
    return user;
  }

  /**
   * Org admins add new users, or existing users inside their tenancy: users whose every
   * membership is in an organization they administer (never an admin-role user).
   */
  private async assertMayAddExisting(tx: Tx, auth: AuthContext, user: UserRow, orgId: string): Promise<void> {
    if (isProxyAdmin(auth.role)) return;
    const memberships = (await this.organizations.membershipsOf([user.user_id], tx)).get(user.user_id) ?? [];
    const adminOrgs = await this.organizations.adminOrgIds(auth.userId);
    const inside =
      !ADMIN_ROLES.includes(user.user_role ?? '') &&
      memberships.length > 0 &&
      memberships.every((o) => adminOrgs.includes(o));
    if (!inside) {
      throw forbidden(
        `Org admins can add new users, or users who belong only to organizations they administer. user_id=${user.user_id} cannot be added to organization ${orgId}; ask a proxy admin.`,
        'member',
      );
    }
  }
}

/** Either user_id or user_email must be given (422, as a request-shape problem). */
function assertIdentified(
  member: { user_id?: string | null; user_email?: string | null },
  loc: (string | number)[],
): void {
  if (member.user_id || member.user_email) return;
  throw new RequestValidationError([
    { type: 'value_error', loc, msg: 'Either user_id or user_email must be provided' },
  ]);
}

function memberNotFound(userId: string) {
  return notFound(`Member not found in organization for user_id=${userId}`, 'user_id');
}
