import { Injectable } from '@nestjs/common';
import type { Prisma } from '@prisma/client';
import type { Actor } from '../../platform/audit/audit.service';
import { BudgetsService } from '../budgets/budgets.service';
import { badRequest, notFound } from '../../platform/common/errors/api-error';
import { OrganizationsService } from '../organizations/organizations.service';
import { ProjectsService } from '../projects/projects.service';
import type { KeyFieldsRequest } from './dto/key-fields.request';

/**
 * The rows of other domains a key request points at, shared by generate and update: the
 * organization, project and budget it names must exist (and the project's limits hold), and its
 * `soft_budget` lives in a linked budget row.
 */
@Injectable()
export class KeyReferencesService {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly projects: ProjectsService,
    private readonly budgets: BudgetsService,
  ) {}

  /** Organization, project and budget ids named by the request must exist. */
  async checkReferences(req: KeyFieldsRequest): Promise<void> {
    if (req.organization_id && !(await this.organizations.exists(req.organization_id))) {
      throw badRequest(
        `Organization not found for organization_id=${req.organization_id}`,
        'organization_id',
      );
    }
    if (req.budget_id && !(await this.budgets.budgetExists(req.budget_id))) {
      throw badRequest(`Budget not found, budget_id=${req.budget_id}`, 'budget_id');
    }
    if (req.project_id) {
      const project = await this.projects.getLimits(req.project_id);
      if (!project) throw notFound(`Project not found, project_id=${req.project_id}`, 'project_id');
      const outside = (req.models ?? []).filter(
        (m) => project.models.length > 0 && !project.models.includes(m),
      );
      if (outside.length)
        throw badRequest(
          `Models ${JSON.stringify(outside)} are not allowed by project=${req.project_id}`,
          'models',
        );
      if (
        project.maxBudget !== null &&
        typeof req.max_budget === 'number' &&
        req.max_budget > project.maxBudget
      ) {
        throw badRequest(
          `max_budget (${req.max_budget}) is greater than the project's max_budget (${project.maxBudget})`,
          'max_budget',
        );
      }
    }
  }

  /** `soft_budget` lives in a budget row linked through budget_id (created, or the linked one updated). */
  async saveSoftBudget(
    tx: Prisma.TransactionClient,
    actor: Actor,
    req: KeyFieldsRequest,
    existingBudgetId: string | null,
  ): Promise<string | undefined> {
    if (req.soft_budget === undefined || req.soft_budget === null) return undefined;
    const fields = {
      soft_budget: req.soft_budget,
      ...(req.model_max_budget ? { model_max_budget: req.model_max_budget } : {}),
    };
    return this.budgets.saveLinkedBudget(req.budget_id ?? existingBudgetId, fields, actor, tx);
  }
}
