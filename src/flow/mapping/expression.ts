import { randomUUID } from 'node:crypto';
import { ok, err, type Result } from '../../shared/result.js';
import { compileDatePattern, toIsoDate } from './date-format.js';

export { toIsoDate };

/** Data Prep expression AST: literals, source paths, function calls and comparisons. */
export type Expr =
  | { kind: 'lit'; value: string | number | boolean | null }
  | { kind: 'path'; path: Array<string | number> }
  | { kind: 'call'; fn: string; args: Expr[]; pos: number }
  | { kind: 'cmp'; op: CmpOp; left: Expr; right: Expr; pos: number };

export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** Supported functions with their arity [min, max] (max Infinity = variadic). */
export const ARITY: Record<string, readonly [number, number]> = {
  lower: [1, 1],
  upper: [1, 1],
  trim: [1, 1],
  concat: [1, Infinity],
  to_date: [1, 2],
  date: [1, 2],
  to_integer: [1, 1],
  to_float: [1, 1],
  iif: [3, 3],
  nvl: [2, Infinity],
  uuid: [0, 0],
  now: [0, 0],
  substr: [2, 3],
  split: [2, 2],
  replacestr: [3, 3],
  is_empty: [1, 1],
  size_of: [1, 1],
};

export const FUNCTIONS = Object.keys(ARITY) as readonly string[];

const MAX_DEPTH = 64;
const MAX_INDEX = 10_000;
const IDENT = /^[A-Za-z_$][\w$-]*/;

/**
 * Parses a Data Prep expression: `lower(trim(first))`, `concat(a, " ", b)`, `items[0].sku`, `${First Name}`,
 * `"text"`, `42`, `true`, `null`, `iif(country == "FR", "EU", "other")`. Errors name the (0-based) position.
 */
