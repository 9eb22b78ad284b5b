import { ApiError } from '../../../platform/common/errors/api-error';
import { checkRedirectUri } from './mcp-oauth-redirect';

const BASE = 'https://proxy.example.com';
const ALLOWED = ['cursor://anysphere.cursor-mcp/oauth/callback', 'https://app.example/oauth/*'];

describe('MCP OAuth redirect_uri check', () => {
  it.each([
    'https://proxy.example.com/ui/callback',
    'http://localhost:5555/cb',
    'http://127.0.0.1/cb',
    'http://127.8.9.10:1/cb',
    'http://[::1]:9/cb',
    'cursor://anysphere.cursor-mcp/oauth/callback',
    'https://app.example/oauth/done',
  ])('should accept %s', (uri) => {
    expect(checkRedirectUri(uri, BASE, ALLOWED)).toBe(uri);
  });

  it.each([
    undefined,
    '',
    'https://evil.example/cb',
    'http://proxy.example.com/cb', // another origin: the scheme differs
    'https://proxy.example.com.evil.example/cb',
    'http://localhost.evil.example/cb',
    'http://user:pw@localhost/cb',
    'http://localhost/cb#fragment',
    'javascript:alert(1)',
    'myapp://localhost/cb', // loopback host, but not a web scheme
    'cursor://anysphere.cursor-mcp/oauth/callback/extra',
    'https://app.example/other',
    'not a url',
  ])('should refuse %s with 400', (uri) => {
    expect(() => checkRedirectUri(uri, BASE, ALLOWED)).toThrow(ApiError);
    try {
      checkRedirectUri(uri, BASE, ALLOWED);
    } catch (e) {
      expect((e as ApiError).status).toBe(400);
    }
  });
});
