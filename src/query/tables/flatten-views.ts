import { DuckDBStructType, DuckDBTypeId, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { quoteIdent } from './xdm-column-types.js';

/**
 * FLATTEN (`dbname=prod:all?FLATTEN`, for BI tools without nested types): a view per table whose columns are the leaf
 * fields of its STRUCT columns, each named after its XDM path with dots (AEP: the setting "pulls each leaf field into
 * the root of the table and names the field after the original namespace", so `commerce.order.priceTotal` is one
 * column). Arrays and maps stay whole (AEP keeps them as one column too).
 */
export function flattenSelect(source: string, columns: Array<{ name: string; type: DuckDBType }>): string {
  const out: string[] = [];
  const walk = (expr: string, path: string, type: DuckDBType) => {
    if (type.typeId === DuckDBTypeId.STRUCT && type instanceof DuckDBStructType && type.alias === undefined) {
      type.entryNames.forEach((n, i) => walk(`${expr}.${quoteIdent(n)}`, `${path}.${n}`, type.entryTypes[i]!));
      return;
    }
    out.push(`${expr} AS ${quoteIdent(path)}`);
  };
  for (const c of columns) walk(quoteIdent(c.name), c.name, c.type);
  return `SELECT ${out.join(', ')} FROM ${source}`;
}

/** (Re)creates `f_<sb>.<table>` over `q_<sb>.<table>`. */
export async function createFlattenView(conn: DuckDBConnection, flat: string, query: string, table: string): Promise<void> {
  const src = `${query}.${quoteIdent(table)}`;
  const r = await conn.runAndReadAll(`SELECT * FROM ${src} LIMIT 0`);
  const types = r.columnTypes();
  const columns = r.columnNames().map((name, i) => ({ name, type: types[i]! }));
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${flat}`);
  await conn.run(`CREATE OR REPLACE VIEW ${flat}.${quoteIdent(table)} AS ${flattenSelect(src, columns)}`);
}
