import { Injectable } from '@nestjs/common';
import { LiteLLM_ProjectTable, Prisma } from '@prisma/client';
import { Actor, AuditService } from '../../platform/audit/audit.service';
import { Change, ChangesService } from '../../platform/audit/changes.service';
import type { AuthContext } from '../../platform/auth/auth-context';
import { isAdminViewer, isProxyAdmin } from '../../platform/auth/roles';
import { BudgetsService, isUniqueViolation, Tx } from '../budgets/budgets.service';
import { badRequest, forbidden } from '../../platform/common/errors/api-error';
import { ObjectPermissionService } from '../object-permissions/object-permission.service';
import { PrismaService } from '../../platform/prisma/prisma.service';
import {
  assertCanManageProject,
  budgetAndBudgetId,
  checkProjectLimits,
  duplicateProject,
  isProjectTeamMember,
  projectNotFound,
  ProjectTeam,
  teamNotFound,
} from './project-rules';
import type { ProjectNewRequest, ProjectUpdateRequest } from './projects.dto';

export interface ProjectLimits {
  projectId: string;
  teamId: string | null;
  models: string[];
  maxBudget: number | null;
}

const PROJECT_TABLE = 'LiteLLM_ProjectTable';
const WITH_RELATIONS = { litellm_budget_table: true, object_permission: true } as const;
const TEAM_COLUMNS = {
  team_id: true,
  admins: true,
  members: true,
  models: true,
  max_budget: true,
  tpm_limit: true,
  rpm_limit: true,
  metadata: true,
} as const;
/** Body fields LiteLLM keeps in the project's metadata rather than in columns of their own. */
const METADATA_FIELDS = ['tags', 'guardrails', 'policies'] as const;
/** Above this many keys a blocked project evicts the whole auth cache instead of key by key. */
const KEY_EVICTION_LIMIT = 500;

export type ProjectRow = Prisma.LiteLLM_ProjectTableGetPayload<{ include: typeof WITH_RELATIONS }>;

