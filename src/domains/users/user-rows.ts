import { Prisma } from '@prisma/client';
import { conflict } from '../../platform/common/errors/api-error';
import { NO_PASSWORD } from '../../tenancy/user-rows';

/** The UI session team (`/onboarding/get_token` keys); never listed with a user's keys. */
export const DASHBOARD_TEAM = 'litellm-dashboard';

type Db = Pick<Prisma.TransactionClient, 'liteLLM_UserTable'>;

/** A request as it goes into the audit log: never the password, not even hashed. */
export function auditValues(req: object): Record<string, unknown> {
  const { password, ...rest } = req as Record<string, unknown>;
  return password === undefined ? rest : { ...rest, password: '********' };
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
