import { redactSentHeaders, withRedactedMessage } from './mcp-redaction';

describe('redactSentHeaders', () => {
  const sent = { Authorization: 'Bearer tok-0123456789', 'X-API-Key': 'key-abcdefgh', accept: 'json' };

  it('should replace every value sent, and the bare token of a Bearer value', () => {
    const echoed = JSON.stringify({ authorization: 'Bearer tok-0123456789', 'x-api-key': 'key-abcdefgh' });
    const out = redactSentHeaders(`${echoed} tok-0123456789`, sent);
    expect(out).not.toContain('tok-0123456789');
    expect(out).not.toContain('key-abcdefgh');
    expect(out).toContain('[redacted]');
  });

  it('should leave short values and unrelated text alone', () => {
    expect(redactSentHeaders('accept json; status 500', sent)).toBe('accept json; status 500');
  });

  it("should redact an error's message in place", () => {
    const e = withRedactedMessage(new TypeError('echo: key-abcdefgh'), sent);
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('echo: [redacted]');
  });
});
