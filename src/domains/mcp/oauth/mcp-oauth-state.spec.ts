import { encryptSecret } from '../../../platform/common/secrets';
import { decodeFlowState, encodeFlowState, FLOW_STATE_TTL_SECONDS } from './mcp-oauth-state';

const KEY = 'salt-key-for-tests';
const FLOW = {
  server_id: 'srv-1',
  redirect_uri: 'http://localhost:5555/cb',
  state: 'client-state',
  code_challenge: 'challenge',
  code_challenge_method: 'S256',
  base_url: 'http://proxy.test',
};

describe('MCP OAuth flow state', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('should round-trip the flow and keep the client state out of the token', () => {
    const token = encodeFlowState(FLOW, KEY, now);
    expect(token).not.toContain('client-state');
    expect(token).not.toContain('localhost');
    expect(decodeFlowState(token, KEY, now + 1000)).toEqual({
      ...FLOW,
      expires_at: now / 1000 + FLOW_STATE_TTL_SECONDS,
    });
  });

  it('should refuse a state after its 600 s', () => {
    const token = encodeFlowState(FLOW, KEY, now);
    expect(decodeFlowState(token, KEY, now + 599_000)).toBeDefined();
    expect(decodeFlowState(token, KEY, now + 601_000)).toBeUndefined();
  });

  it('should refuse a state under another key, a forged one, or another secret of the same key', () => {
    const token = encodeFlowState(FLOW, KEY, now);
    expect(decodeFlowState(token, 'another-key', now)).toBeUndefined();
    expect(decodeFlowState('forged', KEY, now)).toBeUndefined();
    expect(decodeFlowState(`${token.slice(0, -4)}AAAA`, KEY, now)).toBeUndefined();
    // A ciphertext of the same key that is not a flow state (e.g. a stored credential).
    expect(
      decodeFlowState(encryptSecret(JSON.stringify({ ...FLOW, expires_at: 9e9 }), KEY), KEY, now),
    ).toBeUndefined();
  });
});
