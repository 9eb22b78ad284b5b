import { findUnsafe, unsafeInputError } from './unsafe-input';

describe('findUnsafe', () => {
  it('names the place of the first unsafe string, down arrays and objects', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'ok' },
        { role: 'user', content: 'a\u0000b' },
      ],
    };
    expect(findUnsafe(body, ['body'], 0)).toEqual({
      type: 'string_nul_character',
      loc: ['body', 'messages', 1, 'content'],
      msg: 'Text must not contain the NUL character (\\u0000)',
    });
  });

  it('checks object keys, and an unpaired surrogate as well as NUL', () => {
    expect(findUnsafe({ a: { 'b\u0000': 1 } }, ['body'], 0)).toMatchObject({
      type: 'string_nul_character',
      loc: ['body', 'a', 'b\u0000'],
      msg: expect.stringContaining('Names'),
    });
    expect(findUnsafe({ list: ['x', '\ud800'] }, ['query'], 0)).toMatchObject({
      type: 'string_unicode',
      loc: ['query', 'list', 1],
    });
  });

  it('refuses nesting past 32 levels at the level it stops', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = [deep];
    const issue = findUnsafe({ deep }, ['body'], 0);
    expect(issue?.type).toBe('too_deep');
    expect(issue?.loc).toEqual(['body', 'deep', ...Array<number>(31).fill(0)]);
  });

  it('finds nothing in clean input, and leaves the caller its location untouched', () => {
    const loc = ['body'];
    expect(findUnsafe({ a: [1, 'two', { b: null, c: true }] }, loc, 0)).toBeNull();
    expect(loc).toEqual(['body']);
    expect(unsafeInputError({ a: 'b' }, { q: 'x' })).toBeUndefined();
    expect(unsafeInputError({ a: 'b' }, { q: 'x\u0000' })?.issues[0].loc).toEqual(['query', 'q']);
  });
});
