import { ApiError } from '../../../platform/common/errors/api-error';
import {
  ALL_TEAM_MODELS,
  compileModels,
  matchesAnyPattern,
  NO_DEFAULT_MODELS,
  wildcardPattern,
} from './model-lists';
import { pyList } from './python-format';
import type { RequestSubject } from './request-subject';

/**
 * What the checks need from the deployments: the model groups served and the access groups each
 * belongs to (`model_info.access_groups` of its deployments). `groupNames()` should return the same
 * array until the deployments change: its lookup form is cached per array.
 */
export interface ModelRegistry {
  groupNames(): readonly string[];
  accessGroupsOf(group: string): readonly string[];
}

export interface ResolvedModel {
  /** The model group to route to: a served name, or the wildcard group (`openai/*`) that serves it. */
  group: string;
  /** The requested name after the key's and the team's aliases. */
  model: string;
}

/** The caller whose list denied a model: decides LiteLLM's error type and message. */
type Denier = 'key' | 'user' | 'project';

/**
 * The model group a request may call, or LiteLLM's error: the access checks of the key, the team,
 * the team member, the user (personal keys) and the project, in LiteLLM's order, then the group
 * lookup, so a restricted key gets 403 for an unknown name as LiteLLM answers before routing.
 * `route` names the endpoint in the unknown-model message (`/chat/completions`, `/embeddings`).
 */
export function resolveModel(
  requested: string,
  subject: RequestSubject,
  registry: ModelRegistry,
  route = '/chat/completions',
): ResolvedModel {
  const target = aliasTarget(requested, subject);
  checkKeyAccess(requested, target, subject, registry);
  checkTeamAccess(requested, target, subject, registry);
  checkPersonalAccess(requested, target, subject, registry);
  const { project } = subject;
  if (project && project.models.length > 0 && !canCall(requested, target, project.models, null, registry)) {
    throw objectDenied('project', project.models, requested);
  }
  const group = findGroup(target, registry);
  if (group === undefined) throw unknownModel(route, requested);
  return { group, model: target };
}

/**
 * A client-side fallback (`fallbacks` in the body): LiteLLM checks it against the key's list only,
 * then that it routes (the unknown-model 400 otherwise). Call once per distinct name.
 */
export function resolveFallback(
  name: string,
  subject: RequestSubject,
  registry: ModelRegistry,
  route = '/chat/completions',
): ResolvedModel {
  const target = aliasTarget(name, subject);
  checkKeyAccess(name, target, subject, registry);
  const group = findGroup(target, registry);
  if (group === undefined) throw unknownModel(route, name);
  return { group, model: target };
}

/** The key's aliases first, then the team's (`LiteLLM_ModelTable.aliases`); else the name itself. */
function aliasTarget(requested: string, subject: RequestSubject): string {
  const keyAlias = subject.key.aliases[requested];
  if (typeof keyAlias === 'string') return keyAlias;
  const teamAlias = subject.team?.modelAliases[requested];
  return typeof teamAlias === 'string' ? teamAlias : requested;
}

/** `all-team-models` skips it; a denial may still be lifted by the key's access-group models. */
function checkKeyAccess(requested: string, target: string, subject: RequestSubject, registry: ModelRegistry) {
  const { key, team } = subject;
  if (key.models.includes(ALL_TEAM_MODELS)) return;
  const aliases = team?.modelAliases ?? null;
  if (canCall(requested, target, key.models, aliases, registry)) return;
  if (
    key.accessGroupModels.length > 0 &&
    canCall(requested, target, key.accessGroupModels, aliases, registry)
  )
    return;
  throw objectDenied('key', key.models, requested);
}

function checkTeamAccess(
  requested: string,
  target: string,
  subject: RequestSubject,
  registry: ModelRegistry,
) {
  const { team, key } = subject;
  if (!team) return;
  const allowed =
    canCall(requested, target, team.models, team.modelAliases, registry) ||
    (team.accessGroupModels.length > 0 &&
      canCall(requested, target, team.accessGroupModels, team.modelAliases, registry));
  if (!allowed) {
    throw modelDenied(
      'team_model_access_denied',
      `Team not allowed to access model. Team=${team.id}, Model=${requested}. Allowed team models = ${pyList(team.models)}`,
    );
  }
  const memberModels = team.member?.allowedModels;
  if (key.userId && memberModels && memberModels.length > 0) {
    if (!canCall(requested, target, memberModels, null, registry)) {
      throw modelDenied(
        'team_model_access_denied',
        `Team member not allowed to access model. User=${key.userId}, Team=${team.id}, Model=${requested}. Allowed member models = ${pyList(memberModels)}`,
      );
    }
  }
}

