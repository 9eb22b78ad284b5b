import { Inject, Injectable } from '@nestjs/common';
import { LiteLLM_ProxyModelTable, Prisma } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { Actor, AuditService } from '../../../platform/audit/audit.service';
import { ChangesService } from '../../../platform/audit/changes.service';
import type { AuthContext } from '../../../platform/auth/auth-context';
import {
  ApiError,
  badRequest,
  forbidden,
  notFound,
  RequestValidationError,
} from '../../../platform/common/errors/api-error';
import { secretsKey } from '../../../platform/common/secrets';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { providerOf, SUPPORTED_PROVIDER_PREFIXES } from './deployment-builder';
import { DeploymentsService } from './deployments.service';
import { decryptParams, encryptParams, jsonObject, publicParams } from './model-params';
import type { ModelNewRequest, ModelPatchRequest, ModelUpdateRequest } from './models.dto';

export const PROXY_MODEL_TABLE = 'LiteLLM_ProxyModelTable';

type Tx = Prisma.TransactionClient;
type Params = Record<string, unknown>;

/** What a write changes: `null` values remove a key (PATCH), or are ignored (POST /model/update). */
interface ModelChange {
  modelName?: string | null;
  litellmParams?: Params | null;
  modelInfo?: Params | null;
  nullRemoves: boolean;
}

/**
 * The /model writes on `LiteLLM_ProxyModelTable`: every string of `litellm_params` stored
 * encrypted (v3:gcm), an audit row in the same transaction, and after commit every pod reloads its
 * deployments. Responses show the row with its credentials left out, never the secrets.
 */
