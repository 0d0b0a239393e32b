/**
 * Runtime values of the reference evaluator and the scalar operations on them (comparison, arithmetic, string
 * functions and tests, datetime coercion). The rules beyond `../pql/ast.ts` are listed in `./README.md`; the SQL
 * compiler mirrors them. Nothing here throws on any input.
 */
import { UNIT_MS, type ArithOp, type CompareOp, type StringTest, type TimeUnit } from '../pql/ast.js';

/** A datetime value (epoch ms, UTC). Tagged so comparisons know to coerce the other side. */
export class DateTime {
  constructor(readonly ms: number) {}
}

/** A JSON value read from data, or a datetime. Missing = null. */
export type Value = string | number | boolean | null | DateTime | unknown[] | { [k: string]: unknown };

export const DAY_MS = 86_400_000;
/** The datetime range (that of JS `Date`, inside DuckDB's): anything outside, or non-finite, is null. */
export const MAX_DATETIME_MS = 8.64e15;

export function validMs(ms: number): number | null {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= MAX_DATETIME_MS ? ms : null;
}

export function dateTimeOf(ms: number): DateTime | null {
  const v = validMs(ms);
  return v === null ? null : new DateTime(v);
}

/** 00:00 UTC of the day of `ms`. */
export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** A duration in ms (NaN for an unknown unit or a non-number amount). */
export function durationMs(amount: unknown, unit: TimeUnit): number {
  if (typeof amount !== 'number' || typeof unit !== 'string' || !Object.hasOwn(UNIT_MS, unit)) return NaN;
  return amount * UNIT_MS[unit];
}

/** Normalises a value read from data: undefined/NaN/±Infinity/bigint/functions/symbols become null. */
export function normalize(v: unknown): Value {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'object':
      if (v === null) return null;
      if (v instanceof DateTime) return v;
      return Array.isArray(v) ? v : (v as { [k: string]: unknown });
    default:
      return null;
  }
}

/** Walks `path` through objects (own properties only; arrays are not traversed). Missing = null. */
export function readPath(root: unknown, path: readonly string[]): Value {
  if (!Array.isArray(path)) return null;
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || cur instanceof DateTime) return null;
    if (typeof seg !== 'string' || !Object.hasOwn(cur, seg)) return null;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return normalize(cur);
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