/** The owner's own `models` bind only keys outside a team (LiteLLM: `team_object is None`). */
function checkPersonalAccess(
  requested: string,
  target: string,
  subject: RequestSubject,
  registry: ModelRegistry,
) {
  const { user, team } = subject;
  if (team || !user) return;
  if (user.models.includes(NO_DEFAULT_MODELS)) {
    throw modelDenied(
      'key_model_access_denied',
      `User not allowed to access model. No default model access, only team models allowed. Tried to access ${requested}`,
    );
  }
  if (!canCall(requested, target, user.models, null, registry))
    throw objectDenied('user', user.models, requested);
}

/**
 * LiteLLM's `_can_object_call_model` for one list: the requested name or its alias target is
 * allowed by a team alias, an access group the list names, a wildcard, an exact entry, or a list
 * that opens every model (empty, `*`, `all-proxy-models`).
 */
function canCall(
  requested: string,
  target: string,
  models: readonly string[],
  teamAliases: Readonly<Record<string, string>> | null,
  registry: ModelRegistry,
): boolean {
  if (canCallOne(requested, models, teamAliases, registry)) return true;
  return target !== requested && canCallOne(target, models, teamAliases, registry);
}

function canCallOne(
  name: string,
  models: readonly string[],
  teamAliases: Readonly<Record<string, string>> | null,
  registry: ModelRegistry,
): boolean {
  if (teamAliases && Object.hasOwn(teamAliases, name)) return true;
  const list = compileModels(models);
  if (list.empty || list.all || list.names.has(name)) return true;
  if (matchesAnyPattern(name, list.patterns)) return true;
  for (const accessGroup of registry.accessGroupsOf(name)) if (list.names.has(accessGroup)) return true;
  return false;
}

// ---------------------------------------------------------------- model groups

interface GroupIndex {
  exact: ReadonlySet<string>;
  wildcards: readonly { group: string; pattern: RegExp }[];
}

const groupIndexes = new WeakMap<readonly string[], GroupIndex>();

/** The served group for a name: an exact group first, else the first wildcard group matching it. */
export function findGroup(name: string, registry: ModelRegistry): string | undefined {
  const index = groupIndex(registry.groupNames());
  if (index.exact.has(name)) return name;
  for (const { group, pattern } of index.wildcards) if (pattern.test(name)) return group;
  return undefined;
}

function groupIndex(groups: readonly string[]): GroupIndex {
  let index = groupIndexes.get(groups);
  if (!index) {
    index = {
      exact: new Set(groups),
      wildcards: groups
        .filter((g) => g.includes('*'))
        .map((group) => ({ group, pattern: wildcardPattern(group) })),
    };
    groupIndexes.set(groups, index);
  }
  return index;
}

// ---------------------------------------------------------------- errors

/**
 * Denials are 403: the black-box suite pins `key_model_access_denied` at 403; LiteLLM's source
 * read raised the family with 401, and 403 keeps them consistent (tenancy.md §16.1 step 6).
 */
function modelDenied(type: string, message: string): ApiError {
  return new ApiError(403, message, type, 'model');
}

/** LiteLLM's generic message, with its object name in lower case (`key`, `user`, `project`). */
function objectDenied(object: Denier, models: readonly string[], requested: string): ApiError {
  return modelDenied(
    `${object}_model_access_denied`,
    `${object} not allowed to access model. This ${object} can only access models=${pyList(models)}. Tried to access ${requested}`,
  );
}

/** The router's answer for a name no deployment serves (LiteLLM's `ProxyModelNotFoundError`). */
function unknownModel(route: string, requested: string): ApiError {
  return new ApiError(
    400,
    `${route}: Invalid model name passed in model=${requested}. Call \`/v1/models\` to view available models for your key.`,
    'invalid_request_error',
    null,
  );
}
