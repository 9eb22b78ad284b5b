import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument } from '../src/openapi';
import { useE2e } from './harness';

const FILE = join(__dirname, '../openapi.json');

/** openapi.json is committed; this fails when the code's document drifts from it. `npm run openapi` rewrites it. */
describe('committed OpenAPI document', () => {
  const h = useE2e();

  it('should match the document the app generates', () => {
    const generated = JSON.stringify(buildOpenApiDocument(h.app), null, 2) + '\n';
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(FILE, generated);
    const committed = readFileSync(FILE, 'utf8');
    expect(committed).toBe(generated);
  });

  it('should give every operation a summary, a tag and a unique operationId', () => {
    const doc = JSON.parse(readFileSync(FILE, 'utf8'));
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        expect({ route: `${method} ${path}`, summary: typeof op.summary, tags: op.tags?.length > 0 }).toEqual(
          {
            route: `${method} ${path}`,
            summary: 'string',
            tags: true,
          },
        );
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
      }
    }
  });
});
