import request from 'supertest';
import { buildOpenApiDocument } from '../src/openapi';
import { createTestApp, MASTER_KEY, TestApp, uniq } from './app.factory';
import { useE2e } from './harness';

interface Operation {
  route: string;
  op: any;
}

function operations(doc: any): Operation[] {
  return Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
    Object.entries<any>(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
  );
}

/** The routes that need no credential: health probes and the invitation onboarding links. */
const PUBLIC_ROUTES = [
  'GET /health/liveliness',
  'GET /health/liveness',
  'GET /health/readiness',
  'GET /onboarding/get_token',
  'POST /onboarding/claim_token',
  'GET /v1/mcp/registry.json', // MCP clients discover servers from it without a key (LiteLLM)
  // MCP OAuth (E14, E15): anonymous for delegate_auth_to_upstream servers; a key sent is checked.
  'GET /v1/mcp/server/oauth/{server_id}/authorize',
  'POST /v1/mcp/server/oauth/{server_id}/token',
];

/** The options we give Swagger UI (they override its template's), read from the served swagger-ui-init.js. */
async function servedSwaggerOptions(t: Pick<TestApp, 'app'>): Promise<Record<string, unknown>> {
  const js = (await request(t.app.getHttpServer()).get('/docs/swagger-ui-init.js').expect(200)).text;
  const match = /"customOptions":\s*(\{[^}]*\})/.exec(js);
  if (!match) throw new Error('customOptions not found in swagger-ui-init.js');
  return JSON.parse(match[1]) as Record<string, unknown>;
}

/**
 * Where a value departs from a schema of the document: a wrong type, a missing required field, or a
 * field the schema does not declare (unless it allows additional properties).
 */
function mismatches(doc: any, schema: any, value: unknown, at: string): string[] {
  if (schema?.$ref) return mismatches(doc, doc.components.schemas[schema.$ref.split('/').pop()], value, at);
  if (schema?.allOf) return schema.allOf.flatMap((s: any) => mismatches(doc, s, value, at));
  if (value === null) return schema?.nullable || !schema?.type ? [] : [`${at}: null but not nullable`];
  switch (schema?.type) {
    case undefined:
      return [];
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => mismatches(doc, schema.items, v, `${at}[${i}]`))
        : [`${at}: not an array`];
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: not an object`];
      const props = schema.properties ?? {};
      const record = value as Record<string, unknown>;
      return [
        ...(schema.required ?? [])
          .filter((k: string) => !(k in record))
          .map((k: string) => `${at}.${k}: missing`),
        ...Object.entries(record).flatMap(([k, v]) =>
          k in props
            ? mismatches(doc, props[k], v, `${at}.${k}`)
            : schema.additionalProperties
              ? []
              : [`${at}.${k}: not in the schema`],
        ),
      ];
    }
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at}: not an integer`];
    default:
      return typeof value === schema.type ? [] : [`${at}: not a ${schema.type}`];
  }
}

