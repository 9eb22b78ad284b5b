import { Prisma } from '@prisma/client';
import type { SpendEntity, SpendEntityKind } from './spend-event';

/** The Redis key of an entity's live counter (LiteLLM's names; team members as user:team). */
export function counterKey(entity: SpendEntity): string {
  if (entity.kind === 'team_member') {
    const { teamId, userId } = memberOf(entity);
    return `spend:team_member:${userId}:${teamId}`;
  }
  return `spend:${entity.kind}:${entity.id}`;
}

/** The prefix of every counter of one kind (`spend:team:` does not match `spend:team_member:`). */
export function counterPrefix(kind: SpendEntityKind): string {
  return `spend:${kind}:`;
}

/** A team member's halves: from the entity, else split at the first ':' of `${teamId}:${userId}`. */
function memberOf(entity: SpendEntity): { teamId: string; userId: string } {
  if (entity.teamId !== undefined && entity.userId !== undefined)
    return { teamId: entity.teamId, userId: entity.userId };
  const at = entity.id.indexOf(':');
  return { teamId: entity.id.slice(0, at), userId: entity.id.slice(at + 1) };
}

/**
 * An entity's spend as the ledger knows it: its row's `spend` plus the spend of its logs not yet counted
 * (pending). One statement, one snapshot, and the aggregator moves a row from pending into `spend` in
 * one transaction, so each committed log is in exactly one of the two.
 */
export function seedQuery(entity: SpendEntity): Prisma.Sql {
  const { row, logs } = seedParts(entity);
  return Prisma.sql`
    SELECT (coalesce((${row}), 0) + coalesce((
      SELECT sum(s.spend) FROM "ControlPlane_SpendLogPending" p
      JOIN "LiteLLM_SpendLogs" s ON s.request_id = p.request_id
      WHERE ${logs}), 0))::float8 AS spend`;
}

function seedParts(entity: SpendEntity): { row: Prisma.Sql; logs: Prisma.Sql } {
  const id = entity.id;
  switch (entity.kind) {
    case 'key':
      return {
        row: Prisma.sql`SELECT spend FROM "LiteLLM_VerificationToken" WHERE token = ${id}`,
        logs: Prisma.sql`s.api_key = ${id}`,
      };
    case 'user':
      return {
        row: Prisma.sql`SELECT spend FROM "LiteLLM_UserTable" WHERE user_id = ${id}`,
        logs: Prisma.sql`s."user" = ${id}`,
      };
    case 'team':
      return {
        row: Prisma.sql`SELECT spend FROM "LiteLLM_TeamTable" WHERE team_id = ${id}`,
        logs: Prisma.sql`s.team_id = ${id}`,
      };
    case 'team_member': {
      const { teamId, userId } = memberOf(entity);
      return {
        row: Prisma.sql`SELECT spend FROM "LiteLLM_TeamMembership" WHERE user_id = ${userId} AND team_id = ${teamId}`,
        logs: Prisma.sql`s."user" = ${userId} AND s.team_id = ${teamId}`,
      };
    }
    case 'org':
      return {
        row: Prisma.sql`SELECT spend FROM "LiteLLM_OrganizationTable" WHERE organization_id = ${id}`,
        logs: Prisma.sql`s.organization_id = ${id}`,
      };
    case 'end_user':
      return {
        row: Prisma.sql`SELECT spend FROM "LiteLLM_EndUserTable" WHERE user_id = ${id}`,
        logs: Prisma.sql`s.end_user = ${id}`,
      };
    case 'tag':
      return {
        row: Prisma.sql`SELECT spend FROM "LiteLLM_TagTable" WHERE tag_name = ${id}`,
        logs: Prisma.sql`s.request_tags @> jsonb_build_array(${id}::text)`,
      };
    case 'project':
      return {
        row: Prisma.sql`SELECT spend FROM "LiteLLM_ProjectTable" WHERE project_id = ${id}`,
        logs: Prisma.sql`s.metadata->>'user_api_key_project_id' = ${id}`,
      };
    case 'key_model': {
      // The key's token is a hash (no ':'); the model group is the rest.
      const at = id.indexOf(':');
      const token = id.slice(0, at);
      const group = id.slice(at + 1);
      return {
        row: Prisma.sql`SELECT CASE WHEN jsonb_typeof(model_spend->${group}) = 'number'
          THEN (model_spend->>${group})::float8 END
          FROM "LiteLLM_VerificationToken" WHERE token = ${token}`,
        logs: Prisma.sql`s.api_key = ${token} AND s.model_group = ${group}`,
      };
    }
  }
}
