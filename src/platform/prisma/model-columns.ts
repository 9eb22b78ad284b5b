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

/** selectModel's fragments, by model, alias, prefix and omitted fields: built once each. */
const selections = new Map<string, Prisma.Sql>();

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
  const key = `${model}\u0000${alias}\u0000${prefix}\u0000${omit.join('\u0000')}`;
  let selection = selections.get(key);
  if (!selection) {
    selection = Prisma.raw(
      modelColumns(model)
        .filter(({ field }) => !omit.includes(field))
        .map(({ field, column }) => `"${alias}"."${column}" AS "${prefix}${field}"`)
        .join(', '),
    );
    selections.set(key, selection);
  }
  return selection;
}

/**
 * `NULL AS "<prefix>field", …` for every scalar of `model`: the other branch's columns in a
 * UNION ALL of differently shaped rows (PostgreSQL types each NULL as the other branch's column).
 */
export function nullModel(model: Prisma.ModelName, prefix: string, omit: readonly string[] = []): Prisma.Sql {
  const key = `NULL\u0000${model}\u0000${prefix}\u0000${omit.join('\u0000')}`;
  let selection = selections.get(key);
  if (!selection) {
    selection = Prisma.raw(
      modelColumns(model)
        .filter(({ field }) => !omit.includes(field))
        .map(({ field }) => `NULL AS "${prefix}${field}"`)
        .join(', '),
    );
    selections.set(key, selection);
  }
  return selection;
}

/** pickModel's [field, prefixed name] pairs, by model, prefix and omitted fields. */
const picks = new Map<string, [field: string, name: string][]>();

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
  const key = `${model}\u0000${prefix}\u0000${omit.join('\u0000')}`;
  let fields = picks.get(key);
  if (!fields) {
    fields = modelColumns(model)
      .filter(({ field }) => !omit.includes(field))
      .map(({ field }): [string, string] => [field, prefix + field]);
    picks.set(key, fields);
  }
  const picked: Record<string, unknown> = {};
  for (const [field, name] of fields) picked[field] = row[name];
  return picked as T;
}
