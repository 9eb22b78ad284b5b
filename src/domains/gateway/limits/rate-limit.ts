/** LiteLLM's rate-limit scopes (tenancy.md §16.4), each with the limits that apply to it. */
export type RateLimitScope = 'api_key' | 'user' | 'team' | 'team_member' | 'end_user' | 'model_per_key';

export interface RateLimitDescriptor {
  scope: RateLimitScope;
  /** key hash, user id, team id, `${team}:${user}`, end user id, `${hash}:${model}`. */
  value: string;
  rpm?: number | null;
  tpm?: number | null;
  /** Only the api_key scope has one. */
  maxParallel?: number | null;
}

/**
 * A request admitted by the limiter. `headers` are LiteLLM's `x-ratelimit-*` headers for every
 * checked scope; `release` is called once the request has ended (success or failure) with the
 * tokens to count (per `token_rate_limit_type`) and frees the parallel-request slot.
 */
export interface RateLimitTicket {
  headers: Record<string, string>;
  release(tokens: number): Promise<void>;
}
