import { randomBytes } from 'node:crypto';
import { hashApiKey } from '../src/platform/common/hashing';
import type { PrismaService } from '../src/platform/prisma/prisma.service';
import { uniq } from './app.factory';

/** A user row the way LiteLLM writes it. */
export async function createUser(
  prisma: PrismaService,
  role: string | null = 'internal_user',
  extra: Record<string, unknown> = {},
) {
  return prisma.liteLLM_UserTable.create({ data: { user_id: uniq('user'), user_role: role, ...extra } });
}

export async function createTeam(prisma: PrismaService, extra: Record<string, unknown> = {}) {
  return prisma.liteLLM_TeamTable.create({
    data: { team_id: uniq('team'), team_alias: uniq('alias'), ...extra },
  });
}

/**
 * A virtual key row the way LiteLLM writes it: token = sha256 hex of the raw `sk-` key.
 * Returns the raw key (what a client sends) and the hash.
 */
export async function createKey(prisma: PrismaService, data: Record<string, unknown> = {}) {
  const raw = `sk-${randomBytes(16).toString('base64url')}`;
  const token = hashApiKey(raw);
  await prisma.liteLLM_VerificationToken.create({
    data: { token, models: [], key_name: `sk-...${raw.slice(-4)}`, ...data },
  });
  return { raw, token };
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
