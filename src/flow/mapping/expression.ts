import { randomUUID } from 'node:crypto';
import { ok, err, type Result } from '../../shared/result.js';

/** Data Prep expression AST: literals, source paths and function calls. */
export type Expr =
  | { kind: 'lit'; value: string | number | boolean | null }
  | { kind: 'path'; path: Array<string | number> }
  | { kind: 'call'; fn: string; args: Expr[]; pos: number };

export const FUNCTIONS = ['lower', 'upper', 'trim', 'concat', 'to_date', 'date', 'to_integer', 'to_float', 'iif', 'nvl', 'uuid', 'now', 'substr', 'split', 'replacestr', 'is_empty', 'size_of'] as const;

/** Parses `lower(trim(first))`, `concat(a, " ", b)`, `items[0].sku`, `"text"`, `42`; errors name the position. */
export function parseExpression(src: string): Result<Expr, string> {
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const fail = (msg: string): Result<never, string> => err(`${msg} at position ${i} in "${src}"`);
  const parse = (): Result<Expr, string> => {
    ws();
    const c = src[i];
    if (c === undefined) return fail('unexpected end of expression');
    if (c === '"' || c === "'") {
      const q = c;
      let s = '';
      i++;
      while (i < src.length && src[i] !== q) {
        if (src[i] === '\\' && i + 1 < src.length) i++;
        s += src[i++];
      }
      if (src[i] !== q) return fail('unterminated string');
      i++;
      return ok({ kind: 'lit', value: s });
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      i += num[0].length;
      return ok({ kind: 'lit', value: Number(num[0]) });
    }
    const id = /^[A-Za-z_$][\w$-]*/.exec(src.slice(i));
    if (!id) return fail(`unexpected "${c}"`);
    const start = i;
    i += id[0].length;
    ws();
    if (src[i] === '(') {
      const fn = id[0].toLowerCase();
      if (!(FUNCTIONS as readonly string[]).includes(fn)) return err(`unknown function "${id[0]}" at position ${start} in "${src}" (supported: ${FUNCTIONS.join(', ')})`);
      i++;
      const args: Expr[] = [];
      ws();
      if (src[i] === ')') i++;
      else
        for (;;) {
          const a = parse();
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
          return fail('expected "," or ")"');
        }
      return ok({ kind: 'call', fn, args, pos: start });
    }
    if (id[0] === 'true' || id[0] === 'false') return ok({ kind: 'lit', value: id[0] === 'true' });
    if (id[0] === 'null') return ok({ kind: 'lit', value: null });
    const path: Array<string | number> = [id[0]];
    for (;;) {
      if (src[i] === '.') {
        i++;
        const seg = /^[A-Za-z_$][\w$-]*/.exec(src.slice(i));
        if (!seg) return fail('expected a field name after "."');
        path.push(seg[0]);
        i += seg[0].length;
      } else if (src[i] === '[') {
        const m = /^\[(\d+)\]/.exec(src.slice(i));
        if (!m) return fail('expected [index]');
        path.push(Number(m[1]));
        i += m[0].length;
      } else break;
    }
    return ok({ kind: 'path', path });
  };
  const r = parse();
  if (!r.ok) return r;
  ws();
  if (i < src.length) return fail(`unexpected "${src[i]}"`);
  return r;
}

export function getPath(data: unknown, path: Array<string | number>): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || cur === undefined) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Parses a date with an optional Java-style pattern (yyyy, MM, dd, HH, mm, ss); returns ISO-8601 UTC. */
export function toIsoDate(value: unknown, pattern?: string): string | undefined {
  if (typeof value === 'number') return new Date(value).toISOString();
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (!pattern) {
    const t = Date.parse(value);
    return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
  }
  const tokens: Array<[string, number]> = [];
  const re = /yyyy|MM|dd|HH|mm|ss/g;
  let regex = '';
  let last = 0;
  for (let m = re.exec(pattern); m; m = re.exec(pattern)) {
    regex += pattern.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    regex += m[0] === 'yyyy' ? '(\\d{4})' : '(\\d{1,2})';
    tokens.push([m[0], tokens.length + 1]);
    last = m.index + m[0].length;
  }
  regex += pattern.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${regex}$`).exec(value.trim());
  if (!m) return undefined;
  const part = (t: string) => Number(m[tokens.find((x) => x[0] === t)?.[1] ?? -1] ?? 0);
  const y = part('yyyy');
  const mo = part('MM') || 1;
  const d = part('dd') || 1;
  const iso = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(part('HH'))}:${pad(part('mm'))}:${pad(part('ss'))}.000Z`;
  return Number.isFinite(Date.parse(iso)) ? iso : undefined;
}

/** Evaluates an expression against the raw record. */
export function evaluate(e: Expr, data: unknown, now: () => number): Result<unknown, string> {
  if (e.kind === 'lit') return ok(e.value);
  if (e.kind === 'path') return ok(getPath(data, e.path));
  const args: unknown[] = [];
  for (const a of e.args) {
    const v = evaluate(a, data, now);
    if (!v.ok) return v;
    args.push(v.value);
  }
  const s = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  switch (e.fn) {
    case 'lower':
      return ok(s(args[0])?.toLowerCase());
    case 'upper':
      return ok(s(args[0])?.toUpperCase());
    case 'trim':
      return ok(s(args[0])?.trim());
    case 'concat':
      return ok(args.map((a) => s(a) ?? '').join(''));
    case 'to_date':
    case 'date': {
      if (args[0] === undefined || args[0] === null) return ok(undefined);
      const d = toIsoDate(args[0], typeof args[1] === 'string' ? args[1] : undefined);
      return d ? ok(d) : err(`${e.fn}: cannot parse "${String(args[0])}"${args[1] ? ` with format "${String(args[1])}"` : ''}`);
    }
    case 'to_integer': {
      if (args[0] === undefined || args[0] === null || args[0] === '') return ok(undefined);
      const n = Number(args[0]);
      return Number.isFinite(n) ? ok(Math.trunc(n)) : err(`to_integer: "${String(args[0])}" is not a number`);
    }
    case 'to_float': {
      if (args[0] === undefined || args[0] === null || args[0] === '') return ok(undefined);
      const n = Number(args[0]);
      return Number.isFinite(n) ? ok(n) : err(`to_float: "${String(args[0])}" is not a number`);
    }
    case 'iif':
      return ok(args[0] ? args[1] : args[2]);
    case 'nvl':
      return ok(args.find((a) => a !== undefined && a !== null && a !== ''));
    case 'uuid':
      return ok(randomUUID());
    case 'now':
      return ok(new Date(now()).toISOString());
    case 'substr': {
      const str = s(args[0]);
      return ok(str === undefined ? undefined : str.substring(Number(args[1] ?? 0), args[2] === undefined ? undefined : Number(args[2])));
    }
    case 'split':
      return ok(s(args[0])?.split(String(args[1] ?? ',')));
    case 'replacestr':
      return ok(s(args[0])?.split(String(args[1] ?? '')).join(String(args[2] ?? '')));
    case 'is_empty':
      return ok(args[0] === undefined || args[0] === null || args[0] === '' || (Array.isArray(args[0]) && args[0].length === 0));
    case 'size_of':
      return ok(Array.isArray(args[0]) || typeof args[0] === 'string' ? (args[0] as string | unknown[]).length : 0);
  }
  return err(`unknown function ${e.fn}`);
}
