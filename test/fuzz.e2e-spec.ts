import { buildOpenApiDocument } from '../src/openapi';
import { useE2e } from './harness';

/** Values of every JSON type and a few nasty ones, sent where the schema wants something else. */
const BAD_VALUES: unknown[] = [
  null,
  -1,
  1e308,
  'x',
  '',
  'y'.repeat(5000),
  [],
  [1, 'a', null],
  {},
  { a: { b: [] } },
  true,
];

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  bodyFields: string[];
  queryFields: string[];
}

/**
 * "No body a client can send yields a 500": every documented route gets bodies and query strings
 * of the wrong shape, as the master key, and must answer below 500.
 */
describe('no 500 for any input (fuzz over the OpenAPI document)', () => {
  const h = useE2e();
  let operations: Operation[] = [];

  const call = (op: Operation) => h.http()[op.method](op.path).set(h.master);

  beforeAll(async () => {
    const doc = buildOpenApiDocument(h.app);
    const schemas = doc.components?.schemas ?? {};
    const fieldsOf = (ref: string | undefined): string[] => {
      const name = ref?.split('/').pop();
      const schema = name ? (schemas[name] as { properties?: Record<string, unknown> }) : undefined;
      return Object.keys(schema?.properties ?? {});
    };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        const op = (item as Record<string, any>)[method];
        if (!op) continue;
        const ref = op.requestBody?.content?.['application/json']?.schema?.$ref as string | undefined;
        const queryFields = ((op.parameters ?? []) as { in: string; name: string }[])
          .filter((p) => p.in === 'query')
          .map((p) => p.name);
        operations.push({
          method,
          path: path.replace(/\{[^}]+\}/g, 'fuzz-id'),
          bodyFields: fieldsOf(ref),
          queryFields,
        });
      }
    }
    operations = operations.filter((o) => !o.path.startsWith('/health'));
  });

  it('should cover the management routes', () => {
    expect(operations.length).toBeGreaterThan(50);
  });

  it('should never answer 500 to a wrongly shaped body', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => o.method !== 'get')) {
      const bodies: unknown[] = [
        ...BAD_VALUES.map((v) => Object.fromEntries(op.bodyFields.map((f) => [f, v]))),
        ...op.bodyFields
          .slice(0, 40)
          .flatMap((f) => [{ [f]: 'y'.repeat(5000) }, { [f]: [{}] }, { [f]: -0.5 }]),
        [1, 2],
      ];
      for (const body of bodies) {
        const res = await call(op).send(body as object);
        if (res.status >= 500)
          failures.push(
            `${op.method.toUpperCase()} ${op.path} ${JSON.stringify(body).slice(0, 120)} → ${res.status} ${res.text.slice(0, 200)}`,
          );
      }
    }
    expect(failures).toEqual([]);
  }, 180_000);

  it('should never answer 500 to wrongly shaped query strings', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => o.method === 'get' || o.queryFields.length)) {
      for (const value of ['x', '-1', '0', '1e308', 'null', '[]', '%', 'y'.repeat(3000), 'true']) {
        const query = Object.fromEntries(op.queryFields.map((f) => [f, value]));
        const res = await call(op).query(query);
        if (res.status >= 500)
          failures.push(
            `${op.method.toUpperCase()} ${op.path}?${JSON.stringify(query).slice(0, 120)} → ${res.status} ${res.text.slice(0, 200)}`,
          );
      }
    }
    expect(failures).toEqual([]);
    // Every GET of the API nine times (the MCP routes' live checks included): past jest's default 60 s.
  }, 180_000);
});
