import { Prisma } from '@prisma/client';

interface Column {
  field: string;
  column: string;
}

const columnsByModel = new Map<Prisma.ModelName, Column[]>();

/** A model's scalar columns in schema order: the order of the fields in Prisma's own reads. */
function modelColumns(model: Prisma.ModelName): Column[] {
  let columns = columnsByModel.get(model);
  if (!columns) {
    const found = Prisma.dmmf.datamodel.models.find((m) => m.name === model);
    if (!found) throw new Error(`unknown Prisma model ${model}`);
    columns = found.fields
      .filter((f) => f.kind === 'scalar' || f.kind === 'enum')
      .map((f) => ({ field: f.name, column: f.dbName ?? f.name }));
    columnsByModel.set(model, columns);
  }
  return columns;
}

/**
 * `alias."column" AS "<prefix>field", …` for every scalar of `model`, so that one raw statement
 * can read a row and its relations (joined under other prefixes) where `include` costs a query
 * per relation. The identifiers come from the schema, never from a request.
 */
export function selectModel(
  model: Prisma.ModelName,
  alias: string,
  prefix: string,
  omit: readonly string[] = [],
): Prisma.Sql {
  return Prisma.raw(
    modelColumns(model)
      .filter(({ field }) => !omit.includes(field))
      .map(({ field, column }) => `"${alias}"."${column}" AS "${prefix}${field}"`)
      .join(', '),
  );
}

/**
 * The `prefix`ed columns of a raw row as the object Prisma's read of `model` returns (same
 * fields, same order, same value types); `null` when the row is absent (a left join that found
 * nothing), told by `idField`. `omit` as in `selectModel` (and Prisma's `omit`).
 */
export function pickModel<T>(
  row: Record<string, unknown>,
  model: Prisma.ModelName,
  prefix: string,
  idField: string,
  omit: readonly string[] = [],
): T | null {
  if (row[prefix + idField] === null || row[prefix + idField] === undefined) return null;
  const picked: Record<string, unknown> = {};
  for (const { field } of modelColumns(model)) if (!omit.includes(field)) picked[field] = row[prefix + field];
  return picked as T;
}