@Injectable()
export class ModelManagementService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly changes: ChangesService,
    private readonly audit: AuditService,
    private readonly deployments: DeploymentsService,
  ) {}

  async newModel(req: ModelNewRequest, actor: Actor) {
    requireProxyAdmin(actor.auth);
    const params = checkedParams(req.litellm_params);
    const info = { ...(req.model_info ?? {}) };
    const modelId = typeof info.id === 'string' && info.id !== '' ? info.id : randomUUID();
    const by = this.audit.actorId(actor.auth);
    const row = await this.changes.run(actor, async (change) => {
      if (
        await change.tx.liteLLM_ProxyModelTable.findUnique({
          where: { model_id: modelId },
          select: { model_id: true },
        })
      )
        throw new ApiError(409, `Model with id=${modelId} already exists`, 'conflict_error', 'model_info.id');
      const created = await change.tx.liteLLM_ProxyModelTable.create({
        data: {
          model_id: modelId,
          model_name: req.model_name,
          litellm_params: this.encrypt(params) as Prisma.InputJsonObject,
          model_info: { ...info, id: modelId } as Prisma.InputJsonObject,
          created_by: by,
          updated_by: by,
        },
      });
      await change.audit({
        action: 'created',
        table: PROXY_MODEL_TABLE,
        objectId: modelId,
        after: this.view(created),
      });
      return created;
    });
    await this.deployments.modelsChanged();
    return this.view(row);
  }

  /** POST /model/update: `model_info.id` names the row; params sent replace, the others stay. */
  updateModel(req: ModelUpdateRequest, actor: Actor) {
    const id = req.model_info.id;
    if (typeof id !== 'string' || id === '') throw badRequest('model_info.id not provided', 'model_info.id');
    const { id: _, ...modelInfo } = req.model_info;
    return this.changeModel(
      id,
      { modelName: req.model_name, litellmParams: req.litellm_params, modelInfo, nullRemoves: false },
      actor,
    );
  }

  /** PATCH /model/{model_id}/update: only the fields sent change; null removes a param. */
  patchModel(modelId: string, req: ModelPatchRequest, actor: Actor) {
    const { id: _, ...modelInfo } = req.model_info ?? {};
    return this.changeModel(
      modelId,
      { modelName: req.model_name, litellmParams: req.litellm_params, modelInfo, nullRemoves: true },
      actor,
    );
  }

  async deleteModel(modelId: string, actor: Actor) {
    requireProxyAdmin(actor.auth);
    await this.changes.run(actor, async (change) => {
      const before = await change.tx.liteLLM_ProxyModelTable.findUnique({ where: { model_id: modelId } });
      if (!before) throw notFound(`Model with id=${modelId} not found in db`, 'id');
      await change.tx.liteLLM_ProxyModelTable.delete({ where: { model_id: modelId } });
      await change.audit({
        action: 'deleted',
        table: PROXY_MODEL_TABLE,
        objectId: modelId,
        before: this.view(before),
      });
    });
    await this.deployments.modelsChanged();
    return { message: `Model: ${modelId} deleted successfully` };
  }

  private async changeModel(modelId: string, patch: ModelChange, actor: Actor) {
    requireProxyAdmin(actor.auth);
    const row = await this.changes.run(actor, async (change) => {
      const before = await this.storedModel(modelId, change.tx);
      const params = checkedParams(
        merge(this.decrypt(before.litellm_params), patch.litellmParams, patch.nullRemoves),
      );
      const info = merge(jsonObject(before.model_info), patch.modelInfo, patch.nullRemoves);
      const updated = await change.tx.liteLLM_ProxyModelTable.update({
        where: { model_id: modelId },
        data: {
          ...(patch.modelName ? { model_name: patch.modelName } : {}),
          litellm_params: this.encrypt(params) as Prisma.InputJsonObject,
          model_info: { ...info, id: modelId } as Prisma.InputJsonObject,
          updated_by: this.audit.actorId(actor.auth),
        },
      });
      await change.audit({
        action: 'updated',
        table: PROXY_MODEL_TABLE,
        objectId: modelId,
        before: this.view(before),
        after: this.view(updated),
      });
      return updated;
    });
    await this.deployments.modelsChanged();
    return this.view(row);
  }

  /** The stored row, or LiteLLM's answers: a config.yaml model cannot be edited; else 404. */
  private async storedModel(modelId: string, tx: Tx): Promise<LiteLLM_ProxyModelTable> {
    const row = await tx.liteLLM_ProxyModelTable.findUnique({ where: { model_id: modelId } });
    if (row) return row;
    if (this.deployments.model(modelId)?.source === 'config')
      throw badRequest('Cannot edit config-based model. Store model in DB via /model/new first.', 'model_id');
    throw notFound(`Model ${modelId} not found on proxy.`, 'model_id');
  }

  /** The row as responses and audit rows show it: params in the clear, credentials left out. */
  private view(row: LiteLLM_ProxyModelTable) {
    return {
      model_id: row.model_id,
      model_name: row.model_name,
      litellm_params: publicParams(this.decrypt(row.litellm_params)),
      model_info: row.model_info === null ? null : jsonObject(row.model_info),
      created_at: row.created_at.toISOString(),
      created_by: row.created_by,
      updated_at: row.updated_at.toISOString(),
      updated_by: row.updated_by,
    };
  }

  private encrypt(params: Params): Params {
    return encryptParams(params, secretsKey(this.config));
  }

  private decrypt(stored: unknown): Params {
    return decryptParams(jsonObject(stored), this.config.saltKey || this.config.masterKey);
  }
}

/** LiteLLM: model writes are for proxy admins (team-scoped models, a premium feature there, are not offered). */
function requireProxyAdmin(auth: AuthContext) {
  if (auth.role === 'proxy_admin') return;
  throw forbidden(
    `User does not have permission to make this model call. Your role=${auth.role ?? 'None'}. Only a PROXY_ADMIN can add, change or delete models.`,
  );
}

/** `litellm_params.model` is required, and must name a provider this gateway serves. */
function checkedParams(params: Params): Params {
  const model = params.model;
  if (typeof model !== 'string' || model.trim() === '') {
    throw new RequestValidationError([
      {
        type: 'missing',
        loc: ['body', 'litellm_params', 'model'],
        msg: 'Field required (e.g. "openai/gpt-4o")',
      },
    ]);
  }
  if (!providerOf(params)) {
    throw badRequest(
      `litellm_params.model "${model}" names a provider this gateway does not serve; use one of ${SUPPORTED_PROVIDER_PREFIXES.map((p) => `${p}/`).join(', ')} (a bare name is OpenAI's)`,
      'litellm_params.model',
    );
  }
  return params;
}

function merge(base: Params, patch: Params | null | undefined, nullRemoves: boolean): Params {
  const merged = { ...base };
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (v === null || v === undefined) {
      if (nullRemoves) delete merged[k];
    } else merged[k] = v;
  }
  return merged;
}
