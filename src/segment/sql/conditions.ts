/**
 * Conditions -> SQL booleans that are never NULL (two-valued logic: every predicate is wrapped in
 * `coalesce(…, false)`, so `and`/`or`/`not` are plain boolean logic, exactly like the JS evaluator).
 */
import type { CompareOp, Condition, TimeWindow, ValueExpr } from '../pql/ast.js';
import { UNIT_MS } from '../pql/ast.js';
import type { QueryContext, Scope } from './context.js';
import { CompileError, sqlNumber, sqlString } from './literals.js';
import { likeToSql, regexToRe2 } from './patterns.js';
import { asBool, asDt, asNum, asStr, compileValue, isNullSql, jsonTextOfString, type V } from './values.js';

/** The chain and event-set hooks, injected by compile.ts (keeps the modules acyclic). */
export interface Hooks {
  exists(events: Extract<Condition, { kind: 'exists' }>['events'], scope: Scope, ctx: QueryContext): string;
  chain(c: Extract<Condition, { kind: 'chain' }>, scope: Scope, ctx: QueryContext): string;
}
let hooks: Hooks | undefined;
export function setConditionHooks(h: Hooks): void {
  hooks = h;
}

const F = (sql: string): string => `coalesce(${sql}, false)`;

export function compileCondition(c: Condition, scope: Scope, ctx: QueryContext): string {
  switch (c.kind) {
    case 'bool':
      return c.value === true ? 'true' : 'false';
    case 'and':
      if (!Array.isArray(c.items)) throw new CompileError('and without items');
      return c.items.length === 0 ? 'true' : `(${c.items.map((i) => compileCondition(i, scope, ctx)).join(' AND ')})`;
    case 'or':
      if (!Array.isArray(c.items)) throw new CompileError('or without items');
      return c.items.length === 0 ? 'false' : `(${c.items.map((i) => compileCondition(i, scope, ctx)).join(' OR ')})`;
    case 'not':
      return `(NOT ${compileCondition(c.item, scope, ctx)})`;
    case 'compare':
      return compare(c.op, compileValue(c.left, scope, ctx), compileValue(c.right, scope, ctx));
    case 'in': {
      if (!Array.isArray(c.list)) throw new CompileError('in without a list');
      const v = compileValue(c.value, scope, ctx);
      const any = c.list.length === 0 ? 'false' : `(${c.list.map((l) => compare('=', v, compileValue(l, scope, ctx))).join(' OR ')})`;
      return c.negate ? `(NOT ${isNullSql(v)} AND NOT ${any})` : any;
    }
    case 'isNull': {
      const n = isNullSql(compileValue(c.value, scope, ctx));
      return c.negate ? `(NOT ${n})` : n;
    }
    case 'string':
      return stringTest(c, scope, ctx);
    case 'occurs':
      return F(windowSql(asDt(compileValue(c.value, scope, ctx)), c.window, scope, ctx));
    case 'exists':
      if (!hooks) throw new CompileError('event sets not available');
      return hooks.exists(c.events, scope, ctx);
    case 'chain':
      if (!hooks) throw new CompileError('CHAIN not available');
      return hooks.chain(c, scope, ctx);
    case 'inSegment':
      if (typeof c.segmentId !== 'string') throw new CompileError('inSegment without a segment id');
      if (scope.kind !== 'profile') throw new CompileError('inSegment inside an event condition');
      return F(ctx.segment(c.segmentId));
    default:
      throw new CompileError(`unsupported condition kind ${(c as { kind: string }).kind}`);
  }
}

type Cat = 'n' | 's' | 'b' | 'd';
function cats(v: V): Cat[] {
  switch (v.k) {
    case 'json':
      return ['n', 's', 'b'];
    case 'num':
      return ['n'];
    case 'str':
      return ['s'];
    case 'bool':
      return ['b'];
    case 'dt':
      return ['d'];
    default:
      return [];
  }
}
const as: Record<Exclude<Cat, 'd'>, (v: V) => string> = { n: asNum, s: asStr, b: asBool };

/** A comparison per ast.ts: datetime coercion when one side is a datetime, else type-strict. Never NULL. */
export function compare(op: CompareOp, a: V, b: V): string {
  if (!['=', '!=', '<', '<=', '>', '>='].includes(op)) throw new CompileError(`unknown comparison ${op}`);
  if (a.k === 'dt' || b.k === 'dt') return F(`${asDt(a)} ${op === '!=' ? '<>' : op} ${asDt(b)}`);
  const common = cats(a).filter((c) => cats(b).includes(c)) as Array<Exclude<Cat, 'd'>>;
  if (op === '=' || op === '!=') {
    const eq = common.length === 0 ? 'false' : `(${common.map((c) => F(equal(c, a, b))).join(' OR ')})`;
    return op === '=' ? eq : `(NOT ${isNullSql(a)} AND NOT ${isNullSql(b)} AND NOT ${eq})`;
  }
  const ordered = common.filter((c) => c !== 'b');
  return ordered.length === 0 ? 'false' : `(${ordered.map((c) => F(`${as[c](a)} ${op} ${as[c](b)}`)).join(' OR ')})`;
}

