import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stub authorization server received. */
export interface OAuthStubRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The form (or JSON) body's fields. */
  form: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export interface OAuthStubOptions {
  /** The client the stub knows; a token request with another client_id/secret is `invalid_client`. */
  clientId?: string;
  clientSecret?: string;
  /** `expires_in` of issued access tokens (seconds). */
  expiresIn?: number;
}

export interface OAuthStub {
  /** Base URL; endpoints at `/authorize`, `/token`, `/register`. */
  url: string;
  requests: OAuthStubRequest[];
  /** The access token issued last (what an upstream protected by this server accepts). */
  currentAccessToken(): string | undefined;
  /** Requests to one endpoint, oldest first. */
  calls(path: '/authorize' | '/token' | '/register'): OAuthStubRequest[];
  close(): Promise<void>;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

/**
 * A stub OAuth 2.1 authorization server on 127.0.0.1 (port 0), for the MCP OAuth tests:
 * `GET /authorize` redirects straight back to `redirect_uri` with a fresh code and the state (as
 * if the user had consented); `POST /token` checks the code, the redirect_uri, the client and the
 * PKCE S256 verifier, and issues `access-N`/`refresh-N`, rotating the refresh token on a
 * `refresh_token` grant; `POST /register` registers a client. Errors are RFC 6749 JSON. Every
 * request is recorded.
 */
export async function startOAuthStub(opts: OAuthStubOptions = {}): Promise<OAuthStub> {
  const requests: OAuthStubRequest[] = [];
  const codes = new Map<string, Grant>();
  const refreshTokens = new Set<string>();
  let issued = 0;
  let current: string | undefined;

  const issue = (res: ServerResponse) => {
    issued += 1;
    current = `access-${issued}`;
    const refresh = `refresh-${issued}`;
    refreshTokens.add(refresh);
    json(res, 200, {
      access_token: current,
      token_type: 'Bearer',
      expires_in: opts.expiresIn ?? 3600,
      refresh_token: refresh,
      scope: 'read',
    });
  };

  const http = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const url = new URL(req.url ?? '/', 'http://stub');
      const form = parseBody(raw, req.headers['content-type']);
      const record = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        form,
        headers: req.headers,
      };
      requests.push(record);
      if (req.method === 'GET' && url.pathname === '/authorize') return authorize(record.query, res);
      if (req.method === 'POST' && url.pathname === '/token') return token(form, res);
      if (req.method === 'POST' && url.pathname === '/register')
        return json(res, 201, {
          client_id: 'registered-client',
          client_secret: 'registered-secret',
          redirect_uris: form.redirect_uris ?? [],
        });
      json(res, 404, { error: 'not_found' });
    });
  });

  function authorize(q: Record<string, string>, res: ServerResponse) {
    if (!q.redirect_uri || !q.client_id) return json(res, 400, { error: 'invalid_request' });
    const code = `code-${randomBytes(6).toString('hex')}`;
    codes.set(code, {
      clientId: q.client_id,
      redirectUri: q.redirect_uri,
      codeChallenge: q.code_challenge,
      codeChallengeMethod: q.code_challenge_method,
    });
    const back = new URL(q.redirect_uri);
    back.searchParams.set('code', code);
    if (q.state) back.searchParams.set('state', q.state);
    res.writeHead(302, { location: back.toString() }).end();
  }

  function token(f: Record<string, string>, res: ServerResponse) {
    if (opts.clientId && f.client_id !== opts.clientId) return json(res, 401, { error: 'invalid_client' });
    if (opts.clientSecret && f.client_secret !== opts.clientSecret)
      return json(res, 401, { error: 'invalid_client' });
    if (f.grant_type === 'authorization_code') {
      const grant = codes.get(f.code ?? '');
      if (!grant) return json(res, 400, { error: 'invalid_grant', error_description: 'unknown code' });
      codes.delete(f.code);
      if (grant.redirectUri !== f.redirect_uri)
        return json(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri mismatch' });
      if (grant.codeChallenge) {
        const verifier = f.code_verifier ?? '';
        const computed = createHash('sha256').update(verifier).digest('base64url');
        if (grant.codeChallengeMethod !== 'S256' || computed !== grant.codeChallenge)
          return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      }
      return issue(res);
    }
    if (f.grant_type === 'refresh_token') {
      if (!refreshTokens.delete(f.refresh_token ?? ''))
        return json(res, 400, { error: 'invalid_grant', error_description: 'unknown refresh token' });
      return issue(res);
    }
    json(res, 400, { error: 'unsupported_grant_type' });
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    currentAccessToken: () => current,
    calls: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, contentType: string | undefined): Record<string, any> {
  if (raw === '') return {};
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(raw) as Record<string, any>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}
