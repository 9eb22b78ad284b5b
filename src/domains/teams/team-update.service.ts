import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import type { Actor } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { badRequest, forbidden, notFound } from '../../platform/common/errors/api-error';
import { PrismaService } from '../../platform/prisma/prisma.service';
import { OrganizationMembershipsService } from '../../tenancy/organization-memberships.service';
import { isProxyAdmin } from '../../tenancy/roles';
import { memberIds } from '../../tenancy/team-members';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import { OrganizationLimits, OrganizationsService } from '../organizations/organizations.service';
import type { TeamUpdateRequest } from './dto/team.requests';
import { TeamAuthorizationService } from './team-authorization.service';
import { TeamLifecycleService } from './team-lifecycle.service';
import { TeamMemberBudgetsService } from './team-member-budgets.service';
import { TEAM_ADMIN_EDITABLE_FIELDS, teamAdminPermissions } from './team-members';
import {
  findTeamOrThrow,
  TEAM_TABLE,
  teamColumns,
  teamMetadata,
  TeamRow,
  teamNotFound,
  Tx,
  validateTeamFields,
} from './team-rows';

/** Fields a request may carry without changing anything. */
const CONTEXT_FIELDS = new Set(['team_id']);
const EDITABLE_BY_TEAM_ADMINS: readonly string[] = TEAM_ADMIN_EDITABLE_FIELDS;

/**
 * POST /team/update (spec tenancy.md §7.3, [newest] pinned): proxy admins and org admins of the
 * team's organization change any field; team admins only the fields a proxy admin enabled in
 * the team's `team_admin_permissions`; everyone else gets 403. Moving a team to another
 * organization needs org-admin rights in both, and the team must fit the new organization.
 */
