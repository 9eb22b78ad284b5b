/**
 * An allowed-models list (`models` of a key, team, user or project; a member's `allowed_models`)
 * compiled once: exact names in a set, wildcard entries as anchored patterns, and the entries that
 * open every model. Lists come from the cached subject and live as long as it does, so the compiled
 * form is kept in a WeakMap keyed by the array itself.
 */
export interface CompiledModels {
  /** No entries at all: LiteLLM reads an empty list as "every model". */
  readonly empty: boolean;
  /** `*` or `all-proxy-models` is in the list. */
  readonly all: boolean;
  readonly names: ReadonlySet<string>;
  readonly patterns: readonly RegExp[];
}

/** Opens every model of the proxy (LiteLLM's `SpecialModelNames.all_proxy_models`). */
export const ALL_PROXY_MODELS = 'all-proxy-models';
/** On a key: defer to the team's list (the key check is skipped). */
export const ALL_TEAM_MODELS = 'all-team-models';
/** On a user: no personal model access, only team models. */
export const NO_DEFAULT_MODELS = 'no-default-models';

const compiled = new WeakMap<readonly string[], CompiledModels>();

export function compileModels(models: readonly string[]): CompiledModels {
  let entry = compiled.get(models);
  if (!entry) {
    entry = {
      empty: models.length === 0,
      all: models.includes('*') || models.includes(ALL_PROXY_MODELS),
      names: new Set(models),
      patterns: models.filter((m) => m.includes('*') && m !== '*').map(wildcardPattern),
    };
    compiled.set(models, entry);
  }
  return entry;
}

/**
 * `openai/*`, `gpt-4*`: `*` matches any run of characters, the rest literally. LiteLLM leaves the
 * other characters as regex syntax (`gpt-4.1*` would also match `gpt-4x1`); escaping them is the
 * reading its docs describe.
 */
export function wildcardPattern(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export function matchesAnyPattern(name: string, patterns: readonly RegExp[]): boolean {
  for (const pattern of patterns) if (pattern.test(name)) return true;
  return false;
}
