/** Small AST builders and a span stripper for the PQL tests. */
import type { Condition, EventSet, TimeUnit, ValueExpr } from './ast.js';

export const P = (...path: string[]): ValueExpr => ({ kind: 'path', root: 'profile', path });
export const E = (...path: string[]): ValueExpr => ({ kind: 'path', root: 'event', path });
export const L = (value: string | number | boolean | null): ValueExpr => ({ kind: 'literal', value });
export const D = (amount: number, unit: TimeUnit): ValueExpr => ({ kind: 'duration', amount, unit });
export const cmp = (op: '=' | '!=' | '<' | '<=' | '>' | '>=', left: ValueExpr, right: ValueExpr): Condition => ({ kind: 'compare', op, left, right });
export const and = (...items: Condition[]): Condition => ({ kind: 'and', items });
export const or = (...items: Condition[]): Condition => ({ kind: 'or', items });
export const not = (item: Condition): Condition => ({ kind: 'not', item });
export const ev = (where?: Condition): EventSet => (where ? { kind: 'events', where } : { kind: 'events' });
export const exists = (where?: Condition): Condition => ({ kind: 'exists', events: ev(where) });
export const count = (where?: Condition): ValueExpr => ({ kind: 'aggregate', fn: 'count', events: ev(where) });
export const str = (test: 'startsWith' | 'endsWith' | 'contains' | 'equals' | 'like' | 'matches', value: ValueExpr, arg: string, caseSensitive = true, negate = false): Condition => ({
  kind: 'string',
  test,
  value,
  arg: L(arg),
  caseSensitive,
  negate,
});
export const within = (value: ValueExpr, cmp: '<' | '<=' | '>' | '>=', amount: number, unit: TimeUnit): Condition => ({
  kind: 'occurs',
  value,
  window: { kind: 'relative', cmp, amount, unit },
});

/** A deep copy without `span` fields. */
export function strip<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === 'span' ? undefined : v))) as T;
}
