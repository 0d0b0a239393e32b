import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  DuckDBTypeId,
  DuckDBUUIDValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { OID } from './pg-types.js';
import { byteaText, dateText, floatText, intervalText, timestampJson, timestampText, timeText } from './pg-text.js';

/** One non-null value in one wire format: text as a string (written as UTF-8), binary as bytes. */
export type Cell = (v: DuckDBValue) => string | Uint8Array;

const PG_EPOCH_DAYS = 10_957; // 2000-01-01 in days since 1970-01-01
const PG_EPOCH_MICROS = 946_684_800_000_000n;
const INT64_MAX = 9_223_372_036_854_775_807n;

/** Microseconds of any DuckDB timestamp value. */
function micros(v: DuckDBValue): bigint {
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return v.micros;
  if (v instanceof DuckDBTimestampSecondsValue) return v.seconds * 1_000_000n;
  if (v instanceof DuckDBTimestampMillisecondsValue) return v.millis * 1000n;
  if (v instanceof DuckDBTimestampNanosecondsValue) return v.nanos / 1000n;
  return 0n;
}

/** The text form of a value of type `t` as its column's OID says. */
export function textCell(t: DuckDBType, oid: number): Cell {
  switch (oid) {
    case OID.bool:
      return (v) => (v ? 't' : 'f');
    case OID.float4:
      return (v) => floatText(v as number, true);
    case OID.float8:
      return (v) => floatText(v as number, false);
    case OID.date:
      return (v) => dateText((v as DuckDBDateValue).days);
    case OID.time:
      return (v) => timeText((v as DuckDBTimeValue).micros);
    case OID.timestamp:
      return (v) => timestampText(micros(v), false);
    case OID.timestamptz:
      return (v) => timestampText(micros(v), true);
    case OID.interval:
      return (v) => {
        const i = v as DuckDBIntervalValue;
        return intervalText(i.months, i.days, i.micros);
      };
    case OID.bytea:
      return (v) => byteaText((v as DuckDBBlobValue).bytes);
    case OID.json:
      return t.alias === 'JSON' ? (v) => String(v) : (v) => jsonText(v, t);
    default:
      return t.typeId === DuckDBTypeId.VARCHAR ? (v) => v as string : (v) => String(v);
  }
}

/** The binary form, for the OIDs clients (pgjdbc) read in binary; every other OID is text-like (bytes = text). */
export function binaryCell(t: DuckDBType, oid: number): Cell {
  switch (oid) {
    case OID.bool:
      return (v) => Uint8Array.of(v ? 1 : 0);
    case OID.int2:
      return (v) => {
        const b = Buffer.allocUnsafe(2);
        b.writeInt16BE(v as number);
        return b;
      };
    case OID.int4:
      return (v) => {
        const b = Buffer.allocUnsafe(4);
        b.writeInt32BE(v as number);
        return b;
      };
    case OID.int8:
      return (v) => {
        const b = Buffer.allocUnsafe(8);
        b.writeBigInt64BE(BigInt(v as number | bigint));
        return b;
      };
    case OID.float4:
      return (v) => {
        const b = Buffer.allocUnsafe(4);
        b.writeFloatBE(v as number);
        return b;
      };
    case OID.float8:
      return (v) => {
        const b = Buffer.allocUnsafe(8);
        b.writeDoubleBE(v as number);
        return b;
      };
    case OID.date:
      return (v) => {
        const d = (v as DuckDBDateValue).days;
        const b = Buffer.allocUnsafe(4);
        b.writeInt32BE(d >= 2_147_483_647 ? 2_147_483_647 : d <= -2_147_483_647 ? -2_147_483_648 : d - PG_EPOCH_DAYS);
        return b;
      };
    case OID.time:
      return (v) => {
        const b = Buffer.allocUnsafe(8);
        b.writeBigInt64BE((v as DuckDBTimeValue).micros);
        return b;
      };
    case OID.timestamp:
    case OID.timestamptz:
      return (v) => {
        const m = micros(v);
        const b = Buffer.allocUnsafe(8);
        b.writeBigInt64BE(m >= INT64_MAX ? INT64_MAX : m <= -INT64_MAX ? -INT64_MAX - 1n : m - PG_EPOCH_MICROS);
        return b;
      };
    case OID.interval:
      return (v) => {
        const i = v as DuckDBIntervalValue;
        const b = Buffer.allocUnsafe(16);
        b.writeBigInt64BE(i.micros, 0);
        b.writeInt32BE(i.days, 8);
        b.writeInt32BE(i.months, 12);
        return b;
      };
    case OID.uuid:
      return (v) => {
        const n = (v as DuckDBUUIDValue).toUint128();
        const b = Buffer.allocUnsafe(16);
        b.writeBigUInt64BE(n >> 64n, 0);
        b.writeBigUInt64BE(n & 0xffff_ffff_ffff_ffffn, 8);
        return b;
      };
    case OID.bytea:
      return (v) => (v as DuckDBBlobValue).bytes;
    case OID.numeric:
      return (v) => numericBinary(v instanceof DuckDBDecimalValue ? v.value : BigInt(v as number | bigint), v instanceof DuckDBDecimalValue ? v.scale : 0);
    default: {
      const text = textCell(t, oid);
      return (v) => text(v);
    }
  }
}

