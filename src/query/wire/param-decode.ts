import { civil } from '../engine/pg-text.js';
import { ok, err, type Result } from '../../shared/result.js';
import { SQLSTATE, type ParamValue, type SqlError } from '../engine/query-engine.js';

/**
 * Bind parameters to text, the form the engine takes: text-format values are checked UTF-8, binary-format values
 * are decoded per their type OID into PostgreSQL's text output for that type.
 */

/** PostgreSQL type OIDs the wire decodes in binary. */
export const OID = {
  bool: 16,
  bytea: 17,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

const TEXTLIKE = new Set<number>([0, OID.text, OID.varchar, OID.bpchar, OID.name, OID.unknown, OID.json]);
const utf8 = new TextDecoder('utf-8', { fatal: true });

const badBinary = (i: number): SqlError => ({ code: '22P03', message: `incorrect binary data format in bind parameter ${i + 1}` });
const badUtf8 = (): SqlError => ({ code: '22021', message: 'invalid byte sequence for encoding "UTF8"' });

function text(b: Buffer): Result<string, SqlError> {
  // PostgreSQL text cannot hold NUL; a fatal decoder refuses malformed UTF-8
  if (b.includes(0)) return err(badUtf8());
  try {
    return ok(utf8.decode(b));
  } catch {
    return err(badUtf8());
  }
}

/** Shortest decimal that reads back as the same float4 (PostgreSQL's float4 output). */
function float4Text(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  for (let p = 1; p <= 9; p++) {
    const s = Number(x.toPrecision(p));
    if (Math.fround(s) === x) return String(s);
  }
  return String(x);
}

const float8Text = (x: number): string => (Number.isNaN(x) ? 'NaN' : !Number.isFinite(x) ? (x > 0 ? 'Infinity' : '-Infinity') : String(x));


const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
/** PostgreSQL's date text: year 0 and before are `… BC`. */
function dateText(daysSince2000: number): string {
  const { y, m, d } = civil(daysSince2000 + 10957);
  return y > 0 ? `${pad(y, 4)}-${pad(m)}-${pad(d)}` : `${pad(1 - y, 4)}-${pad(m)}-${pad(d)} BC`;
}

const DAY_US = 86_400_000_000n;
function timestampText(us: bigint, tz: boolean): string {
  if (us === 0x7fffffffffffffffn) return 'infinity';
  if (us === -0x8000000000000000n) return '-infinity';
  let days = us / DAY_US;
  let rem = us % DAY_US;
  if (rem < 0n) {
    rem += DAY_US;
    days -= 1n;
  }
  const r = Number(rem);
  const secs = Math.floor(r / 1_000_000);
  const frac = r % 1_000_000;
  const date = dateText(Number(days));
  const bc = date.endsWith(' BC');
  const clock = `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}${frac ? `.${pad(frac, 6).replace(/0+$/, '')}` : ''}`;
  return `${bc ? date.slice(0, -3) : date} ${clock}${tz ? '+00' : ''}${bc ? ' BC' : ''}`;
}

/** numeric's binary form: ndigits, weight, sign, dscale, then base-10000 digits. */
function numericText(b: Buffer): string | undefined {
  if (b.length < 8) return undefined;
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (ndigits < 0 || b.length !== 8 + 2 * ndigits || dscale < 0) return undefined;
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  if (sign !== 0 && sign !== 0x4000) return undefined;
  const digits: number[] = [];
  for (let i = 0; i < ndigits; i++) {
    const d = b.readInt16BE(8 + 2 * i);
    if (d < 0 || d > 9999) return undefined;
    digits.push(d);
  }
  let intPart = '';
  for (let w = 0; w <= weight; w++) intPart += w === 0 ? String(digits[w] ?? 0) : pad(digits[w] ?? 0, 4);
  if (intPart === '') intPart = '0';
  let fracPart = '';
  for (let w = weight + 1; fracPart.length < dscale; w++) fracPart += w < 0 ? '0000' : pad(digits[w] ?? 0, 4);
  fracPart = fracPart.slice(0, dscale);
  const s = fracPart ? `${intPart}.${fracPart}` : intPart;
  return sign === 0x4000 ? `-${s}` : s;
}

function binaryText(b: Buffer, oid: number): string | undefined | null {
  const fixed = (n: number) => b.length === n;
  switch (oid) {
    case OID.bool:
      return fixed(1) ? (b[0] ? 't' : 'f') : undefined;
    case OID.int2:
      return fixed(2) ? String(b.readInt16BE(0)) : undefined;
    case OID.int4:
      return fixed(4) ? String(b.readInt32BE(0)) : undefined;
    case OID.oid:
      return fixed(4) ? String(b.readUInt32BE(0)) : undefined;
    case OID.int8:
      return fixed(8) ? b.readBigInt64BE(0).toString() : undefined;
    case OID.float4:
      return fixed(4) ? float4Text(b.readFloatBE(0)) : undefined;
    case OID.float8:
      return fixed(8) ? float8Text(b.readDoubleBE(0)) : undefined;
    case OID.uuid: {
      if (!fixed(16)) return undefined;
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case OID.date: {
      if (!fixed(4)) return undefined;
      const d = b.readInt32BE(0);
      return d === 0x7fffffff ? 'infinity' : d === -0x80000000 ? '-infinity' : dateText(d);
    }
    case OID.timestamp:
    case OID.timestamptz:
      return fixed(8) ? timestampText(b.readBigInt64BE(0), oid === OID.timestamptz) : undefined;
    case OID.numeric:
      return numericText(b);
    case OID.bytea:
      return `\\x${b.toString('hex')}`;
    default:
      // a type we do not decode in binary: null marks "unsupported" apart from "malformed"
      return null;
  }
}

/**
 * Decodes Bind's parameters to text. `formats` as in Bind: [] all text, [f] all f, else one per parameter;
 * `types` the statement's parameter OIDs.
 */
export function decodeParams(params: Array<Buffer | null>, formats: number[], types: number[]): Result<ParamValue[], SqlError> {
  if (formats.length > 1 && formats.length !== params.length)
    return err({ code: SQLSTATE.protocolViolation, message: `bind message has ${formats.length} parameter formats but ${params.length} parameters` });
  const out: ParamValue[] = [];
  for (let i = 0; i < params.length; i++) {
    const v = params[i]!;
    const format = formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : formats[i]!;
    if (format !== 0 && format !== 1) return err({ code: SQLSTATE.invalidParameterValue, message: `unsupported format code: ${format}` });
    if (v === null) {
      out.push(null);
      continue;
    }
    const oid = types[i] ?? 0;
    if (format === 0 || TEXTLIKE.has(oid) || oid === OID.jsonb) {
      // jsonb's binary form is a version byte (1) and the JSON text
      const body = format === 1 && oid === OID.jsonb ? (v[0] === 1 ? v.subarray(1) : undefined) : v;
      if (body === undefined) return err(badBinary(i));
      const t = text(body);
      if (!t.ok) return t;
      out.push(t.value);
      continue;
    }
    const t = binaryText(v, oid);
    if (t === null) return err({ code: SQLSTATE.featureNotSupported, message: `binary format for parameter ${i + 1} of type oid ${oid} is not supported` });
    if (t === undefined) return err(badBinary(i));
    out.push(t);
  }
  return ok(out);
}
