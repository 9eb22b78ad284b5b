/**
 * Everything the request checks need about the caller, read in one statement with the key and
 * kept in auth's cache beside it (a change to a key, user or team evicts it on every pod). Spend is
 * NOT here: budgets compare against the live counters (spend/ledger), never a cached number.
 * Immutable once loaded: the checks keep what they derive from it (compiled model lists, rate-limit
 * descriptors) keyed by the object, and a change is a new subject after eviction.
 */
export interface Limits {
  maxBudget: number | null;
  rpm: number | null;
  tpm: number | null;
  maxParallel: number | null;
}

export interface RequestSubject {
  key: Limits & {
    /** SHA-256 hex of the key (its `token`). */
    token: string;
    alias: string | null;
    userId: string | null;
    teamId: string | null;
    organizationId: string | null;
    projectId: string | null;
    /** `models`: empty = inherit (team's, else all); may hold `all-team-models`, wildcards, access group names. */
    models: string[];
    /** `aliases` of the key: requested name → model group. */
    aliases: Record<string, string>;
    /** `LiteLLM_AccessGroupTable` rows the key is assigned to (`access_group_ids`). */
    accessGroupIds: string[];
    /** The `access_model_names` of those rows, read with the key (a group edit evicts its keys). */
    accessGroupModels: string[];
    /**
     * `metadata.temp_budget_increase` with its `temp_budget_expiry` (epoch ms); added to `maxBudget`
     * by the checks while `expiresAt` is in the future. Kept apart because the subject is cached.
     */
    tempBudgetIncrease: { amount: number; expiresAt: number } | null;
    /** `model_max_budget`: model → `{ budget_limit, time_period }`. */
    modelMaxBudget: Record<string, { budget_limit?: number; time_period?: string }>;
    /** `metadata.model_rpm_limit` / `metadata.model_tpm_limit`. */
    modelRpm: Record<string, number>;
    modelTpm: Record<string, number>;
    /** `metadata.tags` of the key: added to the request's tags. */
    tags: string[];
  };
  team:
    | (Limits & {
        id: string;
        alias: string | null;
        models: string[];
        /** Team model aliases (`LiteLLM_ModelTable.model_aliases` of the team): requested → group. */
        modelAliases: Record<string, string>;
        accessGroupIds: string[];
        /** The `access_model_names` of the team's access groups. */
        accessGroupModels: string[];
        organizationId: string | null;
        /**
         * The caller's membership budget, else the team's default member budget
         * (`metadata.team_member_budget_id`); null when neither. `allowedModels` comes from the
         * membership's own budget only (LiteLLM does not scope models by the default budget).
         */
        member: (Limits & { allowedModels: string[] }) | null;
      })
    | null;
  /** The key's owner; `null` when the key has no user row. */
  user: (Limits & { id: string; models: string[] }) | null;
  /** The key's organization, else its team's. */
  organization: { id: string; maxBudget: number | null; models: string[] } | null;
  project: { id: string; maxBudget: number | null; models: string[] } | null;
}

/** The end user named by the request's `user` field (`LiteLLM_EndUserTable` + its budget row). */
export interface EndUserFacts extends Limits {
  id: string;
  blocked: boolean;
}

const NO_LIMITS: Limits = { maxBudget: null, rpm: null, tpm: null, maxParallel: null };

/**
 * A subject no check restricts: every model, no budget, no rate limit. For the master key, whose
 * spend is still logged under `token` (its hash) and `userId` (the proxy admin id).
 */
export function unrestrictedSubject(token: string, userId: string | null): RequestSubject {
  return {
    key: {
      ...NO_LIMITS,
      token,
      alias: null,
      userId,
      teamId: null,
      organizationId: null,
      projectId: null,
      models: [],
      aliases: {},
      accessGroupIds: [],
      accessGroupModels: [],
      modelMaxBudget: {},
      modelRpm: {},
      modelTpm: {},
      tags: [],
      tempBudgetIncrease: null,
    },
    team: null,
    user: null,
    organization: null,
    project: null,
  };
}
