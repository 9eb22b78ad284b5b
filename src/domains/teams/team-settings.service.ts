import { Injectable } from '@nestjs/common';
import type { Actor } from '../../platform/audit/audit.service';
import { ChangesService } from '../../platform/audit/changes.service';
import { ROUTE_GROUPS } from '../../platform/auth/route-permissions';
import { badRequest, forbidden } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { isProxyAdmin } from '../../tenancy/roles';
import type { TeamModelsRequest, TeamPermissionsUpdateRequest } from './dto/team.requests';
import { TeamAuthorizationService } from './team-authorization.service';
import { DEFAULT_TEAM_MEMBER_PERMISSIONS } from './team-members';
import { findTeamOrThrow, TEAM_TABLE, TeamRow } from './team-rows';

/** What team_member_permissions may hold: key management routes, plus LiteLLM's default /key/health. */
const KEY_ROUTES: readonly string[] = [
  ...new Set([...ROUTE_GROUPS.key_management_routes, ...DEFAULT_TEAM_MEMBER_PERMISSIONS]),
];

/** A team's model list and its members' key permissions (spec tenancy.md §7.12, §3.5). */
@Injectable()
export class TeamSettingsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: TeamAuthorizationService,
    private readonly changes: ChangesService,
  ) {}

  /**
   * POST /team/model/add and /team/model/delete, in one statement each. Adding to a team with
   * every model (`[]`) starts from "all-proxy-models" as LiteLLM does; removing the last model is
   * refused, because `[]` would mean every model.
   */
  async changeModels(actor: Actor, req: TeamModelsRequest, direction: 'add' | 'delete'): Promise<TeamRow> {
    const team = await findTeamOrThrow(this.prisma, req.team_id);
    if (!isProxyAdmin(actor.auth.role) && !this.authz.isTeamAdmin(actor.auth, team))
      throw forbidden('Only proxy admin or team admin can modify team models', 'team_id');
    const models = [...new Set(req.models)];
    if (models.length === 0) throw badRequest('models must name at least one model', 'models');
    return this.changes.run(actor, async (change) => {
      const [locked] = await change.tx.$queryRaw<{ models: string[] | null }[]>`
        SELECT models FROM "LiteLLM_TeamTable" WHERE team_id = ${team.team_id} FOR UPDATE`;
      const before = { models: locked.models ?? [] };
      const next =
        direction === 'add'
          ? [...(before.models.length ? before.models : ['all-proxy-models']), ...models].filter(
              (m, i, all) => all.indexOf(m) === i,
            )
          : before.models.filter((m) => !models.includes(m));
      if (direction === 'delete' && next.length === 0 && before.models.length > 0) {
        throw badRequest(
          'Cannot remove every model of the team: an empty model list means all models. Set the models with /team/update instead.',
          'models',
        );
      }
      const updated = await change.tx.liteLLM_TeamTable.update({
        where: { team_id: team.team_id },
        data: { models: next },
      });
      change.invalidatesTeams(team.team_id);
      await change.audit({
        action: 'updated',
        table: TEAM_TABLE,
        objectId: team.team_id,
        before: { models: before.models },
        after: { models: next },
      });
      return updated;
    });
  }

  /** POST /team/permissions_update: the key routes plain members may call with team keys. */
  async updatePermissions(actor: Actor, req: TeamPermissionsUpdateRequest): Promise<TeamRow> {
    const team = await findTeamOrThrow(this.prisma, req.team_id);
    await this.authz.assertCanManage(actor.auth, team, '/team/permissions_update');
    const unknown = req.team_member_permissions.filter((p) => !KEY_ROUTES.includes(p));
    if (unknown.length) {
      throw badRequest(
        `Invalid team_member_permissions: ${JSON.stringify(unknown)}. Allowed: ${JSON.stringify(KEY_ROUTES)}`,
        'team_member_permissions',
      );
    }
    const permissions = [...new Set(req.team_member_permissions)];
    return this.changes.audited(
      actor,
      {
        action: 'updated',
        table: TEAM_TABLE,
        objectId: team.team_id,
        before: { team_member_permissions: team.team_member_permissions },
        after: { team_member_permissions: permissions },
      },
      (change) => change.invalidatesTeams(team.team_id),
      (tx) =>
        tx.liteLLM_TeamTable.update({
          where: { team_id: team.team_id },
          data: { team_member_permissions: permissions },
        }),
    );
  }
}
