import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

export interface ProjectLimits {
  projectId: string;
  teamId: string | null;
  models: string[];
  maxBudget: number | null;
}

/** Project reads other domains need (issue 4 grows this domain). */
@Injectable()
export class ProjectsService {
  constructor(private readonly prisma: PrismaService) {}

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
}
