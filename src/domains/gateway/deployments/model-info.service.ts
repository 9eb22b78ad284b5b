import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../platform/auth/auth-context';
import { isAdminViewer } from '../../../platform/auth/roles';
import { notFound } from '../../../platform/common/errors/api-error';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import { DeploymentsService, RegisteredModel } from './deployments.service';
import { isVisible, modelGroupInfos, modelInfoItem } from './model-views';
import type { ModelInfoQuery, ModelInfoV2Query } from './models.dto';

/** On a key: defer to the team's models. */
const ALL_TEAM_MODELS = 'all-team-models';

/**
 * `/model/info`, `/v2/model/info` and `/model_group/info`, read from the in-memory registry. Open
 * to every key (LiteLLM's info routes), filtered to the models the key may call: the key's
 * `models`, else its team's, else all (admins and the master key see all).
 */
@Injectable()
export class ModelInfoService {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly prisma: PrismaService,
  ) {}

  async modelInfo(query: ModelInfoQuery, auth: AuthContext) {
    const visible = await this.visibleModels(auth);
    if (query.litellm_model_id === undefined) return { data: visible.map(modelInfoItem) };
    const model = visible.find((m) => m.id === query.litellm_model_id);
    if (!model)
      throw notFound(`Model id = ${query.litellm_model_id} not found on litellm proxy`, 'litellm_model_id');
    return { data: [modelInfoItem(model)] };
  }

  async modelInfoV2(query: ModelInfoV2Query, auth: AuthContext) {
    const search = query.search?.toLowerCase();
    const matching = (await this.visibleModels(auth)).filter(
      (m) =>
        (query.model === undefined || m.modelName === query.model) &&
        (query.modelId === undefined || m.id === query.modelId) &&
        (search === undefined || m.modelName.toLowerCase().includes(search)),
    );
    const page = query.page ?? 1;
    const size = query.size ?? 50;
    return {
      data: matching.slice((page - 1) * size, page * size).map(modelInfoItem),
      total_count: matching.length,
      current_page: page,
      total_pages: Math.ceil(matching.length / size),
      size,
    };
  }

  async modelGroupInfo(modelGroup: string | undefined, auth: AuthContext) {
    const groups = modelGroupInfos(await this.visibleModels(auth));
    return { data: modelGroup === undefined ? groups : groups.filter((g) => g.model_group === modelGroup) };
  }

  private async visibleModels(auth: AuthContext): Promise<readonly RegisteredModel[]> {
    const all = this.deployments.models();
    const allowed = await this.allowedModels(auth);
    return allowed === null ? all : all.filter((m) => isVisible(m, allowed));
  }

  /** The caller's allowed-models list; null = every model. */
  private async allowedModels(auth: AuthContext): Promise<string[] | null> {
    if (auth.isMasterKey || isAdminViewer(auth.role)) return null;
    const keyModels = auth.key?.models ?? [];
    if (keyModels.length > 0 && !keyModels.includes(ALL_TEAM_MODELS)) return keyModels;
    if (!auth.teamId) return null;
    const team = await this.prisma.liteLLM_TeamTable.findUnique({
      where: { team_id: auth.teamId },
      select: { models: true },
    });
    return team && team.models.length > 0 ? team.models : null;
  }
}
