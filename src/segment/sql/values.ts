/**
 * Value expressions -> typed SQL. A compiled value knows its static kind: `json` (a value read from a path, of any
 * JSON type, SQL NULL when missing), `num` (DOUBLE), `str`, `bool`, `dt` (epoch ms), `null`, or `dur` (a fixed
 * duration, only valid beside + / - with a datetime). Type-strict comparisons read a JSON value through `asNum`,
 * `asStr`, `asBool`, which are NULL unless the JSON type matches (so "3" never equals 3).
 */
import { UNIT_MS, type ValueExpr } from '../pql/ast.js';
import type { QueryContext, Scope } from './context.js';
import { CompileError, sqlNumber, sqlString } from './literals.js';

export type Kind = 'json' | 'num' | 'str' | 'bool' | 'dt' | 'null' | 'dur';
export interface V {
  k: Kind;
  sql: string;
  /** for `dur`: the fixed length in ms */
  ms?: number;
}

/** The datetime range of the evaluator (that of JS `Date`): outside it a datetime is null. */
const MAX_MS = '8.64e15';
const NULL_NUM: V = { k: 'num', sql: 'CAST(NULL AS DOUBLE)' };

/** The aggregate hook: compiled by aggregates.ts, injected to keep the modules acyclic. */
export type AggregateCompiler = (x: Extract<ValueExpr, { kind: 'aggregate' }>, scope: Scope, ctx: QueryContext) => V;
let aggregateCompiler: AggregateCompiler | undefined;
export function setAggregateCompiler(f: AggregateCompiler): void {
  aggregateCompiler = f;
}

let lambdas = 0;
/** Binds `sql` once (a one-element list and a lambda), so `body` may use it many times without re-evaluating it. */
export function bind(sql: string, body: (v: string) => string): string {
  const v = `_b${lambdas++ % 1_000_000}`;
  return `list_transform([${sql}], lambda ${v}: ${body(v)})[1]`;
}

export function compileValue(x: ValueExpr, scope: Scope, ctx: QueryContext): V {
  switch (x.kind) {
    case 'literal':
      if (x.value === null) return { k: 'null', sql: 'NULL' };
      if (typeof x.value === 'string') return { k: 'str', sql: sqlString(x.value) };
      if (typeof x.value === 'number') return Number.isFinite(x.value) ? { k: 'num', sql: sqlNumber(x.value) } : { k: 'null', sql: 'NULL' };
      if (typeof x.value === 'boolean') return { k: 'bool', sql: x.value ? 'true' : 'false' };
      throw new CompileError(`unsupported literal ${JSON.stringify(x.value)}`);
    case 'datetime':
      return dtConst(x.ms);
    case 'now':
      return dtConst(ctx.now);
    case 'today':
      return dtConst(ctx.today);
    case 'duration': {
      const ms = typeof x.amount === 'number' && Object.hasOwn(UNIT_MS, x.unit) ? x.amount * UNIT_MS[x.unit] : NaN;
      // An invalid duration is no value at all (the evaluator's arithmetic gives null).
      return Number.isFinite(ms) ? { k: 'dur', sql: sqlNumber(ms), ms } : { k: 'null', sql: 'NULL' };
    }
    case 'path':
      if (!Array.isArray(x.path) || !x.path.every((p) => typeof p === 'string')) throw new CompileError('invalid path');
      if (x.root === 'profile') return { k: 'json', sql: ctx.profilePath(x.path, scope) };
      if (x.root === 'event') {
        // Outside an event scope there is no event: the evaluator reads null.
        if (scope.kind !== 'event') return { k: 'null', sql: 'NULL' };
        if (x.path.length === 1 && x.path[0] === 'timestamp') return { k: 'dt', sql: validDt(`${scope.alias}.ts`) };
        return { k: 'json', sql: ctx.eventPath(x.path, scope.alias) };
      }
      throw new CompileError(`unknown path root ${String(x.root)}`);
    case 'arith':
      return arith(x.op, compileValue(x.left, scope, ctx), compileValue(x.right, scope, ctx));
    case 'fn':
      return fn(x.fn, compileValue(x.arg, scope, ctx));
    case 'aggregate':
      if (!aggregateCompiler) throw new CompileError('aggregates not available');
      return aggregateCompiler(x, scope, ctx);
    default:
      throw new CompileError(`unsupported value kind ${(x as { kind: string }).kind}`);
  }
}

function dtConst(ms: number): V {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? { k: 'dt', sql: sqlNumber(ms) } : { k: 'null', sql: 'NULL' };
}