export function parseExpression(src: string): Result<Expr, string> {
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const fail = (msg: string, at = i): Result<never, string> => err(`${msg} at position ${at} in "${src}"`);

  const parsePathRest = (path: Array<string | number>): Result<Expr, string> => {
    for (;;) {
      if (src[i] === '.') {
        i++;
        if (src.startsWith('${', i)) {
          const seg = braced();
          if (typeof seg !== 'string') return seg;
          path.push(seg);
          continue;
        }
        const seg = IDENT.exec(src.slice(i))?.[0];
        if (seg === undefined) return fail('expected a field name after "."');
        i += seg.length;
        path.push(seg);
      } else if (src[i] === '[') {
        const m = /^\[(\d+)\]/.exec(src.slice(i));
        if (!m) return fail('expected [index]');
        const n = Number(m[1]);
        if (n > MAX_INDEX) return fail(`array index ${n} is larger than ${MAX_INDEX}`);
        path.push(n);
        i += m[0].length;
      } else return ok({ kind: 'path', path });
    }
  };

  /** `${any field name}`; advances past it. Returns the name, or an error result. */
  const braced = (): string | Result<never, string> => {
    const start = i;
    const end = src.indexOf('}', i + 2);
    if (end < 0) return fail('unterminated ${...}', start);
    const name = src.slice(i + 2, end);
    if (name === '') return fail('empty ${}', start);
    i = end + 1;
    return name;
  };

  const primary = (depth: number): Result<Expr, string> => {
    if (depth > MAX_DEPTH) return fail(`expression nested deeper than ${MAX_DEPTH}`);
    ws();
    const c = src[i];
    if (c === undefined) return fail('unexpected end of expression');
    if (c === '"' || c === "'") {
      const start = i;
      let s = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < src.length) {
          i++;
          const e = src[i]!;
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i++;
          continue;
        }
        s += src[i++];
      }
      if (src[i] !== c) return fail('unterminated string', start);
      i++;
      return ok({ kind: 'lit', value: s });
    }
    if (c === '(') {
      i++;
      const inner = expression(depth + 1);
      if (!inner.ok) return inner;
      ws();
      if (src[i] !== ')') return fail('expected ")"');
      i++;
      return inner;
    }
    const num = /^-?\d+(\.\d+)?(?![\w$])/.exec(src.slice(i));
    if (num) {
      i += num[0].length;
      return ok({ kind: 'lit', value: Number(num[0]) });
    }
    if (src.startsWith('${', i)) {
      const name = braced();
      if (typeof name !== 'string') return name;
      return parsePathRest([name]);
    }
    const id = IDENT.exec(src.slice(i));
    if (!id) return fail(`unexpected "${c}"`);
    const start = i;
    i += id[0].length;
    const afterName = i;
    ws();
    if (src[i] === '(') {
      const fn = id[0].toLowerCase();
      const arity = ARITY[fn];
      if (!arity || !Object.hasOwn(ARITY, fn)) return err(`unknown function "${id[0]}" at position ${start} in "${src}" (supported: ${FUNCTIONS.join(', ')})`);
      i++;
      const args: Expr[] = [];
      ws();
      if (src[i] === ')') i++;
      else
        for (;;) {
          const a = expression(depth + 1);
          if (!a.ok) return a;
          args.push(a.value);
          ws();
          if (src[i] === ',') {
            i++;
            continue;
          }
          if (src[i] === ')') {
            i++;
            break;
          }
          return fail(src[i] === undefined ? `missing ")" to close ${fn}(` : 'expected "," or ")"');
        }
      const [min, max] = arity;
      if (args.length < min || args.length > max) {
        const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
        return fail(`${fn}() takes ${want} argument${want === '1' ? '' : 's'}, got ${args.length}`, start);
      }
      if ((fn === 'to_date' || fn === 'date') && args[1]?.kind === 'lit' && typeof args[1].value === 'string') {
        const p = compileDatePattern(args[1].value);
        if (typeof p === 'string') return fail(p, start);
      }
      return ok({ kind: 'call', fn, args, pos: start });
    }
    i = afterName;
    if (id[0] === 'true' || id[0] === 'false') return ok({ kind: 'lit', value: id[0] === 'true' });
    if (id[0] === 'null') return ok({ kind: 'lit', value: null });
    return parsePathRest([id[0]]);
  };

  const expression = (depth: number): Result<Expr, string> => {
    const left = primary(depth);
    if (!left.ok) return left;
    ws();
    const op = /^(==|!=|<=|>=|<|>)/.exec(src.slice(i))?.[1] as CmpOp | undefined;
    if (!op) return left;
    const pos = i;
    i += op.length;
    const right = primary(depth);
    if (!right.ok) return right;
    return ok({ kind: 'cmp', op, left: left.value, right: right.value, pos });
  };

  const r = expression(0);
  if (!r.ok) return r;
  ws();
  if (i < src.length) return fail(`unexpected "${src[i]}"`);
  return r;
}

/** Reads a path from the raw record (own properties only: `constructor` or `__proto__` read nothing). */
export function getPath(data: unknown, path: Array<string | number>): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

