import type { DuckDBConnection } from '@duckdb/node-api';
import { err, ok, type Result } from '../../../shared/result.js';
import type { SqlError } from '../../engine/query-engine.js';
import type { SessionView } from '../table-space.js';
import { lit } from '../query-tables.js';

/**
 * What the engine's gate does with a SELECT, reduced to the table space's part (for these tests only): parse with
 * DuckDB, map every BASE_TABLE through `resolveTable` and every FUNCTION through `resolveFunction`, print it back.
 */
export async function gate(conn: DuckDBConnection, view: SessionView, sql: string): Promise<Result<string, SqlError>> {
  const parsed = (await conn.runAndReadAll(`SELECT json_serialize_sql(${lit(sql)})`)).getRows()[0]![0] as string;
  // DuckDB marks unknown locations with 2^64-1, which a JS number cannot hold: drop them
  const tree = JSON.parse(parsed.replace(/"query_location":18446744073709551615/g, '"query_location":0')) as Record<string, unknown>;
  if (tree.error) return err({ code: '42601', message: String(tree.error_message) });
  const ctes = new Set<string>();
  let failure: SqlError | undefined;
  const walk = (n: unknown): void => {
    if (failure || n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(walk);
    const o = n as Record<string, unknown>;
    const map = (o.cte_map as { map?: Array<{ key: string }> } | undefined)?.map;
    for (const m of map ?? []) ctes.add(m.key.toLowerCase());
    if (o.type === 'BASE_TABLE' && !(o.schema_name === '' && ctes.has(String(o.table_name).toLowerCase()))) {
      const r = view.resolveTable({ catalog: String(o.catalog_name), schema: String(o.schema_name), name: String(o.table_name) });
      if (!r.ok) failure = r.error;
      else Object.assign(o, { catalog_name: r.value.catalog, schema_name: r.value.schema, table_name: r.value.name });
    }
    if (o.class === 'FUNCTION') {
      const r = view.resolveFunction({ catalog: String(o.catalog ?? ''), schema: String(o.schema ?? ''), name: String(o.function_name) });
      if (!r.ok) failure = r.error;
      else Object.assign(o, { catalog: r.value.catalog, schema: r.value.schema, function_name: r.value.name });
    }
    for (const v of Object.values(o)) walk(v);
  };
  walk(tree);
  if (failure) return err(failure);
  const back = (await conn.runAndReadAll(`SELECT json_deserialize_sql(${lit(JSON.stringify(tree))}::JSON)`)).getRows()[0]![0] as string;
  return ok(back);
}
