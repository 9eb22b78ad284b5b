import type { Prisma } from '@prisma/client';
import { badRequest } from '../../platform/common/errors/api-error';

/**
 * Aliases are unique across all keys (generate and update check it). The advisory lock closes the
 * race between two creators; it is held until `tx` ends.
 */
export async function assertKeyAliasFree(
  tx: Prisma.TransactionClient,
  alias: string,
  exceptToken?: string,
): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${'key_alias:' + alias}))`;
  const clash = await tx.liteLLM_VerificationToken.findFirst({
    where: { key_alias: alias, ...(exceptToken ? { token: { not: exceptToken } } : {}) },
    select: { token: true },
  });
  if (clash) {
    throw badRequest(
      `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`,
      'key_alias',
    );
  }
}
