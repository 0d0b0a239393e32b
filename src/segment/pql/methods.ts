/**
 * PQL methods (`x.startsWith("a")`, `xEvent[…].count()`, …) and `date(…)`, for the grammar in `grammar.ts`.
 *
 *   on a value:     isNull() | isNotNull()
 *                   | ( startsWith | doesNotStartWith | endsWith | doesNotEndWith | contains | doesNotContain
 *                     | equals | notEqualTo ) "(" additive [ "," ( "true" | "false" ) ] ")"   (2nd arg: caseSensitive)
 *                   | matches "(" additive ")" | ( lower | upper | trim | length ) "(" ")"
 *   on an event set: count() | ( sum | min | max | avg | average ) "(" additive ")" | exists()
 */
import type { AggregateFn, StringTest, ValueExpr } from './ast.js';
import type { Node, Parser } from './grammar.js';
import type { Token } from './lexer.js';

/** PQL string-test method names and the AST test they mean (also the pql/json function names, plus `like`). */
export const STRING_TESTS: Record<string, { test: StringTest; negate: boolean }> = {
  startsWith: { test: 'startsWith', negate: false },
  doesNotStartWith: { test: 'startsWith', negate: true },
  endsWith: { test: 'endsWith', negate: false },
  doesNotEndWith: { test: 'endsWith', negate: true },
  contains: { test: 'contains', negate: false },
  doesNotContain: { test: 'contains', negate: true },
  equals: { test: 'equals', negate: false },
  notEqualTo: { test: 'equals', negate: true },
  matches: { test: 'matches', negate: false },
};
const AGGREGATES: Record<string, AggregateFn> = { sum: 'sum', min: 'min', max: 'max', avg: 'avg', average: 'avg' };
const VALUE_FNS = new Set(['lower', 'upper', 'trim', 'length']);

/** Valid AEP PQL functions/methods that Kith does not support: naming them gives a "PQL-UNSUPPORTED" error. */
const UNSUPPORTED = new Set([
  'regexGroup', 'intersects', 'intersection', 'subsetOf', 'supersetOf', 'includes', 'notIncludes', 'distinct', 'groupBy', 'filter',
  'map', 'topN', 'bottomN', 'head', 'first', 'last', 'getMonth', 'getYear', 'getDayOfMonth', 'currentMonth', 'currentYear',
  'currentDayOfMonth', 'occurs', 'toMap', 'mapValues', 'mapKeys', 'get', 'keys', 'values', 'containsKey', 'isEmpty', 'isNotEmpty',
  'concat', 'substr', 'substring', 'split', 'replace', 'abs', 'round', 'floor', 'ceil', 'toString', 'toInt', 'toNumber',
  'count', 'sum', 'avg', 'average', 'min', 'max', 'exists', 'forall', 'let', 'coalesce', 'if', 'iif', 'age', 'daysSince',
  'inAudience', 'segmentMembership', 'like', 'notLike', 'in', 'notIn', 'size', 'isTrue', 'isFalse',
]);

export function knownUnsupported(name: string): boolean {
  return UNSUPPORTED.has(name);
}

/** `name(` has been consumed; applies method `name` to `recv`. */
export function callMethod(p: Parser, recv: Node, name: Token, start: number): Node {
  const m = name.text;
  const done = (n: Node): Node => n;
  if (recv.t === 'e') {
    const events = recv.e;
    if (m === 'count' || m === 'exists') {
      p.parseArgs(() => p.fail(`${m}() takes no arguments`, p.peek()));
      const span = p.span(start);
      if (m === 'exists') return done({ t: 'c', c: { kind: 'exists', events, span }, span });
      return done({ t: 'v', v: { kind: 'aggregate', fn: 'count', events, span }, span });
    }
    const fn = AGGREGATES[m];
    if (fn) {
      const args = p.parseArgs((i) => (i === 0 ? p.withScope({}, () => p.parseValue()) : p.fail(`${m}() takes one argument (an event field)`, p.peek())));
      if (args.length !== 1) p.fail(`${m}() takes one argument (an event field)`, name);
      const span = p.span(start);
      return done({ t: 'v', v: { kind: 'aggregate', fn, events, value: args[0], span }, span });
    }
    if (UNSUPPORTED.has(m)) p.unsupported(m, name);
    return p.fail(`Unknown method '${m}' on an event set (count, sum, min, max, avg, exists)`, name);
  }
  if (recv.t !== 'v') {
    return p.fail(recv.t === 'c' ? `'.${m}()' needs a value, found a condition` : `'.${m}()' is not valid on an array literal`, name);
  }
  const value = recv.v;
  if (m === 'isNull' || m === 'isNotNull') {
    p.parseArgs(() => p.fail(`${m}() takes no arguments`, p.peek()));
    const span = p.span(start);
    return { t: 'c', c: { kind: 'isNull', value, negate: m === 'isNotNull', span }, span };
  }
  const st = Object.prototype.hasOwnProperty.call(STRING_TESTS, m) ? STRING_TESTS[m] : undefined;
  if (st) {
    let caseSensitive = true;
    const args = p.parseArgs((i) => {
      if (i === 0) return p.parseValue();
      const t = p.next();
      if (i > 1 || st.test === 'matches') return p.fail(`${m}() takes ${st.test === 'matches' ? 'one argument' : 'at most two arguments'}`, t);
      if (t.type !== 'ident' || (t.text !== 'true' && t.text !== 'false')) return p.fail(`${m}()'s second argument (case sensitivity) must be true or false`, t);
      caseSensitive = t.text === 'true';
      return undefined;
    });
    const arg = args[0];
    if (!arg) p.fail(`${m}() needs an argument`, name);
    const span = p.span(start);
    return { t: 'c', c: { kind: 'string', test: st.test, value, arg, caseSensitive, negate: st.negate, span }, span };
  }
  if (VALUE_FNS.has(m)) {
    p.parseArgs(() => p.fail(`.${m}() takes no arguments`, p.peek()));
    const span = p.span(start);
    return { t: 'v', v: { kind: 'fn', fn: m as 'lower', arg: value, span }, span };
  }
  if (UNSUPPORTED.has(m)) {
    if (m === 'count' || AGGREGATES[m]) p.unsupported(`${m} on a profile array (aggregates apply to xEvent)`, name);
    p.unsupported(m, name);
  }
  return p.fail(`Unknown method '${m}'`, name);
}

/** `date(` has been consumed: `date(y, m, d[, h, mi[, s]])`, UTC, month 1-based. */
export function buildDate(p: Parser, t: Token): ValueExpr {
  const args = p.parseArgs(() => {
    const a = p.parseValue();
    if (a.kind !== 'literal' || typeof a.value !== 'number' || !Number.isInteger(a.value))
      return p.fail('date() arguments must be integer literals', a.span?.start ?? t.start);
    return a.value;
  });
  if (args.length !== 3 && args.length !== 5 && args.length !== 6) {
    if (args.length === 1) p.unsupported('date("…") (a date from a string)', t);
    p.fail(`date() takes 3, 5 or 6 arguments: date(year, month, day[, hour, minute[, second]])`, t);
  }
  const [y, mo, d, h = 0, mi = 0, s = 0] = args;
  const back = new Date(0);
  back.setUTCFullYear(y, mo - 1, d);
  back.setUTCHours(h, mi, s, 0);
  const ms = back.getTime();
  const valid =
    y >= 0 && y <= 9999 && back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d &&
    h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59;
  if (!valid) p.fail(`Invalid date: date(${args.join(', ')})`, t);
  return { kind: 'datetime', ms };
}
