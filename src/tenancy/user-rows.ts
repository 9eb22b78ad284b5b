import { LiteLLM_UserTable, Prisma } from '@prisma/client';
import { conflict } from '../platform/common/errors/api-error';

/**
 * LiteLLM_UserTable as every domain that creates or reads users needs it (users, and organization
 * members created on the fly), below those domains so none of them imports another for it.
 */
export const USER_TABLE = 'LiteLLM_UserTable';
/** Every read of a user row leaves the password hash out. */
export const NO_PASSWORD = { password: true } as const;

/** A user row as it is read and shown: never the password hash. */
export type UserRow = Omit<LiteLLM_UserTable, 'password'>;

type Db = Pick<Prisma.TransactionClient, 'liteLLM_UserTable' | '$executeRaw'>;
type Reader = Pick<Prisma.TransactionClient, 'liteLLM_UserTable'>;

/** Takes the advisory lock every writer of this email takes, in the caller's transaction. */
export async function lockEmail(tx: Pick<Prisma.TransactionClient, '$executeRaw'>, email: string) {
  const normalised = email.trim().toLowerCase();
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${'user_email:' + normalised}))`;
}

/**
 * Emails are unique across users, compared trimmed and case-insensitively (LiteLLM checks this
 * on /user/new). Called inside the writing transaction: the advisory lock makes two concurrent
 * writers of the same email take turns, so the check cannot be raced.
 */
export async function assertEmailFree(tx: Db, email: string, exceptUserId?: string) {
  await lockEmail(tx, email);
  const clash = await tx.liteLLM_UserTable.findFirst({
    where: {
      user_email: { equals: email.trim(), mode: 'insensitive' },
      ...(exceptUserId ? { user_id: { not: exceptUserId } } : {}),
    },
    select: { user_email: true },
  });
  if (clash) throw conflict(`User with email ${clash.user_email} already exists`, 'user_email');
}

export async function assertSsoIdFree(tx: Reader, ssoUserId: string, exceptUserId?: string) {
  const clash = await tx.liteLLM_UserTable.findFirst({
    where: { sso_user_id: ssoUserId, ...(exceptUserId ? { user_id: { not: exceptUserId } } : {}) },
    select: { user_id: true },
  });
  if (clash) throw conflict(`User with sso_user_id ${ssoUserId} already exists`, 'sso_user_id');
}

/**
 * The users with this email (trimmed, case-insensitive), oldest first, at most `take`: the first
 * is the one an email names, and a second one means the email is ambiguous.
 */
export function usersWithEmail(db: Reader, email: string, take = 2): Promise<UserRow[]> {
  return db.liteLLM_UserTable.findMany({
    where: { user_email: { equals: email.trim(), mode: 'insensitive' } },
    omit: NO_PASSWORD,
    orderBy: [{ created_at: 'asc' }, { user_id: 'asc' }],
    take,
  });
}
