import { pyFloat, pyList, pyOptional } from './python-format';

describe("Python's formatting in LiteLLM's messages", () => {
  it.each([
    [10, '10.0'],
    [0, '0.0'],
    [10.5, '10.5'],
    [-2, '-2.0'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [123456789012345.6, '123456789012345.6'],
    [1e16, '1e+16'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('should print %p as %p', (value, text) => {
    expect(pyFloat(value)).toBe(text);
  });

  it('should print lists and None the way str() does', () => {
    expect(pyList([])).toBe('[]');
    expect(pyList(['a', "it's", 'back\\slash'])).toBe(`['a', "it's", 'back\\\\slash']`);
    expect(pyOptional(null)).toBe('None');
    expect(pyOptional('x')).toBe('x');
  });
});
