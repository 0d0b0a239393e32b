/**
 * The typed query tables the baseline reads. The server builds `q_<sb>.<table>` (src/query/tables, from
 * `from_json(record, …)` over the XDM schema); when the lake file has none yet (the tables helper's code has not
 * landed, or the server never ran a query), the bench builds its own `bq_<sb>.<table>` the same way: one column per
 * top-level XDM field (STRUCT for objects, MAP for identityMap and other maps, LIST for arrays), from the dataset's
 * full XDM schema. `bq_` is out of every session's reach (only the sandbox's own tables resolve).
 */
import type { DuckDBConnection } from '@duckdb/node-api';

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; items?: JsonSchema; additionalProperties?: JsonSchema | boolean; 'meta:xdmType'?: string };

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

function leafType(s: JsonSchema): string {
  switch (s.type) {
    case 'string':
      return 'VARCHAR';
    case 'number':
      return 'DOUBLE';
    case 'integer':
      return 'BIGINT';
    case 'boolean':
      return 'BOOLEAN';
    default:
      return 'JSON';
  }
}

const isMap = (s: JsonSchema) => s.type === 'object' && (s['meta:xdmType'] === 'map' || (typeof s.additionalProperties === 'object' && !s.properties));
const hasFields = (s: JsonSchema) => s.type === 'object' && s.properties !== undefined && Object.keys(s.properties).length > 0;

/** DuckDB type text of an XDM field (objects without fields stay JSON: they are open). */
export function sqlType(field: Record<string, unknown>): string {
  const s = field as JsonSchema;
  if (isMap(s)) return `MAP(VARCHAR, ${sqlType(s.additionalProperties as JsonSchema)})`;
  if (hasFields(s)) return `STRUCT(${Object.entries(s.properties!).map(([k, v]) => `${quoteIdent(k)} ${sqlType(v)}`).join(', ')})`;
  if (s.type === 'array') return `${s.items ? sqlType(s.items) : 'JSON'}[]`;
  return leafType(s);
}

/** `from_json`'s structure argument for an XDM field: objects for STRUCTs, `[x]` for lists, type text for the rest. */
export function jsonStructure(field: Record<string, unknown>): unknown {
  const s = field as JsonSchema;
  if (isMap(s)) return sqlType(s);
  if (hasFields(s)) return Object.fromEntries(Object.entries(s.properties!).map(([k, v]) => [k, jsonStructure(v)]));
  if (s.type === 'array') return [s.items ? jsonStructure(s.items) : 'JSON'];
  return leafType(s);
}

/** The SELECT turning raw lake rows into typed ones (`_id`, `timestamp` from the raw columns, the rest from `record`). */
export function typedSelect(rawTable: string, xdm: Record<string, unknown>, where = ''): string {
  const schema = xdm as JsonSchema;
  const fields = Object.keys(schema.properties ?? {}).filter((k) => k !== '_id' && k !== 'timestamp');
  const structure = JSON.stringify(Object.fromEntries(fields.map((k) => [k, jsonStructure(schema.properties![k]!)]))).replace(/'/g, "''");
  const cols = fields.map((k) => `j.${quoteIdent(k)} AS ${quoteIdent(k)}`).join(', ');
  return `SELECT _id, "timestamp", ${cols} FROM (SELECT _id, "timestamp", from_json(record, '${structure}') AS j FROM ${rawTable}${where ? ` WHERE ${where}` : ''})`;
}

export interface BaselineTables {
  /** The DuckDB schema the baseline puts on its search path. */
  schema: string;
  origin: 'q_ (the server typed tables)' | 'bq_ (bench-made with from_json: the server built no typed tables)';
  /** Seconds spent building or bringing up to date the bench-made tables (0 for the server's). */
  buildSeconds: number;
}

async function exists(conn: DuckDBConnection, schema: string, table: string): Promise<boolean> {
  const r = await conn.runAndReadAll('SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, table]);
  return Number(r.getRows()[0]![0]) > 0;
}

/**
 * The server's `q_<sb>` tables when they hold every table, else `bq_<sb>` built (first time) or appended to (rows the
 * lake got since, by `_kith_offset`: generated rows have 0, ingested ones their log offset).
 */
export async function baselineTables(conn: DuckDBConnection, sandboxSchema: string, tables: Array<{ name: string; schema: Record<string, unknown> }>, opts: { serverTablesOnly?: boolean } = {}): Promise<BaselineTables | undefined> {
  const q = `q_${sandboxSchema.replace(/^s_/, '')}`;
  const all = await Promise.all(tables.map((t) => exists(conn, q, t.name)));
  if (all.every(Boolean)) return { schema: q, origin: 'q_ (the server typed tables)', buildSeconds: 0 };
  if (opts.serverTablesOnly) return undefined;
  const bq = `bq_${sandboxSchema.replace(/^s_/, '')}`;
  const t0 = performance.now();
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${bq}`);
  await conn.run(`CREATE TABLE IF NOT EXISTS ${bq}._bench_progress (tbl VARCHAR PRIMARY KEY, "offset" BIGINT)`);
  for (const t of tables) {
    const raw = `${sandboxSchema}.${t.name}`;
    const mark = (await conn.runAndReadAll(`SELECT "offset" FROM ${bq}._bench_progress WHERE tbl = $1`, [t.name])).getRows()[0];
    const upTo = Number((await conn.runAndReadAll(`SELECT coalesce(max(_kith_offset), 0) FROM ${raw}`)).getRows()[0]![0]);
    if (!mark || !(await exists(conn, bq, t.name))) await conn.run(`CREATE OR REPLACE TABLE ${bq}.${t.name} AS ${typedSelect(raw, t.schema, `_kith_offset <= ${upTo}`)}`);
    else if (Number(mark[0]) < upTo) await conn.run(`INSERT INTO ${bq}.${t.name} ${typedSelect(raw, t.schema, `_kith_offset > ${Number(mark[0])} AND _kith_offset <= ${upTo}`)}`);
    await conn.run(`INSERT INTO ${bq}._bench_progress VALUES ($1, $2) ON CONFLICT (tbl) DO UPDATE SET "offset" = excluded."offset"`, [t.name, upTo]);
  }
  return { schema: bq, origin: 'bq_ (bench-made with from_json: the server built no typed tables)', buildSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)) };
}
