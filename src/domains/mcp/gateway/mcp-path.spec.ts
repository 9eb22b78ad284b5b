import { isWellKnownPath, serversInPath, targetServerNames } from './mcp-path';

describe('serversInPath (spec §2.2, the one parser of admission and routing)', () => {
  it.each([
    ['/mcp', []],
    ['/mcp/', []],
    ['/mcp/github', ['github']],
    ['/mcp/github/', ['github']],
    ['/mcp/a,b', ['a', 'b']],
    ['/mcp/a, b ,,c', ['a', 'b', 'c']],
    ['/mcp/a,b/tools/list', ['a', 'b']],
    ['/mcp/custom/user_1/tools', ['custom/user_1']],
    ['/mcp/deleg/extra/garbage', ['deleg/extra']],
    ['/mcp/deleg/extra', ['deleg/extra']],
    ['/deleg/mcp', ['deleg']],
    ['/deleg/mcp/anything', ['deleg']],
    ['/mcp/mcp', ['mcp']],
    ['/mcp/sse', []],
    ['/mcp/sse/', []],
    ['/mcp/sse/messages', []],
    ['/mcp/sse/messages?session_id=x', []],
    ['/sse/mcp', ['sse']],
    ['/mcp-rest/tools/list', []],
    ['/v2/other', []],
  ])('%s → %j', (path, expected) => {
    expect(serversInPath(path)).toEqual(expected);
  });
});

describe('targetServerNames (spec §2.4: the path wins over x-mcp-servers)', () => {
  it('takes the path targets and ignores the header when the path names servers', () => {
    expect(targetServerNames('/mcp/plain', 'deleg')).toEqual(['plain']);
    expect(targetServerNames('/plain/mcp', 'deleg')).toEqual(['plain']);
  });

  it('takes the header only when the path has no targets; an empty header means no targets', () => {
    expect(targetServerNames('/mcp', 'deleg, deleg2')).toEqual(['deleg', 'deleg2']);
    expect(targetServerNames('/mcp', '')).toEqual([]);
    expect(targetServerNames('/mcp', undefined)).toBeUndefined();
  });
});

describe('isWellKnownPath', () => {
  it('is a prefix test on the path, not a substring of the URL', () => {
    expect(isWellKnownPath('/.well-known/oauth-protected-resource/mcp/deleg')).toBe(true);
    expect(isWellKnownPath('/mcp/plain?x=/.well-known/')).toBe(false);
    expect(isWellKnownPath('/mcp/.well-known/')).toBe(false);
  });
});
