/**
 * `printPql(ast)`: the canonical PQL text of an AST; `parsePql(printPql(a))` gives `a` back (ignoring spans) for every
 * AST the parser can produce. Canonical forms: event sets as `xEvent[…]` (profile paths inside as `$1.…`), string
 * tests as methods (`like` infix), `x.isNotNull()` for `exists x`, `average(…)` for avg, minimal parentheses.
 *
 * A few hand-built shapes have no PQL spelling (an event path outside an event scope, a negated or case-insensitive
 * `like`/`matches`, an absolute window other than between/before/after, a datetime with milliseconds or outside years
 * 0–9999); printing them throws `PqlPrintError`. `and`/`or` with fewer than two items print as the item / true / false.
 */
import type { Condition, EventSet, SegmentAst, ValueExpr } from './ast.js';
import { RESERVED_WORDS } from './token-stream.js';
import { fmtNum, printWindow } from './time-words.js';

export class PqlPrintError extends Error {}

type Scope = 'profile' | 'event';
interface Printed {
  text: string;
  /** Condition: 1 or, 2 and, 3 not, 4 predicate. Value: 1 additive, 2 multiplicative, 3 unary, 4 postfix/primary. */
  level: number;
}

export function printPql(ast: SegmentAst | Condition): string {
  return cond('kind' in ast ? ast : ast.root, 'profile').text;
}

/** `printPql` for a value expression (profile scope). */
export function printValue(v: ValueExpr): string {
  return value(v, 'profile').text;
}

const wrap = (p: Printed, min: number): string => (p.level >= min ? p.text : `(${p.text})`);

function cond(c: Condition, scope: Scope): Printed {
  const v = (x: ValueExpr, min = 1): string => wrap(value(x, scope), min);
  switch (c.kind) {
    case 'bool':
      return { text: String(c.value), level: 4 };
    case 'and':
    case 'or': {
      if (c.items.length === 0) return { text: c.kind === 'and' ? 'true' : 'false', level: 4 };
      if (c.items.length === 1) return cond(c.items[0], scope);
      const level = c.kind === 'or' ? 1 : 2;
      return { text: c.items.map((i) => wrap(cond(i, scope), level + 1)).join(` ${c.kind} `), level };
    }
    case 'not':
      return { text: `not ${wrap(cond(c.item, scope), 3)}`, level: 3 };
    case 'compare':
      return { text: `${v(c.left)} ${c.op} ${v(c.right)}`, level: 4 };
    case 'in':
      return { text: `${v(c.value)} ${c.negate ? 'notIn' : 'in'} [${c.list.map((x) => v(x)).join(', ')}]`, level: 4 };
    case 'isNull':
      return { text: `${v(c.value, 4)}.${c.negate ? 'isNotNull' : 'isNull'}()`, level: 4 };
    case 'string': {
      if (c.test === 'like' || c.test === 'matches') {
        if (c.negate || !c.caseSensitive) throw new PqlPrintError(`A negated or case-insensitive '${c.test}' has no PQL spelling`);
        if (c.test === 'like') return { text: `${v(c.value)} like ${v(c.arg)}`, level: 4 };
        return { text: `${v(c.value, 4)}.matches(${v(c.arg)})`, level: 4 };
      }
      const name = c.negate ? NEGATED[c.test] : c.test;
      return { text: `${v(c.value, 4)}.${name}(${v(c.arg)}${c.caseSensitive ? '' : ', false'})`, level: 4 };
    }
    case 'occurs': {
      if (c.window.kind === 'relative' && !(c.window.amount >= 0)) throw new PqlPrintError('A window amount must be a non-negative number');
      const w = printWindow(c.window, (x) => v(x), []);
      if (w === undefined) throw new PqlPrintError(`This absolute window has no PQL spelling`);
      return { text: `${v(c.value)} occurs ${w}`, level: 4 };
    }
    case 'exists':
      return { text: events(c.events, scope), level: 4 };
    case 'chain': {
      if (scope !== 'profile') throw new PqlPrintError('CHAIN inside an event scope has no PQL spelling');
      const labels = c.steps.map((s) => s.label);
      const steps = c.steps.map((s) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.label) || RESERVED_WORDS.has(s.label)) throw new PqlPrintError(`Invalid CHAIN step label '${s.label}'`);
        let text = `${s.label}: WHAT(${cond(s.what, 'event').text})`;
        if (s.when) {
          if (s.when.kind === 'relative' && !(s.when.amount >= 0)) throw new PqlPrintError('A window amount must be a non-negative number');
          const w = printWindow(s.when, (x) => wrap(value(x, 'profile'), 1), labels);
          if (w === undefined) throw new PqlPrintError(`CHAIN step '${s.label}' has a window with no PQL spelling`);
          text += ` WHEN(${w})`;
        }
        return text;
      });
      return { text: `CHAIN(xEvent, timestamp, [${steps.join(', ')}])`, level: 4 };
    }
    case 'inSegment':
      return { text: `inSegment(${JSON.stringify(c.segmentId)})`, level: 4 };
  }
}

