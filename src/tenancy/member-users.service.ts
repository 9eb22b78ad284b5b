import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Change } from '../platform/audit/changes.service';
import { badRequest } from '../platform/common/errors/api-error';
import type { AppConfig } from '../platform/config/app-config';
import { APP_CONFIG } from '../platform/config/config.module';
import type { TeamRole } from './roles';
import { UserRecordsService } from './user-records.service';
import { assertEmailFree, lockEmail, USER_TABLE, UserRow, usersWithEmail } from './user-rows';

/** A member as a request names it: by user id, by email, or both. */
export interface MemberIdentity {
  user_id?: string | null;
  user_email?: string | null;
}

/** A requested team member, resolved to a user row (created when LiteLLM would create it). */
export interface ResolvedMember {
  user_id: string;
  user_email: string | null;
  role: TeamRole;
  user: UserRow;
  created: boolean;
}

/**
 * Creating a user while adding a member: team and organization member routes name users by id or
 * email, and LiteLLM creates the ones that do not exist yet. The two routes resolve differently
 * (as LiteLLM's do), so each has its method; both run in the adding change and record the user
 * they create.
 */
@Injectable()
export class MemberUsersService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UserRecordsService,
  ) {}

  /**
   * A team member (spec tenancy.md §7.7): an unknown user_id gets a user row with defaults; an
   * email resolves to the one user with that email (trimmed, case-insensitive) or to a new user
   * with a uuid id; several users with the email, or an id and an email of two different users,
   * are 400. Emails take the same advisory lock as /user/new, so two adds of one new email create
   * one user. A row created for the master key's user id is a proxy admin (the master key acts as
   * one), never an internal user.
   */
  async resolveTeamMember(
    change: Change,
    member: MemberIdentity & { role: TeamRole },
  ): Promise<ResolvedMember> {
    const userId = member.user_id?.trim() || null;
    const email = member.user_email?.trim() || null;
    if (!userId && !email)
      throw badRequest('Either user_id or user_email needs to be passed in for every member', 'member');
    if (email) await lockEmail(change.tx, email);
    const byEmail = email ? await usersWithEmail(change.tx, email) : [];
    if (!userId) {
      if (byEmail.length > 1) {
        throw badRequest(
          "Multiple users with this email found in db. Please use 'user_id' instead.",
          'member',
        );
      }
      if (byEmail.length === 1) return existingMember(byEmail[0], byEmail[0].user_email, member.role);
      return this.createTeamMember(change, randomUUID(), email, member.role);
    }
    const existing = await this.users.find(userId, change.tx);
    const otherUser = byEmail.some((u) => u.user_id !== userId);
    const otherEmail =
      !!email && !!existing?.user_email && existing.user_email.toLowerCase() !== email.toLowerCase();
    if (otherUser || otherEmail) {
      throw badRequest(
        `user_id=${userId} and user_email=${email} do not belong to the same user. Pass one of them.`,
        'member',
      );
    }
    if (existing) return existingMember(existing, existing.user_email ?? email, member.role);
    return this.createTeamMember(change, userId, email, member.role);
  }

  /**
   * An organization member as LiteLLM finds one: the user with the user_id when that user
   * exists, else the one user with the email (several: 400); null when neither matches.
   */
  async findOrganizationMember(change: Change, member: MemberIdentity): Promise<UserRow | null> {
    if (member.user_id) {
      const byId = await this.users.find(member.user_id, change.tx);
      if (byId) return byId;
    }
    if (!member.user_email) return null;
    const byEmail = await usersWithEmail(change.tx, member.user_email);
    if (byEmail.length > 1) {
      throw badRequest(
        "Multiple users with this email found in db. Please use 'user_id' instead.",
        'user_email',
      );
    }
    return byEmail[0] ?? null;
  }

  /** A new internal user for an organization member, with LiteLLM's defaults (no budget, no models). */
  async createOrganizationMember(change: Change, member: MemberIdentity): Promise<UserRow> {
    const email = member.user_email?.trim() || null;
    if (email) await assertEmailFree(change.tx, email);
    const userId = member.user_id ?? randomUUID();
    if (userId === this.config.proxyAdminId) {
      throw badRequest(`user_id ${userId} is reserved for the proxy admin.`, 'member');
    }
    const user = await this.users.create(change, {
      user_id: userId,
      user_email: email,
      user_role: 'internal_user',
      models: [],
    });
    await change.audit({
      action: 'created',
      table: USER_TABLE,
      objectId: userId,
      after: { user_id: userId, user_email: email, user_role: 'internal_user' },
    });
    return user;
  }

  private async createTeamMember(
    change: Change,
    userId: string,
    email: string | null,
    role: TeamRole,
  ): Promise<ResolvedMember> {
    const userRole = userId === this.config.proxyAdminId ? 'proxy_admin' : 'internal_user';
    const { row, created } = await this.users.createIfMissing(change, {
      user_id: userId,
      user_email: email,
      user_role: userRole,
      teams: [],
      models: [],
    });
    if (created) await change.audit({ action: 'created', table: USER_TABLE, objectId: userId, after: row });
    return { user_id: userId, user_email: row.user_email, role, user: row, created };
  }
}

function existingMember(user: UserRow, email: string | null, role: TeamRole): ResolvedMember {
  return { user_id: user.user_id, user_email: email, role, user, created: false };
}