@Injectable()
export class TeamUpdateService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: TeamAuthorizationService,
    private readonly lifecycle: TeamLifecycleService,
    private readonly memberBudgets: TeamMemberBudgetsService,
    private readonly orgs: OrganizationsService,
    private readonly objectPermissions: ObjectPermissionService,
    private readonly orgMemberships: OrganizationMembershipsService,
    private readonly changes: ChangesService,
  ) {}

  async update(actor: Actor, req: TeamUpdateRequest) {
    const { auth } = actor;
    const now = new Date();
    if (!req.team_id) throw badRequest('No team id passed in', 'team_id');
    const existing = await findTeamOrThrow(this.prisma, req.team_id);
    const destination = req.organization_id === undefined ? undefined : req.organization_id || null;
    const moves = destination !== undefined && destination !== existing.organization_id;
    await this.authorize(auth, existing, req, moves);
    validateTeamFields(req, now);
    this.lifecycle.checkProxyAdminOnlyFields(auth, req);
    if (moves && destination) {
      const org = await this.orgs.limits(destination);
      if (!org)
        throw notFound(`Organization not found, passed organization_id=${destination}`, 'organization_id');
      await this.checkFits(auth, existing, req, org);
    }
    const row = await this.changes.run(actor, (change) =>
      this.write(change, actor, existing, req, { now, moveTo: moves ? destination : undefined }),
    );
    return { team_id: row.team_id, data: row };
  }

  /**
   * The update itself, with the team row locked (metadata is merged with what is stored). `moveTo`
   * is the organization the team moves to (null: out of any), `undefined` when it stays.
   */
  private async write(
    change: Change,
    actor: Actor,
    existing: TeamRow,
    req: TeamUpdateRequest,
    opts: { now: Date; moveTo: string | null | undefined },
  ) {
    const { tx } = change;
    const [locked] = await tx.$queryRaw<{ metadata: unknown }[]>`
      SELECT metadata FROM "LiteLLM_TeamTable" WHERE team_id = ${existing.team_id} FOR UPDATE`;
    if (!locked) throw teamNotFound(existing.team_id);
    const { data, metadata } = teamColumns(req, opts.now, teamMetadata(locked));
    await this.saveMemberSettings(tx, actor, existing, req, metadata);
    await this.saveLinkedRows(tx, actor, existing, req, data);
    if (opts.moveTo !== undefined) {
      data.organization_id = opts.moveTo;
      // LiteLLM: a proxy admin's move makes the team's members members of the new organization.
      if (opts.moveTo && isProxyAdmin(actor.auth.role))
        await this.orgMemberships.addUsersToOrganization(
          tx,
          opts.moveTo,
          memberIds(existing.members_with_roles),
        );
    }
    const updated = await tx.liteLLM_TeamTable.update({
      where: { team_id: existing.team_id },
      data: { ...data, metadata: metadata as Prisma.InputJsonValue },
      include: { litellm_model_table: true },
    });
    change.invalidatesTeams(existing.team_id);
    const { team_id: _id, ...changes } = req;
    await change.audit({
      action: 'updated',
      table: TEAM_TABLE,
      objectId: existing.team_id,
      before: existing,
      after: Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
    });
    return updated;
  }

  /** The member-default budget and the team-admin permissions, both kept in `metadata`. */
  private async saveMemberSettings(
    tx: Tx,
    actor: Actor,
    existing: TeamRow,
    req: TeamUpdateRequest,
    metadata: Record<string, unknown>,
  ) {
    const budgetId = await this.memberBudgets.saveDefaultBudget(tx, actor, req, {
      team_alias: req.team_alias ?? existing.team_alias,
      budget_duration: req.budget_duration ?? existing.budget_duration,
      metadata,
    });
    if (budgetId) metadata.team_member_budget_id = budgetId;
    if (req.team_admin_permissions !== undefined) {
      if (req.team_admin_permissions === null) delete metadata.team_admin_permissions;
      else metadata.team_admin_permissions = [...new Set(req.team_admin_permissions)];
    }
  }

  /** The rows the team links to: its model aliases (LiteLLM_ModelTable) and object permission. */
  private async saveLinkedRows(
    tx: Tx,
    actor: Actor,
    existing: TeamRow,
    req: TeamUpdateRequest,
    data: Prisma.LiteLLM_TeamTableUncheckedUpdateInput,
  ) {
    if (req.model_aliases !== undefined) {
      const by = this.lifecycle.actorId(actor.auth);
      if (existing.model_id !== null) {
        await tx.liteLLM_ModelTable.update({
          where: { id: existing.model_id },
          data: { model_aliases: (req.model_aliases ?? {}) as Prisma.InputJsonValue, updated_by: by },
        });
      } else {
        data.model_id = await this.lifecycle.createModelAliases(tx, req.model_aliases ?? {}, by);
      }
    }
    if (req.object_permission) {
      data.object_permission_id = await this.objectPermissions.save(
        req.object_permission,
        existing.object_permission_id,
        tx,
      );
    }
  }

  private async authorize(auth: AuthContext, team: TeamRow, req: TeamUpdateRequest, moves: boolean) {
    if (isProxyAdmin(auth.role)) return;
    if (await this.authz.isOrgAdminOfTeam(auth, team)) {
      if (!moves) return;
      const destination = req.organization_id || null;
      if (destination && (await this.authz.isOrgAdmin(auth, destination))) return;
      throw forbidden(
        `You do not have access to this team's destination organization: moving team=${team.team_id} to organization_id=${destination ?? 'None'} needs org admin rights in both organizations (or a proxy admin).`,
        'organization_id',
      );
    }
    if (this.authz.isTeamAdmin(auth, team)) {
      const enabled = teamAdminPermissions(team.metadata).filter((p) => EDITABLE_BY_TEAM_ADMINS.includes(p));
      const sent = Object.entries(req)
        .filter(([field, value]) => value !== undefined && !CONTEXT_FIELDS.has(field))
        .filter(([field]) => !(field === 'organization_id' && !moves))
        .map(([field]) => field);
      const refused = sent.filter((field) => !enabled.includes(field));
      if (refused.length === 0) return;
      throw forbidden(
        `Team admins cannot edit team settings ${JSON.stringify(refused)} of team=${team.team_id}. Team admin editable fields: ${JSON.stringify(enabled)}. A proxy admin can enable fields with team_admin_permissions.`,
        refused[0],
      );
    }
    throw forbidden(
      `You do not have access to this team. Only proxy admins, org admins of the team's organization and (for fields a proxy admin enabled) team admins can update team=${team.team_id}.`,
      'team_id',
    );
  }

  /** LiteLLM's `validate_team_org_change` (403 when the team does not fit the organization). */
  private async checkFits(auth: AuthContext, team: TeamRow, req: TeamUpdateRequest, org: OrganizationLimits) {
    const prefix = 'Cannot move team to organization.';
    const models = req.models ?? team.models ?? [];
    if (org.models.length > 0 && !org.models.includes('all-proxy-models')) {
      if (models.length === 0)
        throw forbidden(
          `${prefix} Team has access to all proxy models, but the organization does not.`,
          'organization_id',
        );
      const outside = models.filter((m) => !org.models.includes(m));
      if (outside.length) {
        throw forbidden(
          `${prefix} Team has models ${JSON.stringify(outside)} that the organization cannot access.`,
          'organization_id',
        );
      }
    }
    const maxBudget = req.max_budget !== undefined ? req.max_budget : team.max_budget;
    if (maxBudget && org.maxBudget && maxBudget > org.maxBudget) {
      throw forbidden(
        `${prefix} Team has max_budget ${maxBudget} that is greater than the organization's max_budget ${org.maxBudget}.`,
        'organization_id',
      );
    }
    if (!isProxyAdmin(auth.role)) {
      const outside = await this.orgMemberships.nonMembers(
        org.organizationId,
        memberIds(team.members_with_roles),
      );
      if (outside.length) {
        throw forbidden(
          `${prefix} Team has user_id ${JSON.stringify(outside)} that is not a member of the organization.`,
          'organization_id',
        );
      }
    }
    for (const [kind, sent, current, limit] of [
      ['tpm_limit', req.tpm_limit, team.tpm_limit, org.tpmLimit],
      ['rpm_limit', req.rpm_limit, team.rpm_limit, org.rpmLimit],
    ] as const) {
      const value = sent !== undefined ? (sent === null ? null : BigInt(sent)) : current;
      if (value && limit && value > limit) {
        throw forbidden(
          `${prefix} Team has ${kind} ${value} that is greater than the organization's ${kind} ${limit}.`,
          'organization_id',
        );
      }
    }
  }
}