const NEGATED: Record<string, string> = { startsWith: 'doesNotStartWith', endsWith: 'doesNotEndWith', contains: 'doesNotContain', equals: 'notEqualTo' };

function events(e: EventSet, scope: Scope): string {
  if (scope !== 'profile') throw new PqlPrintError('An event set inside an event scope has no PQL spelling');
  return e.where ? `xEvent[${cond(e.where, 'event').text}]` : 'xEvent';
}

function value(x: ValueExpr, scope: Scope): Printed {
  switch (x.kind) {
    case 'literal':
      if (typeof x.value === 'string') return { text: JSON.stringify(x.value), level: 4 };
      if (typeof x.value === 'number') {
        if (!Number.isFinite(x.value)) throw new PqlPrintError(`${x.value} has no PQL spelling`);
        return { text: fmtNum(x.value), level: x.value < 0 ? 3 : 4 };
      }
      return { text: String(x.value), level: 4 };
    case 'datetime':
      return { text: printDate(x.ms), level: 4 };
    case 'now':
    case 'today':
      return { text: x.kind, level: 4 };
    case 'duration':
      if (!Number.isFinite(x.amount)) throw new PqlPrintError(`${x.amount} has no PQL spelling`);
      return { text: `${fmtNum(x.amount)} ${x.unit}${x.amount === 1 ? '' : 's'}`, level: 3 };
    case 'path': {
      if (x.path.length === 0) throw new PqlPrintError('A path needs at least one field');
      const segs = x.path.map((s, i) => segment(s, i === 0));
      if (x.root === 'event') {
        if (scope !== 'event') throw new PqlPrintError(`The event path ${x.path.join('.')} is outside an event scope`);
        return { text: segs.join('.'), level: 4 };
      }
      return { text: scope === 'event' ? `$1.${x.path.map((s) => segment(s, false)).join('.')}` : segs.join('.'), level: 4 };
    }
    case 'arith': {
      const level = x.op === '+' || x.op === '-' ? 1 : 2;
      return { text: `${wrap(value(x.left, scope), level)} ${x.op} ${wrap(value(x.right, scope), level + 1)}`, level };
    }
    case 'fn':
      return { text: `${x.fn}(${value(x.arg, scope).text})`, level: 4 };
    case 'aggregate': {
      const base = events(x.events, scope);
      if (x.fn === 'count') return { text: `${base}.count()`, level: 4 };
      if (!x.value) throw new PqlPrintError(`${x.fn}() needs a value`);
      return { text: `${base}.${x.fn === 'avg' ? 'average' : x.fn}(${value(x.value, 'event').text})`, level: 4 };
    }
  }
}

function segment(s: string, first: boolean): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !(first && RESERVED_WORDS.has(s))) return s;
  return '`' + s.replace(/`/g, '``') + '`';
}

function printDate(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (!Number.isFinite(ms) || d.getUTCMilliseconds() !== 0 || y < 0 || y > 9999) throw new PqlPrintError(`The datetime ${ms} has no PQL spelling`);
  const parts = [y, d.getUTCMonth() + 1, d.getUTCDate()];
  const [h, mi, s] = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  if (h || mi || s) parts.push(h, mi);
  if (s) parts.push(s);
  return `date(${parts.join(', ')})`;
}
