/**
 * Everything the request checks need about the caller, read in one statement with the key and
 * kept in auth's cache beside it (a change to a key, user or team evicts it on every pod). Spend is
 * NOT here: budgets compare against the live counters (spend/ledger), never a cached number.
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
        organizationId: string | null;
        /** The caller's membership budget, else the team's default member budget; null when neither. */
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