/** Type-strict equality in one category; a JSON value against a plain string literal compares JSON text. */
function equal(c: Exclude<Cat, 'd'>, a: V, b: V): string {
  if (c === 's') {
    const [j, l] = a.k === 'json' && b.k === 'str' ? [a, b] : b.k === 'json' && a.k === 'str' ? [b, a] : [undefined, undefined];
    const lit = l && /^'(?:[^']|'')*'$/.test(l.sql) ? jsonTextOfString(l.sql.slice(1, -1).replace(/''/g, "'")) : undefined;
    if (j && lit !== undefined) return `CAST(${j.sql} AS VARCHAR) = ${sqlString(lit)}`;
  }
  return `${as[c](a)} = ${as[c](b)}`;
}

function stringTest(c: Extract<Condition, { kind: 'string' }>, scope: Scope, ctx: QueryContext): string {
  const value = asStr(compileValue(c.value, scope, ctx));
  const ci = c.caseSensitive === false;
  const literal = c.arg?.kind === 'literal' && typeof c.arg.value === 'string' ? c.arg.value : undefined;
  let test: string;
  if ((c.test === 'matches' || c.test === 'like') && c.arg?.kind === 'literal' && literal === undefined) return 'false'; // not a string
  if (c.test === 'matches') {
    if (literal === undefined) throw new CompileError('matches needs a string literal pattern');
    const re = regexToRe2(literal, ci);
    if (re === undefined) return 'false'; // an invalid pattern: the evaluator answers false (negated too)
    test = `regexp_matches(${value}, ${sqlString(re)})`;
  } else if (c.test === 'like') {
    if (literal === undefined) throw new CompileError('like needs a string literal pattern');
    test = `${ci ? `lower(${value})` : value} LIKE ${likeToSql(ci ? literal.toLowerCase() : literal)} ESCAPE '\\'`;
  } else {
    // Case-insensitive: both sides lowered (a literal argument by JS toLowerCase, as the evaluator does).
    const s = ci ? `lower(${value})` : value;
    const a = literal !== undefined ? sqlString(ci ? literal.toLowerCase() : literal) : ci ? `lower(${asStr(compileValue(c.arg, scope, ctx))})` : asStr(compileValue(c.arg, scope, ctx));
    switch (c.test) {
      case 'startsWith':
        test = `starts_with(${s}, ${a})`;
        break;
      case 'endsWith':
        test = `ends_with(${s}, ${a})`;
        break;
      case 'contains':
        test = `contains(${s}, ${a})`;
        break;
      case 'equals':
        test = `${s} = ${a}`;
        break;
      default:
        throw new CompileError(`unknown string test ${String(c.test)}`);
    }
  }
  return c.negate === true ? F(`NOT (${test})`) : F(test);
}

/** A time window on a datetime (epoch ms SQL, may be NULL): NULL when the datetime is NULL. */
export function windowSql(ts: string, w: TimeWindow | undefined, scope: Scope, ctx: QueryContext): string {
  if (!w) return 'true';
  switch (w.kind) {
    case 'relative': {
      const span = w.amount * (UNIT_MS[w.unit] ?? NaN);
      if (!Number.isFinite(span)) throw new CompileError(`invalid window ${w.amount} ${String(w.unit)}`);
      const edge = sqlNumber(ctx.now - span);
      const cmp = { '<=': '>=', '<': '>', '>=': '<=', '>': '<' }[w.cmp];
      if (!cmp) throw new CompileError(`invalid window comparison ${String(w.cmp)}`);
      return `(${ts} ${cmp} ${edge})`;
    }
    case 'day': {
      const start = w.which === 'today' ? ctx.today : w.which === 'yesterday' ? ctx.today - 86_400_000 : NaN;
      if (Number.isNaN(start)) throw new CompileError(`invalid day window ${String(w.which)}`);
      return `(${ts} >= ${sqlNumber(start)} AND ${ts} < ${sqlNumber(start + 86_400_000)})`;
    }
    case 'absolute': {
      const parts: string[] = [];
      const bound = (x: ValueExpr): string => asDt(compileValue(x, scope, ctx));
      if (w.from) parts.push(`${ts} ${w.inclusive ? '>=' : '>'} ${bound(w.from)}`);
      if (w.to) parts.push(`${ts} ${w.inclusive ? '<=' : '<'} ${bound(w.to)}`);
      return parts.length === 0 ? `(${ts} IS NOT NULL)` : `(${parts.join(' AND ')})`;
    }
    default:
      throw new CompileError(`unknown window kind ${(w as { kind: string }).kind}`);
  }
}
