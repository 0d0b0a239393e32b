import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { byteaText, dateText, timestampText } from './pg-text.js';

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function iso(micros: bigint): string {
  const d = new Date(Number(micros / 1000n));
  return Number.isNaN(d.getTime()) ? timestampText(micros, false) : d.toISOString();
}

/**
 * A value as plain JSON for REST results, as `Lake.query` gives them: integers as numbers (strings beyond 2^53),
 * decimals as their exact text, timestamps as ISO-8601 (UTC), JSON columns as their JSON text, lists and structs as
 * arrays and objects, maps as objects (or `{key, value}` entries when keys are not scalars).
 */
export function plainValue(v: DuckDBValue, t: DuckDBType): unknown {
  if (v === null || v === undefined) return null;
  if (t.alias === 'JSON') return String(v);
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'bigint':
      return v >= -SAFE && v <= SAFE ? Number(v) : v.toString();
  }
  const tt = t as unknown as { valueType?: DuckDBType; entryNames?: string[]; entryTypes?: DuckDBType[]; keyType?: DuckDBType };
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) return v.items.map((x) => plainValue(x, tt.valueType!));
  if (v instanceof DuckDBStructValue) {
    const out: Record<string, unknown> = {};
    (tt.entryNames ?? []).forEach((n, i) => (out[n] = plainValue(v.entries[n] ?? null, tt.entryTypes![i]!)));
    return out;
  }
  if (v instanceof DuckDBMapValue) {
    if (v.entries.every((e) => typeof e.key === 'string' || typeof e.key === 'number' || typeof e.key === 'bigint'))
      return Object.fromEntries(v.entries.map((e) => [String(e.key), plainValue(e.value, tt.valueType!)]));
    return v.entries.map((e) => ({ key: plainValue(e.key, tt.keyType!), value: plainValue(e.value, tt.valueType!) }));
  }
  if (v instanceof DuckDBDecimalValue) return v.toString();
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) return iso(v.micros);
  if (v instanceof DuckDBDateValue) return dateText(v.days);
  if (v instanceof DuckDBBlobValue) return byteaText(v.bytes);
  return String(v);
}