function daysFromCivil(y: number, m: number, d: number): number {
  // Howard Hinnant's days_from_civil (proleptic Gregorian), no Date quirks for years < 100.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/**
 * Strict ISO-8601 subset: `YYYY-MM-DD`, optionally followed by `T` or a space, `HH:MM`, optional `:SS`, optional
 * `.fraction` (digits after the third are ignored: truncated to the ms), optional `Z` or `±HH:MM`; no offset = UTC.
 * Fields are range-checked (no 24:00, no leap seconds). Anything else is null.
 */
export function parseIsoDatetime(s: string): number | null {
  if (typeof s !== 'string' || s.length > 64) return null;
  const m = ISO_RE.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, sec] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) return null;
  const frac = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
  let offset = 0;
  if (m[8] && m[8] !== 'Z') {
    const oh = Number(m[8].slice(1, 3));
    const om = Number(m[8].slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offset = (m[8][0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return validMs(daysFromCivil(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + sec * 1000 + frac - offset);
}

/** Datetime coercion: datetimes as is, numbers are epoch ms, strings ISO-8601; anything else (and out of range) null. */
export function toDateTimeMs(v: Value): number | null {
  if (v instanceof DateTime) return validMs(v.ms);
  if (typeof v === 'number') return validMs(v);
  if (typeof v === 'string') return parseIsoDatetime(v);
  return null;
}

type Kind = 'string' | 'number' | 'boolean' | 'other';
const kindOf = (v: Value): Kind => (typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'other');

function ordered(op: CompareOp, a: number | string, b: number | string): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return false;
  }
}

/** A comparison (two-valued: false whenever a side is null, also for `!=`). */
export function compareValues(op: CompareOp, l: Value, r: Value): boolean {
  if (l === null || r === null || l === undefined || r === undefined) return false;
  if (l instanceof DateTime || r instanceof DateTime) {
    const a = toDateTimeMs(l);
    const b = toDateTimeMs(r);
    return a !== null && b !== null && ordered(op, a, b);
  }
  const kl = kindOf(l);
  const kr = kindOf(r);
  // Mixed types, arrays and objects: never equal, always unequal (both sides are non-null here).
  if (kl !== kr || kl === 'other') return op === '!=';
  if (kl === 'boolean') return op === '=' ? l === r : op === '!=' ? l !== r : false;
  return ordered(op, l as number | string, r as number | string);
}

/** `x in [..]` (negate: notIn). Both are false when x is null; items compare with `=`. */
export function inList(v: Value, items: Value[], negate: boolean): boolean {
  if (v === null) return false;
  const found = items.some((it) => compareValues('=', v, it));
  return negate ? !found : found;
}

/**
 * Arithmetic. `lDur`/`rDur` are the operand's duration in ms when that operand is a duration node (else null).
 * datetime-ish ± duration and duration + datetime-ish → datetime (the non-duration side is coerced like in a
 * comparison); number op number → number (÷0, %0, non-finite → null); everything else → null.
 */
export function arith(op: ArithOp, l: Value, r: Value, lDur: number | null, rDur: number | null): Value {
  if (rDur !== null && lDur === null && (op === '+' || op === '-')) {
    const base = toDateTimeMs(l);
    return base === null ? null : dateTimeOf(op === '+' ? base + rDur : base - rDur);
  }
  if (lDur !== null && rDur === null && op === '+') {
    const base = toDateTimeMs(r);
    return base === null ? null : dateTimeOf(base + lDur);
  }
  if (lDur !== null || rDur !== null) return null;
  if (typeof l !== 'number' || typeof r !== 'number') return null;
  let out: number;
  switch (op) {
    case '+':
      out = l + r;
      break;
    case '-':
      out = l - r;
      break;
    case '*':
      out = l * r;
      break;
    case '/':
      out = r === 0 ? NaN : l / r;
      break;
    case '%':
      out = r === 0 ? NaN : l % r;
      break;
    default:
      return null;
  }
  return Number.isFinite(out) ? out : null;
}

/** lower/upper (JS toLowerCase/toUpperCase), trim (U+0020 spaces only), length (code points). Non-strings → null. */
export function applyFn(fn: string, v: Value): Value {
  if (typeof v !== 'string') return null;
  switch (fn) {
    case 'lower':
      return v.toLowerCase();
    case 'upper':
      return v.toUpperCase();
    case 'trim':
      return v.replace(/^ +| +$/g, '');
    case 'length': {
      let n = 0;
      for (const _ of v) n++;
      return n;
    }
    default:
      return null;
  }
}

const regexCache = new Map<string, RegExp | null>();
function cached(key: string, build: () => RegExp): RegExp | null {
  let re = regexCache.get(key);
  if (re === undefined) {
    try {
      re = build();
    } catch {
      re = null;
    }
    if (regexCache.size >= 1000) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

/** `like` pattern → anchored RegExp: `%` any run, `_` one code point, `\x` a literal x, a trailing `\` a literal `\`. */
export function likeRegExp(pattern: string): RegExp | null {
  return cached(`L${pattern}`, () => {
    let src = '';
    const cps = [...pattern];
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i];
      if (c === '\\' && i + 1 < cps.length) src += escapeRe(cps[++i]);
      else if (c === '%') src += '.*';
      else if (c === '_') src += '.';
      else src += escapeRe(c);
    }
    return new RegExp(`^${src}$`, 'su');
  });
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `matches`: a JS RegExp (unicode mode), searched (not anchored); a leading `(?i)` = case-insensitive. Invalid → null. */
export function matchesRegExp(pattern: string, caseSensitive: boolean): RegExp | null {
  let src = pattern;
  let flags = caseSensitive ? 'u' : 'iu';
  if (src.startsWith('(?i)')) {
    src = src.slice(4);
    flags = 'iu';
  }
  return cached(`M${flags}${src}`, () => new RegExp(src, flags));
}

/**
 * A string test. Both operands must be strings, else false (negated or not). Case-insensitive = both sides through
 * `lower` (for `matches`: the regex `i` flag).
 */
export function stringTest(test: StringTest, v: Value, arg: Value, caseSensitive: boolean, negate: boolean): boolean {
  if (typeof v !== 'string' || typeof arg !== 'string') return false;
  const ci = caseSensitive === false;
  const a = ci && test !== 'matches' ? v.toLowerCase() : v;
  const b = ci && test !== 'matches' ? arg.toLowerCase() : arg;
  let r: boolean;
  switch (test) {
    case 'startsWith':
      r = a.startsWith(b);
      break;
    case 'endsWith':
      r = a.endsWith(b);
      break;
    case 'contains':
      r = a.includes(b);
      break;
    case 'equals':
      r = a === b;
      break;
    case 'like': {
      const re = likeRegExp(b);
      if (!re) return false;
      r = re.test(a);
      break;
    }
    case 'matches': {
      const re = matchesRegExp(b, !ci);
      if (!re) return false;
      r = re.test(a);
      break;
    }
    default:
      return false;
  }
  return negate ? !r : r;
}
