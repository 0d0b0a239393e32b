/**
 * PostgreSQL types the catalog views report for DuckDB column types (pg_attribute.atttypid, format_type). A small
 * map of our own: the engine's `query/engine/pg-types.ts` (what RowDescription reports) was not on main when this
 * was written; the two must agree (STRUCT, MAP and lists of non-scalars are `json`, as the engine sends them as JSON).
 */
export interface PgType {
  oid: number;
  name: string;
  /** pg_type.typlen (-1: variable). */
  len: number;
  /** pg_type.typcategory. */
  category: string;
  /** The array type's oid (0: none). */
  array: number;
  /** format_type's spelling. */
  sqlName: string;
}

const T = (oid: number, name: string, len: number, category: string, array: number, sqlName = name): PgType => ({ oid, name, len, category, array, sqlName });

export const PG_TYPES: PgType[] = [
  T(16, 'bool', 1, 'B', 1000, 'boolean'),
  T(17, 'bytea', -1, 'U', 1001),
  T(18, 'char', 1, 'S', 1002, '"char"'),
  T(19, 'name', 64, 'S', 1003),
  T(20, 'int8', 8, 'N', 1016, 'bigint'),
  T(21, 'int2', 2, 'N', 1005, 'smallint'),
  T(23, 'int4', 4, 'N', 1007, 'integer'),
  T(25, 'text', -1, 'S', 1009),
  T(26, 'oid', 4, 'N', 1028),
  T(114, 'json', -1, 'U', 199),
  T(700, 'float4', 4, 'N', 1021, 'real'),
  T(701, 'float8', 8, 'N', 1022, 'double precision'),
  T(1043, 'varchar', -1, 'S', 1015, 'character varying'),
  T(1082, 'date', 4, 'D', 1182),
  T(1083, 'time', 8, 'D', 1183, 'time without time zone'),
  T(1114, 'timestamp', 8, 'D', 1115, 'timestamp without time zone'),
  T(1184, 'timestamptz', 8, 'D', 1185, 'timestamp with time zone'),
  T(1700, 'numeric', -1, 'N', 1231),
  T(2950, 'uuid', 16, 'U', 2951),
  T(1000, '_bool', -1, 'A', 0, 'boolean[]'),
  T(1009, '_text', -1, 'A', 0, 'text[]'),
  T(1016, '_int8', -1, 'A', 0, 'bigint[]'),
  T(1022, '_float8', -1, 'A', 0, 'double precision[]'),
  T(1182, '_date', -1, 'A', 0, 'date[]'),
  T(1185, '_timestamptz', -1, 'A', 0, 'timestamp with time zone[]'),
  T(199, '_json', -1, 'A', 0, 'json[]'),
];

const BY_OID = new Map(PG_TYPES.map((t) => [t.oid, t]));
const SCALAR: Record<string, number> = {
  BOOLEAN: 16,
  BLOB: 17,
  TINYINT: 21,
  SMALLINT: 21,
  INTEGER: 23,
  BIGINT: 20,
  UTINYINT: 21,
  USMALLINT: 23,
  UINTEGER: 20,
  UBIGINT: 1700,
  HUGEINT: 1700,
  FLOAT: 700,
  DOUBLE: 701,
  VARCHAR: 25,
  JSON: 114,
  DATE: 1082,
  TIME: 1083,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  'TIMESTAMP WITH TIME ZONE': 1184,
  UUID: 2950,
};

export function pgTypeByOid(oid: number): PgType | undefined {
  return BY_OID.get(oid);
}

/** The PostgreSQL type of a DuckDB type (as `duckdb_columns().data_type` or our own type text spells it). */
export function pgTypeOf(duckType: string): PgType {
  const t = duckType.trim().toUpperCase();
  if (t.endsWith('[]')) {
    const inner = pgTypeOf(t.slice(0, -2));
    const arr = inner.array ? BY_OID.get(inner.array) : undefined;
    return arr && inner.oid !== 114 ? arr : BY_OID.get(114)!;
  }
  if (t.startsWith('DECIMAL') || t.startsWith('NUMERIC')) return BY_OID.get(1700)!;
  const oid = SCALAR[t];
  return BY_OID.get(oid ?? 114)!; // STRUCT, MAP, UNION, …: JSON text on the wire
}
