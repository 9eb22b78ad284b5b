import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { Change } from '../platform/audit/changes.service';
import { PrismaService } from '../platform/prisma/prisma.service';
import { NO_PASSWORD, UserRow } from './user-rows';

type Tx = Prisma.TransactionClient;

/**
 * The one writer of `LiteLLM_UserTable`: every domain that creates, changes or deletes a user row
 * (users, team and organization members created on the fly, invitations) does it through here,
 * inside its own change. A write to a user row makes that user's cached keys stale (their owner's
 * role and status are cached with them), so each write names the user to the change; the `teams`
 * column is not cached and names nobody.
 */
@Injectable()
export class UserRecordsService {
  constructor(private readonly prisma: PrismaService) {}

  find(userId: string, db: Pick<Tx, 'liteLLM_UserTable'> = this.prisma): Promise<UserRow | null> {
    return db.liteLLM_UserTable.findUnique({ where: { user_id: userId }, omit: NO_PASSWORD });
  }

  findMany(userIds: string[], db: Pick<Tx, 'liteLLM_UserTable'> = this.prisma): Promise<UserRow[]> {
    return db.liteLLM_UserTable.findMany({ where: { user_id: { in: userIds } }, omit: NO_PASSWORD });
  }

  async exists(userId: string, db: Pick<Tx, 'liteLLM_UserTable'> = this.prisma): Promise<boolean> {
    const row = await db.liteLLM_UserTable.findUnique({
      where: { user_id: userId },
      select: { user_id: true },
    });
    return row !== null;
  }

  async create(change: Change, data: Prisma.LiteLLM_UserTableUncheckedCreateInput): Promise<UserRow> {
    const row = await change.tx.liteLLM_UserTable.create({ data, omit: NO_PASSWORD });
    change.invalidatesUsers(row.user_id);
    return row;
  }

  /**
   * Inserts the row unless a user with its id exists (`ON CONFLICT DO NOTHING`, so concurrent
   * requests that create the same new user all succeed), then reads it.
   */
  async createIfMissing(
    change: Change,
    data: Prisma.LiteLLM_UserTableCreateManyInput,
  ): Promise<{ row: UserRow; created: boolean }> {
    const { count } = await change.tx.liteLLM_UserTable.createMany({ data: [data], skipDuplicates: true });
    change.invalidatesUsers(data.user_id);
    const row = await change.tx.liteLLM_UserTable.findUniqueOrThrow({
      where: { user_id: data.user_id },
      omit: NO_PASSWORD,
    });
    return { row, created: count === 1 };
  }

  async update(
    change: Change,
    userId: string,
    data: Prisma.LiteLLM_UserTableUncheckedUpdateInput,
  ): Promise<UserRow> {
    const row = await change.tx.liteLLM_UserTable.update({
      where: { user_id: userId },
      data,
      omit: NO_PASSWORD,
    });
    change.invalidatesUsers(userId);
    return row;
  }

  /** The row of the master key's user id, created or made a proxy admin (that is its identity). */
  async ensureProxyAdmin(change: Change, userId: string): Promise<void> {
    await change.tx.liteLLM_UserTable.upsert({
      where: { user_id: userId },
      create: { user_id: userId, user_role: 'proxy_admin' },
      update: { user_role: 'proxy_admin' },
    });
    change.invalidatesUsers(userId);
  }

  /** Deletes the rows; returns how many there were. */
  async delete(change: Change, userIds: string[]): Promise<number> {
    const { count } = await change.tx.liteLLM_UserTable.deleteMany({ where: { user_id: { in: userIds } } });
    change.invalidatesUsers(...userIds);
    return count;
  }

  // ---- The `teams` column (the team memberships, as LiteLLM also lists them on the user) ------

  /** Adds the team to each user's `teams` (once). */
  async joinTeam(tx: Tx, userIds: string[], teamId: string): Promise<void> {
    await tx.$executeRaw`
      UPDATE "LiteLLM_UserTable" SET teams = array_append(COALESCE(teams, '{}'), ${teamId}), updated_at = now()
      WHERE user_id = ANY(${userIds}) AND NOT (${teamId} = ANY(COALESCE(teams, '{}')))`;
  }

  /** Removes the team from each user's `teams`. */
  async leaveTeam(tx: Tx, userIds: string[], teamId: string): Promise<void> {
    await tx.$executeRaw`
      UPDATE "LiteLLM_UserTable" SET teams = array_remove(teams, ${teamId}), updated_at = now()
      WHERE user_id = ANY(${userIds}) AND ${teamId} = ANY(teams)`;
  }

  /** Removes these teams from every user's `teams` (the teams are being deleted). */
  async forgetTeams(tx: Tx, teamIds: string[]): Promise<void> {
    await tx.$executeRaw`
      UPDATE "LiteLLM_UserTable" SET teams = ARRAY(SELECT t FROM unnest(teams) t WHERE NOT (t = ANY(${teamIds}))), updated_at = now()
      WHERE teams && ${teamIds}::text[]`;
  }
}