const absent = (v: unknown) => v === undefined || v === null;
const str = (v: unknown) => (absent(v) ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Condition truthiness for iif: booleans as is, "true"/"false" strings, non-zero numbers, non-empty values. */
function truthy(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v !== '' && v.toLowerCase() !== 'false';
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  return !absent(v);
}

function compare(op: CmpOp, a: unknown, b: unknown): boolean | undefined {
  if (op === '==' || op === '!=') {
    const eq = absent(a) && absent(b) ? true : typeof a === 'number' || typeof b === 'number' ? Number(a) === Number(b) : str(a) === str(b);
    return op === '==' ? eq : !eq;
  }
  if (absent(a) || absent(b)) return undefined;
  const numeric = typeof a === 'number' || typeof b === 'number';
  const x = numeric ? Number(a) : String(a);
  const y = numeric ? Number(b) : String(b);
  if (numeric && (Number.isNaN(x) || Number.isNaN(y))) return undefined;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

/** Evaluates an expression against the raw record; `now` is the injected clock (epoch ms). */
export function evaluate(e: Expr, data: unknown, now: () => number): Result<unknown, string> {
  if (e.kind === 'lit') return ok(e.value);
  if (e.kind === 'path') return ok(getPath(data, e.path));
  if (e.kind === 'cmp') {
    const a = evaluate(e.left, data, now);
    if (!a.ok) return a;
    const b = evaluate(e.right, data, now);
    if (!b.ok) return b;
    return ok(compare(e.op, a.value, b.value));
  }
  // Lazy functions: only the branch taken is evaluated (a failing conversion in the other branch is no error).
  if (e.fn === 'iif') {
    const c = evaluate(e.args[0]!, data, now);
    if (!c.ok) return c;
    return evaluate(truthy(c.value) ? e.args[1]! : e.args[2]!, data, now);
  }
  if (e.fn === 'nvl') {
    for (const a of e.args) {
      const v = evaluate(a, data, now);
      if (!v.ok) return v;
      if (!absent(v.value) && v.value !== '') return v;
    }
    return ok(undefined);
  }
  const args: unknown[] = [];
  for (const a of e.args) {
    const v = evaluate(a, data, now);
    if (!v.ok) return v;
    args.push(v.value);
  }
  const at = ` (${e.fn} at position ${e.pos})`;
  switch (e.fn) {
    case 'lower':
      return ok(str(args[0])?.toLowerCase());
    case 'upper':
      return ok(str(args[0])?.toUpperCase());
    case 'trim':
      return ok(str(args[0])?.trim());
    case 'concat':
      return ok(args.map((a) => str(a) ?? '').join(''));
    case 'to_date':
    case 'date': {
      if (absent(args[0]) || args[0] === '') return ok(undefined);
      if (args[1] !== undefined && typeof args[1] !== 'string') return err(`the date format must be a string${at}`);
      const d = toIsoDate(args[0], args[1]);
      return d ? ok(d) : err(`cannot parse "${str(args[0])}" as a date${args[1] ? ` with format "${args[1]}"` : ''}${at}`);
    }
    case 'to_integer':
    case 'to_float': {
      if (absent(args[0]) || args[0] === '') return ok(undefined);
      if (typeof args[0] === 'boolean') return ok(args[0] ? 1 : 0);
      const n = typeof args[0] === 'number' ? args[0] : typeof args[0] === 'string' && args[0].trim() !== '' ? Number(args[0].trim()) : NaN;
      if (!Number.isFinite(n)) return err(`"${str(args[0])}" is not a number${at}`);
      return ok(e.fn === 'to_integer' ? Math.trunc(n) : n);
    }
    case 'uuid':
      return ok(randomUUID());
    case 'now':
      return ok(new Date(now()).toISOString());
    case 'substr': {
      const s = str(args[0]);
      const from = Number(args[1]);
      const to = args[2] === undefined ? undefined : Number(args[2]);
      if (!Number.isInteger(from) || (to !== undefined && !Number.isInteger(to))) return err(`positions must be integers${at}`);
      return ok(s?.substring(from, to));
    }
    case 'split':
      return ok(str(args[0])?.split(str(args[1]) ?? ','));
    case 'replacestr':
      return ok(str(args[0])?.split(str(args[1]) ?? '').join(str(args[2]) ?? ''));
    case 'is_empty':
      return ok(absent(args[0]) || args[0] === '' || (Array.isArray(args[0]) && args[0].length === 0) || (typeof args[0] === 'object' && Object.keys(args[0] as object).length === 0));
    case 'size_of':
      return ok(Array.isArray(args[0]) || typeof args[0] === 'string' ? (args[0] as string | unknown[]).length : absent(args[0]) ? 0 : typeof args[0] === 'object' ? Object.keys(args[0] as object).length : 0);
  }
  return err(`unknown function ${e.fn}${at}`);
}
