import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';

/** PostgreSQL type OIDs the Query Service speaks. */
export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  float4: 700,
  float8: 701,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
} as const;

/** pg_type.typlen per OID (-1: variable length). */
const TYPLEN: Record<number, number> = { 16: 1, 20: 8, 21: 2, 23: 4, 700: 4, 701: 8, 1082: 4, 1083: 8, 1114: 8, 1184: 8, 1186: 16, 2950: 16 };

export interface PgType {
  oid: number;
  size: number;
  typeModifier: number;
}

const NESTED = new Set([DuckDBTypeId.STRUCT, DuckDBTypeId.MAP, DuckDBTypeId.LIST, DuckDBTypeId.ARRAY, DuckDBTypeId.UNION, DuckDBTypeId.VARIANT]);

export function isNested(t: { typeId: DuckDBTypeId }): boolean {
  return NESTED.has(t.typeId);
}

/**
 * A DuckDB result type as PostgreSQL sees it. HUGEINT/UHUGEINT/UBIGINT/DECIMAL are numeric (exact); JSON is json;
 * nested types (STRUCT, MAP, LIST, ARRAY) are json under `auto_to_json`, otherwise text in DuckDB's own notation
 * (`{'a': 1}`, `[1, 2]`), the closest thing to AEP's plain-text rendering of nested values; anything else is text.
 */
export function pgTypeOf(t: DuckDBType, autoToJson: boolean): PgType {
  const oid = oidOf(t, autoToJson);
  let typeModifier = -1;
  if (oid === OID.numeric && t.typeId === DuckDBTypeId.DECIMAL) {
    const d = t as unknown as { width: number; scale: number };
    typeModifier = ((d.width << 16) | d.scale) + 4;
  }
  return { oid, size: TYPLEN[oid] ?? -1, typeModifier };
}

function oidOf(t: { typeId: DuckDBTypeId; alias?: string | undefined }, autoToJson: boolean): number {
  if (t.alias === 'JSON') return OID.json;
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return OID.bool;
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return OID.int2;
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return OID.int4;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return OID.int8;
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.DECIMAL:
    case DuckDBTypeId.BIGNUM:
      return OID.numeric;
    case DuckDBTypeId.FLOAT:
      return OID.float4;
    case DuckDBTypeId.DOUBLE:
      return OID.float8;
    case DuckDBTypeId.DATE:
      return OID.date;
    case DuckDBTypeId.TIME:
      return OID.time;
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return OID.timestamp;
    case DuckDBTypeId.TIMESTAMP_TZ:
      return OID.timestamptz;
    case DuckDBTypeId.INTERVAL:
      return OID.interval;
    case DuckDBTypeId.UUID:
      return OID.uuid;
    case DuckDBTypeId.BLOB:
      return OID.bytea;
    default:
      return isNested(t) && autoToJson ? OID.json : OID.text;
  }
}

/** The DuckDB type a parameter the client typed is cast to (`undefined`: let DuckDB infer it). */
export function duckdbTypeForOid(oid: number): string | undefined {
  switch (oid) {
    case OID.bool:
      return 'BOOLEAN';
    case OID.int2:
      return 'SMALLINT';
    case OID.int4:
      return 'INTEGER';
    case OID.int8:
      return 'BIGINT';
    case OID.float4:
      return 'FLOAT';
    case OID.float8:
      return 'DOUBLE';
    case OID.text:
    case OID.varchar:
    case 18: // char
    case 19: // name
      return 'VARCHAR';
    case OID.date:
      return 'DATE';
    case OID.time:
      return 'TIME';
    case OID.timestamp:
      return 'TIMESTAMP';
    case OID.timestamptz:
      return 'TIMESTAMPTZ';
    case OID.interval:
      return 'INTERVAL';
    case OID.uuid:
      return 'UUID';
    case OID.json:
      return 'JSON';
    default:
      return undefined;
  }
}

/** A parameter type DuckDB inferred, as an OID for ParameterDescription (the column mapping; nested or unknown → text). */
export function oidForParameter(typeId: DuckDBTypeId): number {
  const oid = oidOf({ typeId, alias: undefined }, false);
  return oid === OID.json ? OID.text : oid;
}
