import { extractCredential } from './credentials';

describe('extractCredential', () => {
  it('should prefer x-litellm-api-key, with or without a Bearer prefix', () => {
    expect(extractCredential({ 'x-litellm-api-key': 'sk-a', authorization: 'Bearer sk-b' })).toBe('sk-a');
    expect(extractCredential({ 'x-litellm-api-key': 'Bearer sk-a' })).toBe('sk-a');
  });

  it('should read Authorization only with a Bearer, bearer or Basic prefix', () => {
    expect(extractCredential({ authorization: 'Bearer sk-b' })).toBe('sk-b');
    expect(extractCredential({ authorization: 'bearer sk-b' })).toBe('sk-b');
    expect(() => extractCredential({ authorization: 'sk-b' })).toThrow(/Malformed API Key/);
  });

  it('should fall back to the provider-style headers in LiteLLM order', () => {
    expect(extractCredential({ 'api-key': 'sk-c', 'x-api-key': 'sk-d' })).toBe('sk-c');
    expect(extractCredential({ 'x-api-key': 'sk-d' })).toBe('sk-d');
    expect(extractCredential({ 'x-goog-api-key': 'sk-e' })).toBe('sk-e');
  });

  it('should return undefined when nothing is sent', () => {
    expect(extractCredential({})).toBeUndefined();
    expect(extractCredential({ authorization: '' })).toBeUndefined();
  });
});
