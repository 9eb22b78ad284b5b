import { Prisma } from '@prisma/client';
import { conflict } from '../common/errors/api-error';

export const USER_TABLE = 'LiteLLM_UserTable';
/** The UI session team (`/onboarding/get_token` keys); never listed with a user's keys. */
export const DASHBOARD_TEAM = 'litellm-dashboard';
/** Every read of a user row leaves the password hash out. */
export const NO_PASSWORD = { password: true } as const;

type Db = Pick<Prisma.TransactionClient, 'liteLLM_UserTable' | '$executeRaw'>;

/** A request as it goes into the audit log: never the password, not even hashed. */
export function auditValues(req: object): Record<string, unknown> {
  const { password, ...rest } = req as Record<string, unknown>;
  return password === undefined ? rest : { ...rest, password: '********' };
}

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

export async function assertSsoIdFree(tx: Db, ssoUserId: string, exceptUserId?: string) {
  const clash = await tx.liteLLM_UserTable.findFirst({
    where: { sso_user_id: ssoUserId, ...(exceptUserId ? { user_id: { not: exceptUserId } } : {}) },
    select: { user_id: true },
  });
  if (clash) throw conflict(`User with sso_user_id ${ssoUserId} already exists`, 'sso_user_id');
}

/** The first user (oldest) whose email matches, trimmed and case-insensitively. */
export function findUserByEmail(db: Pick<Prisma.TransactionClient, 'liteLLM_UserTable'>, email: string) {
  return db.liteLLM_UserTable.findFirst({
    where: { user_email: { equals: email.trim(), mode: 'insensitive' } },
    orderBy: [{ created_at: 'asc' }, { user_id: 'asc' }],
    omit: NO_PASSWORD,
  });
}
