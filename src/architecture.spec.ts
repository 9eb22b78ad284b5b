import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * One owner per table: only the folder that owns a table writes it (README, Architecture, "Who writes
 * which table"). The map is parsed from the README's table, so the README and this check agree by
 * construction; the writes are found by grepping every non-spec `.ts` file under `src/`.
 */

const ROOT = join(__dirname, '..');
const SRC = join(ROOT, 'src');

interface Ownership {
  /** Table → the one folder that owns it. */
  owner: Map<string, string>;
  /** Folder → the other folders' tables it may write some columns of (column-level rows). */
  columns: Map<string, Set<string>>;
  /** Tables named more than once in the owners column. */
  duplicates: string[];
}

interface Write {
  file: string;
  line: number;
  folder: string;
  table: string;
  how: string;
}

const TABLE = /`((?:LiteLLM|ControlPlane)_\w+)`/g;
const tablesIn = (cell: string) => [...cell.matchAll(TABLE)].map((m) => m[1]);

/** The "Who writes which table" table of the README: `| \`folder\` | owned tables | column-level |`. */
export function parseOwnership(readme: string): Ownership {
  const start = readme.indexOf('### Who writes which table');
  if (start < 0) throw new Error('README has no "### Who writes which table" section');
  // The first table after the heading: its lines up to the first line that is not a table row.
  const lines = readme.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, i) => i > first && !line.startsWith('|'));
  const rows = lines
    .slice(first, end < 0 ? undefined : end)
    .filter((line) => /^\|\s*`[^`]+`\s*\|/.test(line));
  const owner = new Map<string, string>();
  const columns = new Map<string, Set<string>>();
  const duplicates: string[] = [];
  for (const row of rows) {
    const [folderCell, ownedCell, columnCell = ''] = row.split('|').slice(1, -1);
    const folder = folderCell.trim().replace(/`/g, '');
    for (const table of tablesIn(ownedCell)) {
      if (owner.has(table)) duplicates.push(`${table}: ${owner.get(table)} and ${folder}`);
      else owner.set(table, folder);
    }
    columns.set(folder, new Set(tablesIn(columnCell)));
  }
  return { owner, columns, duplicates };
}

/** `platform/audit`, `tenancy`, `scheduler`, `domains/keys`…; `src` for the bootstrap files on top. */
export function folderOf(path: string): string {
  const parts = path.split('/');
  if ((parts[0] === 'platform' || parts[0] === 'domains') && parts.length > 2)
    return `${parts[0]}/${parts[1]}`;
  return parts.length > 1 ? parts[0] : 'src';
}

const MODEL = '((?:liteLLM|controlPlane)_\\w+)';
const PRISMA_WRITE = new RegExp(
  `\\.${MODEL}\\s*\\.\\s*(create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany)\\s*\\(`,
  'g',
);
const SQL_WRITE =
  /\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|MERGE\s+INTO)\s+(?:ONLY\s+)?"(\w+)"/gi;
