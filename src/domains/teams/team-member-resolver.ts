import { randomUUID } from 'node:crypto';
import { LiteLLM_UserTable } from '@prisma/client';
import { badRequest } from '../../platform/common/errors/api-error';
import type { TeamMemberRequest, TeamRole } from './dto/team-member.requests';
import type { Tx } from './team-rows';
import { NO_PASSWORD } from '../../tenancy/user-rows';

export type UserRow = Omit<LiteLLM_UserTable, 'password'>;

/** A requested member, resolved to a user row (created when LiteLLM would create it). */
export interface ResolvedMember {
  user_id: string;
  user_email: string | null;
  role: TeamRole;
  user: UserRow;
  created: boolean;
}

/**
 * Turns a Member (`user_id`, `user_email` or both) into a user row, inside the adding
 * transaction (spec tenancy.md §7.7): an unknown user_id gets a user row with defaults; an email
 * resolves to the one user with that email (trimmed, case-insensitive) or to a new user with a
 * uuid id; several users with the email, or an id and an email of two different users, are 400.
 * Emails take the same advisory lock as /user/new, so two adds of one new email create one user.
 */
/**
 * `proxyAdminId` is the master key's user id: if a member row has to be created for it, it is a
 * proxy admin (the master key acts as one), never an internal user.
 */
export async function resolveMember(
  tx: Tx,
  member: TeamMemberRequest,
  proxyAdminId: string,
): Promise<ResolvedMember> {
  const userId = member.user_id?.trim() || null;
  const email = member.user_email?.trim() || null;
  if (!userId && !email)
    throw badRequest('Either user_id or user_email needs to be passed in for every member', 'member');
  if (email) {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${'user_email:' + email.toLowerCase()}))`;
  }
  const byEmail = email
    ? await tx.liteLLM_UserTable.findMany({
        where: { user_email: { equals: email, mode: 'insensitive' } },
        omit: NO_PASSWORD,
        take: 2,
        orderBy: [{ created_at: 'asc' }, { user_id: 'asc' }],
      })
    : [];
  if (userId) {
    if (email && byEmail.some((u) => u.user_id !== userId)) {
      throw badRequest(
        `user_id=${userId} and user_email=${email} do not belong to the same user. Pass one of them.`,
        'member',
      );
    }
    const existing = await tx.liteLLM_UserTable.findUnique({ where: { user_id: userId }, omit: NO_PASSWORD });
    if (existing) {
      if (email && existing.user_email && existing.user_email.toLowerCase() !== email.toLowerCase()) {
        throw badRequest(
          `user_id=${userId} and user_email=${email} do not belong to the same user. Pass one of them.`,
          'member',
        );
      }
      return {
        user_id: userId,
        user_email: existing.user_email ?? email,
        role: member.role,
        user: existing,
        created: false,
      };
    }
    return createUser(
      tx,
      userId,
      email,
      member.role,
      userId === proxyAdminId ? 'proxy_admin' : 'internal_user',
    );
  }
  if (byEmail.length > 1) {
    throw badRequest("Multiple users with this email found in db. Please use 'user_id' instead.", 'member');
  }
  if (byEmail.length === 1) {
    const user = byEmail[0];
    return { user_id: user.user_id, user_email: user.user_email, role: member.role, user, created: false };
  }
  return createUser(tx, randomUUID(), email, member.role, 'internal_user');
}

async function createUser(
  tx: Tx,
  userId: string,
  email: string | null,
  role: TeamRole,
  userRole: 'proxy_admin' | 'internal_user',
): Promise<ResolvedMember> {
  // ON CONFLICT: a concurrent add of the same new user id must not fail the whole request.
  const inserted = await tx.$executeRaw`
    INSERT INTO "LiteLLM_UserTable" (user_id, user_email, user_role, teams, models, created_at, updated_at)
    VALUES (${userId}, ${email}, ${userRole}, '{}', '{}', now(), now())
    ON CONFLICT (user_id) DO NOTHING`;
  const user = await tx.liteLLM_UserTable.findUniqueOrThrow({
    where: { user_id: userId },
    omit: NO_PASSWORD,
  });
  return { user_id: userId, user_email: user.user_email, role, user, created: inserted > 0 };
}
