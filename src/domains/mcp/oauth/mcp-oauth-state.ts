import { encryptSecret, tryDecryptSecret } from '../../../platform/common/secrets';

/** How long an authorization flow may take, from `/authorize` to `/callback`. */
export const FLOW_STATE_TTL_SECONDS = 600;

/** Marks the plaintext as ours, so no other encrypted value of the same key passes as a state. */
const PURPOSE = 'mcp-oauth-state:';

/**
 * What the gateway carries through the upstream's authorization page inside its own `state`: the
 * client's redirect URI and state (restored at `/callback`), the PKCE challenge passed upstream,
 * the server, the base URL the flow started on, and an expiry.
 */
export interface OAuthFlowState {
  server_id: string;
  redirect_uri: string;
  state: string;
  code_challenge?: string;
  code_challenge_method?: string;
  base_url: string;
  /** Epoch seconds. */
  expires_at: number;
}

/** AES-256-GCM under the salt key (secrets.ts): unreadable and unforgeable without it. */
export function encodeFlowState(
  flow: Omit<OAuthFlowState, 'expires_at'>,
  saltKey: string,
  now = Date.now(),
): string {
  const payload: OAuthFlowState = {
    ...flow,
    expires_at: Math.floor(now / 1000) + FLOW_STATE_TTL_SECONDS,
  };
  return encryptSecret(PURPOSE + JSON.stringify(payload), saltKey);
}

/** The flow of a state the gateway issued and that has not expired; undefined otherwise. */
export function decodeFlowState(
  value: string,
  saltKey: string,
  now = Date.now(),
): OAuthFlowState | undefined {
  const plain = tryDecryptSecret(value, saltKey);
  if (!plain?.startsWith(PURPOSE)) return undefined;
  try {
    const flow = JSON.parse(plain.slice(PURPOSE.length)) as OAuthFlowState;
    if (typeof flow.redirect_uri !== 'string' || typeof flow.server_id !== 'string') return undefined;
    if (typeof flow.expires_at !== 'number' || flow.expires_at * 1000 < now) return undefined;
    return flow;
  } catch {
    return undefined;
  }
}
