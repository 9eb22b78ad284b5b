import { countTokens, estimateUsage } from './token-count';

describe('token counting for calls without upstream usage', () => {
  it('should count text with o200k_base', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
  });

  it("should count a chat prompt with OpenAI's per-message framing", () => {
    const body = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'hello world' }] },
      ],
    };
    const framing = 2 * 3 + 3 + countTokens('system') + countTokens('user');
    const usage = estimateUsage(body, 'Hi there!');
    expect(usage.promptTokens).toBe(framing + countTokens('Be brief.') + countTokens('hello world'));
    expect(usage.completionTokens).toBe(countTokens('Hi there!'));
    expect(usage.totalTokens).toBe(usage.promptTokens + usage.completionTokens);
  });

  it('should count Anthropic system prompts and Responses/embeddings input', () => {
    expect(estimateUsage({ system: 'abc def', messages: [] }, '').promptTokens).toBe(
      3 + countTokens('abc def'),
    );
    expect(estimateUsage({ input: ['one', 'two'] }, '').promptTokens).toBe(countTokens('one\ntwo'));
  });
});
