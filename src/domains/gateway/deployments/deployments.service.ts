import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { BusMirror } from '../../../platform/auth/bus-mirror';
import { InvalidationBus } from '../../../platform/auth/invalidation-bus';
import type { AppConfig } from '../../../platform/config/app-config';
import { APP_CONFIG } from '../../../platform/config/config.module';
import { PrismaService } from '../../../platform/prisma/prisma.service';
import type { Deployment } from './deployment';
import { configModelId, ModelEntry, toDeployment } from './deployment-builder';
import { decryptParams, jsonObject } from './model-params';

/** One model of the registry as /model/info shows it; `deployment` is unset for a provider we do not serve. */
export interface RegisteredModel extends ModelEntry {
  id: string;
  source: Deployment['source'];
  deployment: Deployment | undefined;
}

/** The registry at one moment; replaced whole on reload, so readers never see half a change. */
interface Snapshot {
  models: readonly RegisteredModel[];
  deployments: readonly Deployment[];
  byGroup: ReadonlyMap<string, readonly Deployment[]>;
  byId: ReadonlyMap<string, RegisteredModel>;
  groupNames: readonly string[];
  accessGroups: ReadonlyMap<string, readonly string[]>;
}

const NONE: readonly never[] = Object.freeze([]);
const ENV_REFERENCE = 'os.environ/';

/**
 * The live list of deployments: config.yaml's `model_list` plus the rows of
 * `LiteLLM_ProxyModelTable` (strings of `litellm_params` decrypted). Kept in memory, so the
 * request path reads no database; reloaded from the database when any pod announces a change
 * (`{ scope: 'models' }` on the invalidation bus) and when the bus reconnects.
 */
@Injectable()
export class DeploymentsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('deployments');
  private readonly configModels: readonly RegisteredModel[];
  private snapshot: Snapshot;
  private readonly mirror: BusMirror;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    bus: InvalidationBus,
  ) {
    this.mirror = new BusMirror(bus, 'models', () => this.loadTable(), 'the model table');
    this.configModels = config.gateway.models.map((m) => {
      const entry = { modelName: m.modelName, litellmParams: m.litellmParams, modelInfo: m.modelInfo };
      const id = typeof m.modelInfo.id === 'string' && m.modelInfo.id ? m.modelInfo.id : configModelId(entry);
      return { ...entry, id, source: 'config' as const, deployment: toDeployment(entry, id, 'config') };
    });
    this.warnUnserved(this.configModels);
    this.snapshot = buildSnapshot(this.configModels);
  }

  async onApplicationBootstrap() {
    await this.mirror.start();
  }

  // ---- The registry, as the router and the gateway read it (no I/O) --------------------------

  all(): readonly Deployment[] {
    return this.snapshot.deployments;
  }

  /** The deployments of a model group (`model_name`), in config-then-database order. */
  group(modelName: string): readonly Deployment[] {
    return this.snapshot.byGroup.get(modelName) ?? NONE;
  }

  /** The model groups served; the same array until the deployments change. */
  groupNames(): readonly string[] {
    return this.snapshot.groupNames;
  }

  byId(id: string): Deployment | undefined {
    return this.snapshot.byId.get(id)?.deployment;
  }

  /** `model_info.access_groups` of the group's deployments. */
  accessGroupsOf(modelName: string): readonly string[] {
    return this.snapshot.accessGroups.get(modelName) ?? NONE;
  }

  /** Every model, served or not (a provider we do not serve is listed, never routed to). */
  models(): readonly RegisteredModel[] {
    return this.snapshot.models;
  }

  model(id: string): RegisteredModel | undefined {
    return this.snapshot.byId.get(id);
  }

  // ---- Changes ---------------------------------------------------------------------------------

  /** After a committed write of the table: this pod reloads now, the others on the bus message. */
  modelsChanged(): Promise<void> {
    return this.mirror.changed();
  }

  reload(): Promise<void> {
    return this.mirror.reload();
  }

  private async loadTable(): Promise<void> {
    const stored = await this.readStoredModels();
    this.snapshot = buildSnapshot([...this.configModels, ...stored]);
  }

  private async readStoredModels(): Promise<RegisteredModel[]> {
    const rows = await this.prisma.liteLLM_ProxyModelTable.findMany({
      select: { model_id: true, model_name: true, litellm_params: true, model_info: true },
      orderBy: [{ created_at: 'asc' }, { model_id: 'asc' }],
    });
    const saltKey = this.config.saltKey || this.config.masterKey;
    const models = rows.map((row): RegisteredModel => {
      const entry = {
        modelName: row.model_name,
        litellmParams: decryptParams(jsonObject(row.litellm_params), saltKey),
        modelInfo: jsonObject(row.model_info),
      };
      // Shown as stored (the reference, not the value); served with the variable's value.
      const resolved = {
        ...entry,
        litellmParams: this.resolveEnvReferences(entry.litellmParams, row.model_id),
      };
      return {
        ...entry,
        id: row.model_id,
        source: 'db',
        deployment: toDeployment(resolved, row.model_id, 'db'),
      };
    });
    this.warnUnserved(models);
    return models;
  }

  /** `os.environ/NAME` values read from the environment, as LiteLLM does when it loads a stored model. */
  private resolveEnvReferences(params: Record<string, unknown>, modelId: string): Record<string, unknown> {
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params)) {
      if (typeof v !== 'string' || !v.startsWith(ENV_REFERENCE)) resolved[k] = v;
      else {
        const name = v.slice(ENV_REFERENCE.length);
        resolved[k] = this.config.gateway.environment(name);
        if (resolved[k] === undefined)
          this.logger.warn({
            msg: 'a stored model names an environment variable that is not set',
            model_id: modelId,
            param: k,
            variable: name,
          });
      }
    }
    return resolved;
  }

  private warnUnserved(models: readonly RegisteredModel[]) {
    const unserved = models.filter((m) => !m.deployment);
    if (unserved.length === 0) return;
    this.logger.warn({
      msg: 'models of a provider this gateway does not serve are listed but never routed to',
      models: unserved.map((m) => ({ id: m.id, model_name: m.modelName, model: m.litellmParams.model })),
    });
  }
}

function buildSnapshot(models: readonly RegisteredModel[]): Snapshot {
  const byId = new Map<string, RegisteredModel>();
  for (const m of models) if (!byId.has(m.id)) byId.set(m.id, m);
  const unique = [...byId.values()];
  const deployments = unique.flatMap((m) => (m.deployment ? [m.deployment] : []));
  const byGroup = new Map<string, Deployment[]>();
  const accessGroups = new Map<string, Set<string>>();
  for (const d of deployments) {
    byGroup.set(d.modelName, [...(byGroup.get(d.modelName) ?? []), d]);
    const groups = d.modelInfo.access_groups;
    const names = accessGroups.get(d.modelName) ?? new Set<string>();
    if (Array.isArray(groups)) for (const g of groups) if (typeof g === 'string') names.add(g);
    accessGroups.set(d.modelName, names);
  }
  return {
    models: unique,
    deployments,
    byGroup,
    byId,
    groupNames: [...byGroup.keys()],
    accessGroups: new Map([...accessGroups].map(([k, v]) => [k, [...v]])),
  };
}