/** An epoch-ms expression limited to the datetime range (else NULL), as DOUBLE. */
function validDt(sql: string): string {
  // A column reference or a constant is cheap to repeat; anything else is bound once.
  if (/^[A-Za-z_][A-Za-z0-9_.]*$|^CAST\([-0-9.e+]+ AS DOUBLE\)$/.test(sql)) return `(CASE WHEN abs(${sql}) <= ${MAX_MS} THEN CAST(${sql} AS DOUBLE) END)`;
  return bind(`CAST(${sql} AS DOUBLE)`, (v) => `CASE WHEN abs(${v}) <= ${MAX_MS} THEN ${v} END`);
}

/*
 * JSON values are read from their text, without parsing them again: DuckDB's json_extract writes every value back in
 * normal form (no whitespace, strings with only `"`, `\` and control characters escaped, `\u0041` written as `A`),
 * so the first character tells the JSON type: `"` string, `-`/digit number, `t`/`f` boolean, `n` null, `{`, `[`.
 */
const text = (json: string): string => `CAST(${json} AS VARCHAR)`;
const isNumText = (t: string): string => `(ascii(${t}) BETWEEN 48 AND 57 OR ascii(${t}) = 45)`;

/** A string literal that json_extract would write unescaped: `x = '"lit"'` on the JSON text is string equality. */
export function jsonTextOfString(s: string): string | undefined {
  return /["\\\u0000-\u001f]/.test(s) ? undefined : `"${s}"`;
}

/** DOUBLE or NULL: finite numbers only (the evaluator reads non-finite numbers as null). */
export function asNum(v: V): string {
  switch (v.k) {
    case 'num':
      return v.sql;
    case 'json': {
      const t = text(v.sql);
      return `(CASE WHEN ${isNumText(t)} AND isfinite(TRY_CAST(${t} AS DOUBLE)) THEN TRY_CAST(${t} AS DOUBLE) END)`;
    }
    default:
      return 'CAST(NULL AS DOUBLE)';
  }
}

export function asStr(v: V): string {
  switch (v.k) {
    case 'str':
      return v.sql;
    case 'json':
      return `(CASE WHEN ascii(${text(v.sql)}) = 34 THEN json_extract_string(${v.sql}, '$') END)`;
    default:
      return 'CAST(NULL AS VARCHAR)';
  }
}

export function asBool(v: V): string {
  switch (v.k) {
    case 'bool':
      return v.sql;
    case 'json':
      return `(CASE ${text(v.sql)} WHEN 'true' THEN true WHEN 'false' THEN false END)`;
    default:
      return 'CAST(NULL AS BOOLEAN)';
  }
}

/** Datetime coercion (epoch ms, DOUBLE, NULL outside the range): numbers are epoch ms, strings parsed as ISO-8601. */
export function asDt(v: V): string {
  switch (v.k) {
    case 'dt':
      return v.sql;
    case 'num':
      return validDt(v.sql);
    case 'str':
      return isoToMs(v.sql);
    case 'json':
      return `(CASE WHEN ${isNumText(text(v.sql))} THEN ${validDt(`TRY_CAST(${text(v.sql)} AS DOUBLE)`)} WHEN ascii(${text(v.sql)}) = 34 THEN ${isoToMs(`json_extract_string(${v.sql}, '$')`)} END)`;
    default:
      return 'CAST(NULL AS DOUBLE)';
  }
}

/** SQL boolean (never NULL): the value is null or missing (a non-finite JSON number reads as null too). */
export function isNullSql(v: V): string {
  switch (v.k) {
    case 'null':
      return 'true';
    case 'dur':
      return 'true'; // a duration outside datetime arithmetic is null
    case 'json':
      return `(${v.sql} IS NULL OR ${text(v.sql)} = 'null' OR (${isNumText(text(v.sql))} AND NOT isfinite(TRY_CAST(${text(v.sql)} AS DOUBLE))))`;
    default:
      return `(${v.sql} IS NULL)`;
  }
}

const ISO_RE = `'^(\\d{4})-(\\d{2})-(\\d{2})(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d+))?)?(Z|([+-])(\\d{2}):(\\d{2}))?)?$'`;
const ISO_NAMES = `['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'z', 'zs', 'zh', 'zm']`;

/**
 * ISO-8601 text -> epoch ms (DOUBLE), NULL when unparseable, exactly like the evaluator's `parseIsoDatetime`:
 * `YYYY-MM-DD`, optionally `T` or a space, `HH:MM`, optional `:SS`, optional `.fraction` (truncated to ms), optional
 * `Z` or `±HH:MM` (none = UTC); fields range-checked (day within the month, no 24:00, no leap second); at most 64
 * characters. Days from the civil date use Hinnant's algorithm (years shifted by 400 to stay positive).
 */
export function isoToMs(s: string): string {
  const fields = 'STRUCT(y BIGINT, mo BIGINT, d BIGINT, h BIGINT, mi BIGINT, s BIGINT, f VARCHAR, z VARCHAR, zs VARCHAR, zh BIGINT, zm BIGINT)';
  return bind(`CASE WHEN length(${s}) <= 64 THEN try_cast(regexp_extract(${s}, ${ISO_RE}, ${ISO_NAMES}) AS ${fields}) END`, (r) => {
    const [y, mo, d] = [`${r}.y`, `${r}.mo`, `${r}.d`];
    const [h, mi, sec, zh, zm] = ['h', 'mi', 's', 'zh', 'zm'].map((f) => `coalesce(${r}.${f}, 0)`) as [string, string, string, string, string];
    const leap = `((${y} % 4 = 0 AND ${y} % 100 <> 0) OR ${y} % 400 = 0)`;
    const dim = `(CASE WHEN ${mo} = 2 THEN (CASE WHEN ${leap} THEN 29 ELSE 28 END) WHEN ${mo} IN (4, 6, 9, 11) THEN 30 ELSE 31 END)`;
    const valid = `${y} IS NOT NULL AND ${mo} BETWEEN 1 AND 12 AND ${d} BETWEEN 1 AND ${dim} AND ${h} <= 23 AND ${mi} <= 59 AND ${sec} <= 59 AND ${zh} <= 23 AND ${zm} <= 59`;
    const days = bind(`${y} + 400 - (CASE WHEN ${mo} <= 2 THEN 1 ELSE 0 END)`, (yy) => {
      const doy = `((153 * (${mo} + (CASE WHEN ${mo} > 2 THEN -3 ELSE 9 END)) + 2) // 5 + ${d} - 1)`;
      const doe = bind(`${yy} % 400`, (yoe) => `${yoe} * 365 + ${yoe} // 4 - ${yoe} // 100 + ${doy}`);
      return `(${yy} // 400) * 146097 + ${doe} - 719468 - 146097`;
    });
    const frac = `coalesce(CAST(substr(${r}.f || '00', 1, 3) AS BIGINT), 0)`;
    const off = `(CASE WHEN ${r}.zs = '-' THEN -1 ELSE 1 END) * (${zh} * 60 + ${zm}) * 60000`;
    const ms = `${days} * 86400000 + ${h} * 3600000 + ${mi} * 60000 + ${sec} * 1000 + ${frac} - ${off}`;
    return `CASE WHEN ${valid} THEN ${bind(`CAST(${ms} AS DOUBLE)`, (m) => `CASE WHEN abs(${m}) <= ${MAX_MS} THEN ${m} END`)} END`;
  });
}

/**
 * Arithmetic, as in the evaluator: datetime-ish ± duration and duration + datetime-ish -> datetime (the other side
 * coerced like in a comparison, result range-checked); number op number -> number (÷0, %0 and non-finite -> null);
 * anything else (strings, datetimes without a duration, durations with each other) -> null.
 */
function arith(op: string, a: V, b: V): V {
  if (!['+', '-', '*', '/', '%'].includes(op)) throw new CompileError(`unknown operator ${op}`);
  if (b.k === 'dur' && a.k !== 'dur' && (op === '+' || op === '-')) return { k: 'dt', sql: validDt(`${asDt(a)} ${op} ${b.sql}`) };
  if (a.k === 'dur' && b.k !== 'dur' && op === '+') return { k: 'dt', sql: validDt(`${asDt(b)} + ${a.sql}`) };
  if (a.k === 'dur' || b.k === 'dur') return NULL_NUM;
  if (a.k === 'dt' || b.k === 'dt') return NULL_NUM;
  const x = asNum(a);
  const y = asNum(b);
  if (x.startsWith('CAST(NULL') || y.startsWith('CAST(NULL')) return NULL_NUM;
  const raw = op === '/' || op === '%' ? `(CASE WHEN ${y} <> 0 THEN ${x} ${op} ${y} END)` : `(${x} ${op} ${y})`;
  return { k: 'num', sql: bind(raw, (r) => `CASE WHEN isfinite(${r}) THEN ${r} END`) };
}

/** lower/upper (Unicode case mapping), trim (U+0020 spaces only, like DuckDB `trim`), length (code points). */
function fn(f: string, a: V): V {
  const s = asStr(a);
  switch (f) {
    case 'lower':
      return { k: 'str', sql: `lower(${s})` };
    case 'upper':
      return { k: 'str', sql: `upper(${s})` };
    case 'trim':
      return { k: 'str', sql: `trim(${s})` };
    case 'length':
      return { k: 'num', sql: `CAST(length(${s}) AS DOUBLE)` };
    default:
      throw new CompileError(`unknown function ${f}`);
  }
}