/**
 * Projects (`/project/*`): they sit between teams and keys. Every project has a budget row (created
 * through BudgetsService when no budget_id is linked) and may have an object permission; the
 * project, its budget, its object permission and the audit rows commit together.
 */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly budgets: BudgetsService,
    private readonly objectPermissions: ObjectPermissionService,
    private readonly changes: ChangesService,
  ) {}

  /** For keys: the limits a key of this project must stay within. */
  async getLimits(projectId: string): Promise<ProjectLimits | undefined> {
    const row = await this.prisma.liteLLM_ProjectTable.findUnique({
      where: { project_id: projectId },
      select: {
        project_id: true,
        team_id: true,
        models: true,
        litellm_budget_table: { select: { max_budget: true } },
      },
    });
    if (!row) return undefined;
    return {
      projectId: row.project_id,
      teamId: row.team_id,
      models: row.models,
      maxBudget: row.litellm_budget_table?.max_budget ?? null,
    };
  }

  // ---- Routes --------------------------------------------------------------------------------

  async newProject(req: ProjectNewRequest, actor: Actor): Promise<ProjectRow> {
    const fields = this.budgets.pickBudgetFields(req);
    if (req.budget_id != null && this.budgets.hasBudgetFields(fields)) throw budgetAndBudgetId();
    const by = this.actorId(actor.auth);
    try {
      return await this.changes.run(actor, async (change) => {
        const tx = change.tx;
        const team = await this.findTeam(req.team_id, tx);
        if (!team) throw teamNotFound(req.team_id);
        assertCanManageProject(actor.auth, team, 'create');
        checkProjectLimits(req, team);
        if (req.project_id != null && (await this.exists(req.project_id, tx))) {
          throw duplicateProject(req.project_id);
        }
        // LiteLLM always gives a project a budget row, even with no budget fields.
        const budgetId =
          req.budget_id != null
            ? await this.budgets.requireBudget(req.budget_id, tx)
            : (await this.budgets.createBudget(fields, actor, tx)).budget_id;
        const objectPermissionId = req.object_permission
          ? await this.objectPermissions.save(req.object_permission, null, tx)
          : null;
        const row = await tx.liteLLM_ProjectTable.create({
          data: {
            ...(req.project_id != null ? { project_id: req.project_id } : {}),
            project_alias: req.project_alias ?? null,
            description: req.description ?? null,
            team_id: team.team_id,
            budget_id: budgetId,
            metadata: withMetadataFields(req.metadata ?? {}, req),
            models: req.models ?? [],
            model_rpm_limit: (req.model_rpm_limit ?? {}) as Prisma.InputJsonObject,
            model_tpm_limit: (req.model_tpm_limit ?? {}) as Prisma.InputJsonObject,
            blocked: req.blocked ?? false,
            object_permission_id: objectPermissionId,
            created_by: by,
            updated_by: by,
          },
          include: WITH_RELATIONS,
        });
        await change.audit({ action: 'created', table: PROJECT_TABLE, objectId: row.project_id, after: row });
        return row;
      });
    } catch (e) {
      if (req.project_id != null && isUniqueViolation(e)) throw duplicateProject(req.project_id);
      throw e;
    }
  }

  /**
   * Changes the fields sent with a value (null leaves a field alone, as LiteLLM). `metadata` is
   * replaced, not merged (LiteLLM); tags/guardrails/policies go into it. Budget fields change the
   * linked budget in place (or create one when none is linked; LiteLLM drops them then).
   */
  async updateProject(req: ProjectUpdateRequest, actor: Actor): Promise<ProjectRow> {
    const fields = this.budgets.pickBudgetFields(req);
    const ownBudget = this.budgets.hasBudgetFields(fields);
    if (req.budget_id != null && ownBudget) throw budgetAndBudgetId();
    return this.changes.run(actor, async (change) => {
      const tx = change.tx;
      const locked = await tx.$queryRaw<{ project_id: string }[]>`
        SELECT project_id FROM "LiteLLM_ProjectTable" WHERE project_id = ${req.project_id} FOR UPDATE`;
      if (locked.length === 0) throw projectNotFound(req.project_id);
      const before = await tx.liteLLM_ProjectTable.findUniqueOrThrow({
        where: { project_id: req.project_id },
      });
      const target = await this.checkUpdate(req, actor, before, tx);
      const data = this.updatedColumns(req, actor, before, target);
      if (req.budget_id != null) {
        data.budget_id = await this.budgets.requireBudget(req.budget_id, tx);
      } else if (ownBudget) {
        data.budget_id = await this.budgets.saveLinkedBudget(before.budget_id, fields, actor, tx);
      }
      if (req.object_permission != null) {
        data.object_permission_id = await this.objectPermissions.save(
          req.object_permission,
          before.object_permission_id,
          tx,
        );
      }
      const updated = await tx.liteLLM_ProjectTable.update({
        where: { project_id: req.project_id },
        data,
        include: WITH_RELATIONS,
      });
      await change.audit({
        action: 'updated',
        table: PROJECT_TABLE,
        objectId: req.project_id,
        before,
        after: req,
      });
      if (updated.blocked !== before.blocked) await this.keysGoStale(change, updated.project_id);
      return updated;
    });
  }

  /**
   * May the caller change this project (and move it to `req.team_id`)? A project moves only to a team
   * the caller can manage and only while no key uses it. Returns the team it belongs to afterwards.
   */
  private async checkUpdate(
    req: ProjectUpdateRequest,
    actor: Actor,
    before: LiteLLM_ProjectTable,
    tx: Tx,
  ): Promise<ProjectTeam | null> {
    const team = before.team_id ? await this.findTeam(before.team_id, tx) : null;
    assertCanManageProject(actor.auth, team, 'update');
    let target = team;
    if (req.team_id != null && req.team_id !== before.team_id) {
      target = await this.findTeam(req.team_id, tx);
      if (!target) throw teamNotFound(req.team_id);
      // Moving a project must not hand it to a team the caller cannot manage.
      assertCanManageProject(actor.auth, target, 'update');
      const keys = await tx.liteLLM_VerificationToken.count({ where: { project_id: req.project_id } });
      if (keys > 0) {
        throw badRequest(
          `Cannot move project ${req.project_id} to team ${req.team_id}. ${keys} key(s) are associated with it. Please delete or reassign the keys first.`,
          'team_id',
        );
      }
    }
    checkProjectLimits(req, target);
    return target;
  }

  /** The project's own columns that change (budget and object permission are saved by the caller). */
  private updatedColumns(
    req: ProjectUpdateRequest,
    actor: Actor,
    before: LiteLLM_ProjectTable,
    target: ProjectTeam | null,
  ): Prisma.LiteLLM_ProjectTableUncheckedUpdateInput {
    const data: Prisma.LiteLLM_ProjectTableUncheckedUpdateInput = { updated_by: this.actorId(actor.auth) };
    if (target && target.team_id !== before.team_id) data.team_id = target.team_id;
    if (req.project_alias != null) data.project_alias = req.project_alias;
    if (req.description != null) data.description = req.description;
    if (req.models != null) data.models = req.models;
    if (req.model_rpm_limit != null) data.model_rpm_limit = req.model_rpm_limit as Prisma.InputJsonObject;
    if (req.model_tpm_limit != null) data.model_tpm_limit = req.model_tpm_limit as Prisma.InputJsonObject;
    if (req.blocked != null) data.blocked = req.blocked;
    if (req.metadata != null) {
      data.metadata = withMetadataFields(req.metadata, req);
    } else if (METADATA_FIELDS.some((f) => req[f] != null)) {
      data.metadata = withMetadataFields(asObject(before.metadata), req);
    }
    return data;
  }

  /**
   * Proxy admins only. All or nothing: an unknown id (404) or a project that still has keys (400,
   * LiteLLM's rule) deletes nothing. The rows are locked first, so no key can be linked to them
   * between the check and the delete. Budget and object-permission rows stay (LiteLLM).
   */
  async deleteProjects(projectIds: string[], actor: Actor): Promise<ProjectRow[]> {
    if (!isProxyAdmin(actor.auth.role)) throw forbidden('Only admins can delete projects');
    const ids = [...new Set(projectIds)];
    if (ids.length === 0) {
      throw badRequest(
        'project_ids is required and must not be empty, passed project_ids = []',
        'project_ids',
      );
    }
    return this.changes.run(
      actor,
      async (change) => {
        const tx = change.tx;
        const locked = await tx.$queryRaw<{ project_id: string }[]>`
          SELECT project_id FROM "LiteLLM_ProjectTable" WHERE project_id = ANY(${ids}) FOR UPDATE`;
        const found = new Set(locked.map((r) => r.project_id));
        const missing = ids.filter((id) => !found.has(id));
        if (missing.length > 0) throw projectNotFound(missing.join(', '), 'project_ids');
        const withKeys = await tx.$queryRaw<{ project_id: string; keys: bigint }[]>`
          SELECT project_id, count(*) AS keys FROM "LiteLLM_VerificationToken"
          WHERE project_id = ANY(${ids}) GROUP BY project_id`;
        const keysOf = new Map(withKeys.map((r) => [r.project_id, Number(r.keys)]));
        const busy = ids.find((id) => keysOf.has(id));
        if (busy !== undefined) {
          throw badRequest(
            `Cannot delete project ${busy}. ${keysOf.get(busy)} key(s) are associated with it. Please delete or reassign the keys first.`,
            'project_ids',
          );
        }
        const rows = await tx.liteLLM_ProjectTable.findMany({
          where: { project_id: { in: ids } },
          include: WITH_RELATIONS,
        });
        await tx.liteLLM_ProjectTable.deleteMany({ where: { project_id: { in: ids } } });
        const byId = new Map(rows.map((r) => [r.project_id, r]));
        const ordered = ids.map((id) => byId.get(id)!);
        for (const row of ordered) {
          await change.audit({
            action: 'deleted',
            table: PROJECT_TABLE,
            objectId: row.project_id,
            before: row,
          });
        }
        return ordered;
      },
      { timeout: 30_000 },
    );
  }

  /** Proxy admins and admin viewers, or members of the project's team (legacy admins/members arrays). */
  async projectInfo(projectId: string, auth: AuthContext): Promise<ProjectRow> {
    const row = await this.prisma.liteLLM_ProjectTable.findUnique({
      where: { project_id: projectId },
      include: WITH_RELATIONS,
    });
    if (!row) throw projectNotFound(projectId);
    if (!isAdminViewer(auth.role)) {
      const team = row.team_id ? await this.findTeam(row.team_id, this.prisma) : null;
      if (!isProjectTeamMember(auth.userId, team)) throw forbidden("You don't have access to this project");
    }
    return row;
  }

  /** Admin viewers see every project; others the projects of teams whose legacy arrays list them. */
  async listProjects(auth: AuthContext): Promise<ProjectRow[]> {
    const orderBy = [{ created_at: 'asc' as const }, { project_id: 'asc' as const }];
    if (isAdminViewer(auth.role)) {
      return this.prisma.liteLLM_ProjectTable.findMany({ include: WITH_RELATIONS, orderBy });
    }
    if (!auth.userId) return [];
    const teams = await this.prisma.liteLLM_TeamTable.findMany({
      where: { OR: [{ admins: { has: auth.userId } }, { members: { has: auth.userId } }] },
      select: { team_id: true },
    });
    if (teams.length === 0) return [];
    return this.prisma.liteLLM_ProjectTable.findMany({
      where: { team_id: { in: teams.map((t) => t.team_id) } },
      include: WITH_RELATIONS,
      orderBy,
    });
  }

  // ---- Helpers -------------------------------------------------------------------------------

  /**
   * The team row the project rules need. Read here rather than through TeamsService: the teams
   * module may depend on keys, which depend on projects, and the rules need the legacy arrays.
   */
  private async findTeam(teamId: string, db: Tx | PrismaService): Promise<ProjectTeam | null> {
    return db.liteLLM_TeamTable.findUnique({ where: { team_id: teamId }, select: TEAM_COLUMNS });
  }

  private async exists(projectId: string, tx: Tx): Promise<boolean> {
    const row = await tx.liteLLM_ProjectTable.findUnique({
      where: { project_id: projectId },
      select: { project_id: true },
    });
    return row !== null;
  }

  /**
   * Keys of a project whose `blocked` changed go stale on every pod, read in the change's transaction
   * (past KEY_EVICTION_LIMIT keys, the whole auth cache).
   */
  private async keysGoStale(change: Change, projectId: string): Promise<void> {
    const keys = await change.tx.liteLLM_VerificationToken.findMany({
      where: { project_id: projectId },
      select: { token: true },
      take: KEY_EVICTION_LIMIT + 1,
    });
    if (keys.length > KEY_EVICTION_LIMIT) change.invalidatesEverything();
    else change.invalidatesKeys(...keys.map((k) => k.token));
  }

  /** `created_by` / `updated_by`: the caller's user id, else the proxy admin name (LiteLLM). */
  private actorId(auth: AuthContext): string {
    return this.audit.actorId(auth);
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** LiteLLM keeps `tags`, `guardrails` (and here `policies`) of a project in its metadata. */
function withMetadataFields(
  metadata: Record<string, unknown>,
  req: Partial<Record<(typeof METADATA_FIELDS)[number], string[] | null>>,
): Prisma.InputJsonObject {
  const out: Record<string, unknown> = { ...metadata };
  for (const field of METADATA_FIELDS) {
    const value = req[field];
    if (value != null) out[field] = value;
  }
  return out as Prisma.InputJsonObject;
}
