import { Injectable } from '@nestjs/common';
import type { Actor } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import {
  badRequest,
  conflict,
  forbidden,
  notFound,
  RequestValidationError,
} from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { MemberUsersService } from '../../tenancy/member-users.service';
import {
  ORGANIZATION_MEMBERSHIP_TABLE,
  organizationMembershipId,
  OrganizationMembershipsService,
} from '../../tenancy/organization-memberships.service';
import { isAdminRole, isProxyAdmin } from '../../tenancy/roles';
import { UserRow, usersWithEmail } from '../../tenancy/user-rows';
import { BudgetsService } from '../budgets/budgets.service';
import { assertOrgAdmin, organizationNotFound } from './organization-rows';
import type {
  OrganizationMemberAddRequest,
  OrganizationMemberDeleteRequest,
  OrganizationMemberUpdateRequest,
  OrgMemberRequest,
} from './organizations.dto';
import { OrganizationsService } from './organizations.service';

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
    private readonly prisma: PrismaService,
    private readonly organizations: OrganizationsService,
    private readonly memberships: OrganizationMembershipsService,
    private readonly memberUsers: MemberUsersService,
    private readonly budgets: BudgetsService,
    private readonly changes: ChangesService,
  ) {}

  /**
   * POST /organization/member_add, all or nothing. Each member is found by user_id, else by
   * user_email, else created as an internal user (LiteLLM), in the same change. Deviations:
   * an existing membership → 409 (LiteLLM: 500); `max_budget_in_organization` gives each new
   * membership a budget (LiteLLM ignores it); org admins may add new users and users who belong
   * only to organizations they administer, never a user of another tenant (who could then be
   * invited, and taken over, through /invitation/new).
   */
  async add(actor: Actor, req: OrganizationMemberAddRequest) {
    const orgId = req.organization_id;
    req.member.forEach((m, i) => assertIdentified(m, ['body', 'member', i]));
    await assertOrgAdmin(this.memberships, actor.auth, orgId);
    if (!(await this.organizations.exists(orgId))) throw organizationNotFound(orgId);
    return this.changes.run(
      actor,
      async (change) => {
        const users: UserRow[] = [];
        const memberships = [];
        for (const member of req.member) {
          const user = await this.memberUser(change, actor.auth, member, orgId);
          if (users.some((u) => u.user_id === user.user_id)) {
            throw badRequest(`The same user is listed twice: user_id=${user.user_id}.`, 'member');
          }
          users.push(user);
          memberships.push(await this.addMembership(change, actor, user.user_id, member.role, req));
        }
        return {
          organization_id: orgId,
          updated_users: users,
          updated_organization_memberships: memberships,
        };
      },
      BULK_TRANSACTION,
    );
  }

  /**
   * PATCH /organization/member_update: the role and/or the member's budget in the organization
   * (created on first use, else changed in place). Unknown organization → 400 and unknown member
   * → 404, as LiteLLM.
   */
  async update(actor: Actor, req: OrganizationMemberUpdateRequest) {
    const orgId = req.organization_id;
    assertIdentified(req, ['body']);
    await assertOrgAdmin(this.memberships, actor.auth, orgId);
    if (!(await this.organizations.exists(orgId))) {
      throw badRequest(`Organization not found for organization_id=${orgId}`, 'organization_id');
    }
    const userId = await this.memberId(req);
    return this.changes.run(actor, async (change) => {
      // Locked, so that two concurrent first budgets for this member cannot both be created.
      await this.memberships.lock(change.tx, userId, orgId);
      const before = await this.memberships.membership(userId, orgId, change.tx);
      if (!before) throw memberNotFound(userId);
      let budgetId = before.budget_id;
      if (req.max_budget_in_organization != null) {
        const fields = { max_budget: req.max_budget_in_organization };
        budgetId = await this.budgets.saveLinkedBudget(budgetId, fields, actor, change.tx);
      }
      const row = await this.memberships.update(change.tx, userId, orgId, {
        ...(req.role != null ? { user_role: req.role } : {}),
        budget_id: budgetId,
      });
      await change.audit({
        action: 'updated',
        table: ORGANIZATION_MEMBERSHIP_TABLE,
        objectId: organizationMembershipId(orgId, userId),
        before,
        after: req,
      });
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
    await assertOrgAdmin(this.memberships, actor.auth, orgId);
    if (!(await this.organizations.exists(orgId))) throw organizationNotFound(orgId);
    const userId = await this.memberId(req);
    return this.changes.run(actor, async (change) => {
      const before = await this.memberships.membership(userId, orgId, change.tx);
      if (!before) throw memberNotFound(userId);
      const row = await this.memberships.delete(change.tx, userId, orgId);
      await change.audit({
        action: 'deleted',
        table: ORGANIZATION_MEMBERSHIP_TABLE,
        objectId: organizationMembershipId(orgId, userId),
        before,
        after: {},
      });
      return row;
    });
  }

  /** The user a member_add entry names: found (and allowed in), else created. */
  private async memberUser(change: Change, auth: AuthContext, member: OrgMemberRequest, orgId: string) {
    const found = await this.memberUsers.findOrganizationMember(change, member);
    if (!found) return this.memberUsers.createOrganizationMember(change, member);
    await this.assertMayAddExisting(change, auth, found, orgId);
    return found;
  }

  /** A new membership (409 when the user is a member already), with its budget and audit row. */
  private async addMembership(
    change: Change,
    actor: Actor,
    userId: string,
    role: string,
    req: OrganizationMemberAddRequest,
  ) {
    const orgId = req.organization_id;
    if (await this.memberships.membership(userId, orgId, change.tx)) {
      throw conflict(
        `User ${userId} is already a member of organization ${orgId}. Use /organization/member_update to change their role.`,
        'member',
      );
    }
    const budgetId =
      req.max_budget_in_organization != null
        ? (await this.budgets.createBudget({ max_budget: req.max_budget_in_organization }, actor, change.tx))
            .budget_id
        : null;
    const membership = await this.memberships.create(change.tx, {
      userId,
      organizationId: orgId,
      role,
      budgetId,
    });
    await change.audit({
      action: 'created',
      table: ORGANIZATION_MEMBERSHIP_TABLE,
      objectId: organizationMembershipId(orgId, userId),
      after: membership,
    });
    return membership;
  }

  /** By user_id; else by user_email, which must match exactly one user. */
  private async memberId(req: { user_id?: string | null; user_email?: string | null }): Promise<string> {
    if (req.user_id) return req.user_id;
    const email = req.user_email!;
    const matches = await usersWithEmail(this.prisma, email);
    if (matches.length !== 1) {
      throw badRequest(
        `Unique user not found for user_email=${email}. Potential duplicate OR non-existent user_email in LiteLLM_UserTable. Use 'user_id' instead.`,
        'user_email',
      );
    }
    return matches[0].user_id;
  }

  /**
   * Org admins add new users, or existing users inside their tenancy: users whose every
   * membership is in an organization they administer (never an admin-role user).
   */
  private async assertMayAddExisting(change: Change, auth: AuthContext, user: UserRow, orgId: string) {
    if (isProxyAdmin(auth.role)) return;
    const orgsOfUser =
      (await this.memberships.membershipsOf([user.user_id], change.tx)).get(user.user_id) ?? [];
    const adminOrgs = await this.memberships.adminOrgIds(auth.userId);
    const inside =
      !isAdminRole(user.user_role) && orgsOfUser.length > 0 && orgsOfUser.every((o) => adminOrgs.includes(o));
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