/** A statement whose table comes from an expression: `UPDATE ${table} …`. */
const DYNAMIC_SQL_WRITE =
  /\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|MERGE\s+INTO)\s+(?:ONLY\s+)?\$\{/gi;
const NAMED_TABLE = /\b((?:LiteLLM|ControlPlane)_[A-Za-z]\w*)/g;

/** Prisma's delegate name (`liteLLM_TeamTable`) → the table (`LiteLLM_TeamTable`). */
const tableOfDelegate = (delegate: string) => delegate[0].toUpperCase() + delegate.slice(1);

/** Every table write in one file's text. */
export function findWrites(path: string, text: string): Write[] {
  const folder = folderOf(path);
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  const writes: Write[] = [];
  for (const m of text.matchAll(PRISMA_WRITE)) {
    const table = tableOfDelegate(m[1]);
    writes.push({ file: path, line: lineAt(m.index), folder, table, how: `.${m[1]}.${m[2]}` });
  }
  for (const m of text.matchAll(SQL_WRITE)) {
    if (!/^(LiteLLM|ControlPlane)_/.test(m[2])) continue;
    const verb = m[1].toUpperCase().replace(/\s+/g, ' ');
    writes.push({ file: path, line: lineAt(m.index), folder, table: m[2], how: `${verb} "${m[2]}"` });
  }
  // The table is known only at run time: count it as a write of every table the file names.
  const named = [...new Set([...text.matchAll(NAMED_TABLE)].map((m) => m[1]))];
  for (const m of text.matchAll(DYNAMIC_SQL_WRITE)) {
    const verb = m[1].toUpperCase().replace(/\s+/g, ' ');
    for (const table of named) {
      writes.push({
        file: path,
        line: lineAt(m.index),
        folder,
        table,
        how: `${verb} \${…} (names ${table})`,
      });
    }
  }
  return writes;
}

/** The writes of a table by a folder that neither owns it nor has a column-level row for it. */
export function violations(writes: Write[], ownership: Ownership): string[] {
  return writes
    .filter(
      (w) => ownership.owner.get(w.table) !== w.folder && !ownership.columns.get(w.folder)?.has(w.table),
    )
    .map(
      (w) =>
        `src/${w.file}:${w.line} ${w.folder} writes ${w.table} (${w.how}); owner: ${ownership.owner.get(w.table) ?? 'none in the README'}`,
    );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('architecture: one owner per table', () => {
  const ownership = parseOwnership(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  const models = new Set(
    [...readFileSync(join(ROOT, 'prisma', 'schema.prisma'), 'utf8').matchAll(/^model (\w+)/gm)].map(
      (m) => m[1],
    ),
  );

  it('should read one owner for each table from the README, every table a model of the schema', () => {
    expect(ownership.owner.size).toBeGreaterThan(0);
    expect(ownership.duplicates).toEqual([]);
    const named = [...ownership.owner.keys(), ...[...ownership.columns.values()].flatMap((s) => [...s])];
    expect(named.filter((table) => !models.has(table))).toEqual([]);
    const folders = [...new Set([...ownership.owner.values(), ...ownership.columns.keys()])];
    const missing = folders.filter((folder) => !existsSync(join(SRC, ...folder.split('/'))));
    expect(missing).toEqual([]);
  });

  it('should find no write of a table by a folder that does not own it', () => {
    const writes = sourceFiles(SRC).flatMap((path) =>
      findWrites(relative(SRC, path).split(sep).join('/'), readFileSync(path, 'utf8')),
    );
    expect(writes.length).toBeGreaterThan(0);
    expect(violations(writes, ownership)).toEqual([]);
  });

  it('should catch a Prisma write, a SQL write and a run-time table outside their owner', () => {
    const source = [
      'await tx.liteLLM_TeamTable.update({ where: { team_id } });',
      'await tx.liteLLM_TeamTable\n  .deleteMany({});',
      'await tx.$executeRaw`UPDATE "LiteLLM_UserTable" SET spend = 0`;',
      'await tx.$executeRaw`delete from "LiteLLM_AuditLog"`;',
      "const t = 'LiteLLM_BudgetTable'; await tx.$executeRaw`UPDATE ${Prisma.raw(t)} SET x = 1`;",
      'await tx.liteLLM_VerificationToken.update({}); // the owner: allowed',
    ].join('\n');
    const found = violations(findWrites('domains/keys/example.ts', source), ownership);
    expect(found).toEqual([
      expect.stringMatching(
        /^src\/domains\/keys\/example\.ts:1 domains\/keys writes LiteLLM_TeamTable .*owner: domains\/teams$/,
      ),
      expect.stringMatching(/:2 domains\/keys writes LiteLLM_TeamTable \(\.liteLLM_TeamTable\.deleteMany\)/),
      expect.stringMatching(
        /:4 domains\/keys writes LiteLLM_UserTable \(UPDATE "LiteLLM_UserTable"\); owner: tenancy$/,
      ),
      expect.stringMatching(/:5 domains\/keys writes LiteLLM_AuditLog \(DELETE FROM "LiteLLM_AuditLog"\)/),
      // The run-time table is counted as every table the file names, the owner's own among them.
      expect.stringMatching(/:6 domains\/keys writes LiteLLM_UserTable \(UPDATE \$\{…\}/),
      expect.stringMatching(/:6 domains\/keys writes LiteLLM_AuditLog \(UPDATE \$\{…\}/),
      expect.stringMatching(/:6 domains\/keys writes LiteLLM_BudgetTable \(UPDATE \$\{…\}/),
    ]);
  });

  it('should let a column-level row of the README write that table, and only that one', () => {
    const spend = findWrites(
      'domains/spend/x.ts',
      'await tx.$executeRaw`UPDATE "LiteLLM_TagTable" SET spend = 0`;',
    );
    expect(violations(spend, ownership)).toEqual([]);
    const tags = findWrites(
      'domains/tags/x.ts',
      'await tx.$executeRaw`UPDATE "LiteLLM_TeamTable" SET spend = 0`;',
    );
    expect(violations(tags, ownership)).toHaveLength(1);
  });
});
