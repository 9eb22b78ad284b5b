import type { RegisteredModel } from './deployments.service';
import type { ModelGroupInfo, ModelInfoItem } from './models.dto';
import { publicParams } from './model-params';

/** On a key: "every model of the proxy" (LiteLLM's special names). */
const ALL_MODELS = new Set(['*', 'all-proxy-models']);

/** One model as `/model/info` shows it: credentials left out, `id` and `db_model` in model_info. */
export function modelInfoItem(m: RegisteredModel): ModelInfoItem {
  const prices = m.deployment?.prices ?? {};
  const known = {
    input_cost_per_token: prices.inputCostPerToken,
    output_cost_per_token: prices.outputCostPerToken,
    cache_read_input_token_cost: prices.cacheReadInputTokenCost,
    cache_creation_input_token_cost: prices.cacheCreationInputTokenCost,
    litellm_provider: m.deployment?.provider,
  };
  const filled = Object.fromEntries(Object.entries(known).filter(([, v]) => v !== undefined));
  return {
    model_name: m.modelName,
    litellm_params: publicParams(m.litellmParams),
    model_info: { ...filled, ...m.modelInfo, id: m.id, db_model: m.source === 'db' },
  };
}

/** `/model_group/info`: the served groups, each summed up over its deployments. */
export function modelGroupInfos(models: readonly RegisteredModel[]): ModelGroupInfo[] {
  const groups = new Map<string, RegisteredModel[]>();
  for (const m of models) {
    if (!m.deployment) continue;
    groups.set(m.modelName, [...(groups.get(m.modelName) ?? []), m]);
  }
  return [...groups].map(([name, members]) => groupInfo(name, members));
}

function groupInfo(name: string, members: RegisteredModel[]): ModelGroupInfo {
  const deployments = members.flatMap((m) => (m.deployment ? [m.deployment] : []));
  const infoNumber = (field: string) => maxOf(members.map((m) => m.modelInfo[field]));
  const sum = (values: (number | undefined)[]) =>
    values.some((v) => v === undefined) ? null : values.reduce<number>((a, b) => a + (b ?? 0), 0);
  const accessGroups = new Set<string>();
  for (const m of members) {
    const groups = m.modelInfo.access_groups;
    if (Array.isArray(groups)) for (const g of groups) if (typeof g === 'string') accessGroups.add(g);
  }
  const mode = members.map((m) => m.modelInfo.mode).find((v) => typeof v === 'string');
  return {
    model_group: name,
    providers: [...new Set(deployments.map((d) => d.provider))],
    max_input_tokens: infoNumber('max_input_tokens'),
    max_output_tokens: infoNumber('max_output_tokens'),
    input_cost_per_token: maxOf(deployments.map((d) => d.prices.inputCostPerToken)),
    output_cost_per_token: maxOf(deployments.map((d) => d.prices.outputCostPerToken)),
    mode: typeof mode === 'string' ? mode : 'chat',
    tpm: sum(deployments.map((d) => d.tpm)),
    rpm: sum(deployments.map((d) => d.rpm)),
    access_groups: [...accessGroups],
  };
}

/** A group's highest value over its deployments: the worst case a caller of the group can meet. */
function maxOf(values: unknown[]): number | null {
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return numbers.length === 0 ? null : Math.max(...numbers);
}

/**
 * Is the model one an allowed-models list lets the caller see: its name, an access group of it,
 * or a wildcard (`openai/*`) that matches the name. `null` is "every model".
 */
export function isVisible(m: RegisteredModel, allowed: readonly string[] | null): boolean {
  if (allowed === null || allowed.some((a) => ALL_MODELS.has(a))) return true;
  if (allowed.includes(m.modelName)) return true;
  const groups = m.modelInfo.access_groups;
  if (Array.isArray(groups) && groups.some((g) => typeof g === 'string' && allowed.includes(g))) return true;
  return allowed.some((a) => a.includes('*') && wildcard(a).test(m.modelName));
}

function wildcard(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}