/** PostgreSQL's binary numeric: base-10000 digits with a weight, a sign and the display scale. */
export function numericBinary(unscaled: bigint, scale: number): Uint8Array {
  const neg = unscaled < 0n;
  const s = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const intPart = s.slice(0, s.length - scale);
  const fracPart = s.slice(s.length - scale);
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  const intGroups = groups.length;
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intGroups - 1;
  let first = 0;
  while (first < groups.length && groups[first] === 0) (first++, weight--);
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  const digits = groups.slice(first, last);
  if (digits.length === 0) weight = 0;
  const b = Buffer.allocUnsafe(8 + digits.length * 2);
  b.writeInt16BE(digits.length, 0);
  b.writeInt16BE(weight, 2);
  b.writeUInt16BE(neg && digits.length > 0 ? 0x4000 : 0, 4);
  b.writeInt16BE(scale, 6);
  digits.forEach((d, i) => b.writeInt16BE(d, 8 + i * 2));
  return b;
}

/** A value as JSON text, led by its type (nested JSON stays raw, big integers and decimals are exact numbers). */
export function jsonText(v: DuckDBValue, t: DuckDBType): string {
  if (v === null) return 'null';
  if (t.alias === 'JSON') return String(v);
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
    case 'bigint':
      return v.toString();
    case 'string':
      return JSON.stringify(v);
  }
  const tt = t as unknown as { valueType?: DuckDBType; entryNames?: string[]; entryTypes?: DuckDBType[]; keyType?: DuckDBType };
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) return `[${v.items.map((x) => jsonText(x, tt.valueType!)).join(',')}]`;
  if (v instanceof DuckDBStructValue) {
    const types = new Map((tt.entryNames ?? []).map((n, i) => [n, tt.entryTypes![i]!]));
    return `{${Object.entries(v.entries)
      .map(([k, x]) => `${JSON.stringify(k)}:${types.has(k) ? jsonText(x, types.get(k)!) : JSON.stringify(String(x))}`)
      .join(',')}}`;
  }
  if (v instanceof DuckDBMapValue) {
    const scalarKeys = v.entries.every((e) => typeof e.key === 'string' || typeof e.key === 'number' || typeof e.key === 'bigint');
    if (scalarKeys) return `{${v.entries.map((e) => `${JSON.stringify(String(e.key))}:${jsonText(e.value, tt.valueType!)}`).join(',')}}`;
    return `[${v.entries.map((e) => `{"key":${jsonText(e.key, tt.keyType!)},"value":${jsonText(e.value, tt.valueType!)}}`).join(',')}]`;
  }
  if (v instanceof DuckDBDecimalValue) return v.toString();
  if (v instanceof DuckDBTimestampTZValue) return JSON.stringify(timestampJson(v.micros, true));
  if (v instanceof DuckDBTimestampValue) return JSON.stringify(timestampJson(v.micros, false));
  if (v instanceof DuckDBDateValue) return JSON.stringify(dateText(v.days));
  if (v instanceof DuckDBBlobValue) return JSON.stringify(byteaText(v.bytes));
  return JSON.stringify(String(v));
}
