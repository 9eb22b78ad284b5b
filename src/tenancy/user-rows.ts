import { Prisma } from '@prisma/client';
import { conflict } from '../platform/common/errors/api-error';

/**
 * LiteLLM_UserTable as every domain that creates or reads users needs it (users, and organization
 * members created on the fly), below those domains so none of them imports another for it.
 */
export const USER_TABLE = 'LiteLLM_UserTable';
/** Every read of a user row leaves the password hash out. */
export const NO_PASSWORD = { password: true } as const;

type Db = Pick<Prisma.TransactionClient, 'liteLLM_UserTable' | '$executeRaw'>;

/**
 * Emails are unique across users, compared trimmed and case-insensitively (LiteLLM checks this
 * on /user/new). Called inside the writing transaction: the advisory lock makes two concurrent
 * writers of the same email take turns, so the check cannot be raced.
 */
export async function assertEmailFree(tx: Db, email: string, exceptUserId?: string) {
  const normalised = email.trim().toLowerCase();
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${'user_email:' + normalised}))`;
  const clash = await tx.liteLLM_UserTable.findFirst({
    where: {
      user_email: { equals: email.trim(), mode: 'insensitive' },
      ...(exceptUserId ? { user_id: { not: exceptUserId } } : {}),
    },
    select: { user_email: true },
  });
  if (clash) throw conflict(`User with email ${clash.user_email} already exists`, 'user_email');
}