/** Swagger UI at /docs is the admin UI: what it shows must be complete and true. */
describe('OpenAPI document as the admin UI shows it', () => {
  const h = useE2e();
  let doc: any;
  beforeAll(() => {
    doc = JSON.parse(JSON.stringify(buildOpenApiDocument(h.app)));
  });

  it('should mark public operations with an empty security list, and no 401 or 403 for a missing key', () => {
    const unlocked = operations(doc)
      .filter(({ op }) => Array.isArray(op.security) && op.security.length === 0)
      .map(({ route }) => route);
    expect(unlocked.sort()).toEqual([...PUBLIC_ROUTES].sort());
    // The onboarding routes check the invitation link (401 when it is unknown or used), not a key;
    // the MCP OAuth routes check a key only when one is sent (401 for garbage or a non-delegate server).
    const checksItsOwnCredential = (route: string) =>
      route.includes('/onboarding/') || route.includes('/v1/mcp/server/oauth/');
    for (const { route, op } of operations(doc).filter(({ route }) => PUBLIC_ROUTES.includes(route))) {
      const statuses = Object.keys(op.responses).filter(
        (s) => s === '403' || (s === '401' && !checksItsOwnCredential(route)),
      );
      expect({ route, statuses }).toEqual({ route, statuses: [] });
    }
  });

  it('should document 401, 403 and 422 with the error envelope on every authenticated operation', () => {
    for (const { route, op } of operations(doc).filter(({ route }) => !PUBLIC_ROUTES.includes(route))) {
      const refs = Object.fromEntries(
        ['401', '403', '422'].map((s) => [s, op.responses[s]?.content?.['application/json']?.schema?.$ref]),
      );
      expect({ route, refs }).toEqual({
        route,
        refs: {
          '401': '#/components/schemas/ErrorResponse',
          '403': '#/components/schemas/ErrorResponse',
          '422': '#/components/schemas/ValidationErrorResponse',
        },
      });
    }
    expect(doc.components.schemas.ErrorResponse.properties.error.$ref).toBe('#/components/schemas/ErrorBody');
    expect(Object.keys(doc.components.schemas.ErrorBody.properties).sort()).toEqual([
      'code',
      'message',
      'param',
      'type',
    ]);
    expect(doc.components.schemas.ValidationErrorResponse.properties.detail).toMatchObject({ type: 'array' });
  });

  it('should give every 4xx the error envelope as its schema', () => {
    for (const { route, op } of operations(doc)) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        if (!status.startsWith('4')) continue;
        const ref = response.content?.['application/json']?.schema?.$ref;
        expect({ route, status, ref }).toEqual({
          route,
          status,
          ref:
            status === '422'
              ? '#/components/schemas/ValidationErrorResponse'
              : '#/components/schemas/ErrorResponse',
        });
      }
    }
  });

  it('should give every 2xx with a body a schema that names its type or properties', () => {
    const missing: string[] = [];
    for (const { route, op } of operations(doc)) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        if (!status.startsWith('2') || status === '204') continue;
        const schema = response.content?.['application/json']?.schema;
        const described =
          schema && (schema.$ref || schema.type || schema.properties || schema.allOf || schema.oneOf);
        if (!described) missing.push(`${route} ${status}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('should describe the bodies these routes really answer with their documented schemas', async () => {
    const { http } = h;
    const auth = { Authorization: `Bearer ${MASTER_KEY}` };
    const key: string = (await http().post('/key/generate').set(auth).send({}).expect(200)).body.key;
    const [rotated, rotatedByPath] = await Promise.all(
      [1, 2].map(
        async () => (await http().post('/key/generate').set(auth).send({}).expect(200)).body.key as string,
      ),
    );
    const days = 'start_date=2026-01-01&end_date=2026-01-31';
    const calls: [string, string, () => request.Test][] = [
      [
        'post',
        '/key/generate',
        () =>
          http()
            .post('/key/generate')
            .send({ models: ['gpt-4o'], max_budget: 10, duration: '30d', tags: ['a'] }),
      ],
      ['get', '/key/info', () => http().get(`/key/info?key=${key}`)],
      [
        'post',
        '/v2/key/info',
        () =>
          http()
            .post('/v2/key/info')
            .send({ keys: [key] }),
      ],
      [
        'post',
        '/key/update',
        () =>
          http()
            .post('/key/update')
            .send({ key, key_alias: uniq('alias') }),
      ],
      [
        'post',
        '/key/bulk_update',
        () =>
          http()
            .post('/key/bulk_update')
            .send({ keys: [{ key, max_budget: 5 }, { key: 'sk-missing' }] }),
      ],
      ['get', '/key/aliases', () => http().get('/key/aliases')],
      ['post', '/key/{key}/reset_spend', () => http().post(`/key/${key}/reset_spend`).send({ reset_to: 0 })],
      ['post', '/key/block', () => http().post('/key/block').send({ key })],
      [
        'post',
        '/key/{key}/regenerate',
        () => http().post(`/key/${rotatedByPath}/regenerate`).send({ grace_period: '1h', max_budget: 3 }),
      ],
      ['post', '/key/unblock', () => http().post('/key/unblock').send({ key })],
      ['post', '/key/regenerate', () => http().post('/key/regenerate').send({ key: rotated })],
      ['get', '/user/daily/activity', () => http().get(`/user/daily/activity?${days}`)],
      ['get', '/team/daily/activity', () => http().get(`/team/daily/activity?${days}`)],
    ];
    for (const [method, path, call] of calls) {
      const res = await call().set(auth);
      const schema =
        doc.paths[path][method].responses[String(res.status)]?.content?.['application/json']?.schema;
      expect({ path, status: res.status, documented: !!schema }).toEqual({
        path,
        status: 200,
        documented: true,
      });
      expect({ path, problems: mismatches(doc, schema, res.body, 'body') }).toEqual({ path, problems: [] });
    }
  });

  it('should describe every query parameter', () => {
    const undescribed = operations(doc).flatMap(({ route, op }) =>
      (op.parameters ?? [])
        .filter((p: any) => p.in === 'query' && !(typeof p.description === 'string' && p.description.trim()))
        .map((p: any) => `${route} ?${p.name}`),
    );
    expect(undescribed).toEqual([]);
  });

  it('should let every authenticated operation use either credential header', () => {
    for (const { route, op } of operations(doc).filter(({ route }) => !PUBLIC_ROUTES.includes(route))) {
      expect({ route, security: op.security }).toEqual({
        route,
        security: [{ bearer: [] }, { 'x-litellm-api-key': [] }],
      });
    }
    const res = (headers: Record<string, string>) => h.http().post('/key/health').set(headers);
    return Promise.all([
      res({ Authorization: `Bearer ${MASTER_KEY}` }).expect(200),
      res({ 'x-litellm-api-key': MASTER_KEY }).expect(200),
    ]);
  });

  it('should not call the bearer scheme a JWT (keys are sk-... strings)', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.bearer.bearerFormat).not.toBe('JWT');
  });

  it('should start Swagger UI with deep links on and the key kept out of localStorage by default', async () => {
    expect(await servedSwaggerOptions(h)).toMatchObject({ deepLinking: true, persistAuthorization: false });
  });

  it('should keep the key in localStorage when the operator sets SWAGGER_PERSIST_AUTHORIZATION=true', async () => {
    const opted = await createTestApp({ env: { SWAGGER_PERSIST_AUTHORIZATION: 'true' } });
    try {
      expect(await servedSwaggerOptions(opted)).toMatchObject({
        deepLinking: true,
        persistAuthorization: true,
      });
    } finally {
      await opted.close();
    }
  });
});
