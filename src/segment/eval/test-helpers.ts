/** AST builders for the evaluator tests (the parser may not exist yet). */
import type { CompareOp, Condition, EventSet, StringTest, TimeUnit, TimeWindow, ValueExpr, ChainStep } from '../pql/ast.js';
import type { EvalContext, EventView, ProfileView } from './evaluate.js';

export const lit = (value: string | number | boolean | null): ValueExpr => ({ kind: 'literal', value });
export const dt = (iso: string): ValueExpr => ({ kind: 'datetime', ms: Date.parse(iso) });
export const now: ValueExpr = { kind: 'now' };
export const today: ValueExpr = { kind: 'today' };
export const dur = (amount: number, unit: TimeUnit): ValueExpr => ({ kind: 'duration', amount, unit });
export const p = (dotted: string): ValueExpr => ({ kind: 'path', root: 'profile', path: dotted === '' ? [] : dotted.split('.') });
export const ev = (dotted: string): ValueExpr => ({ kind: 'path', root: 'event', path: dotted.split('.') });
export const ts: ValueExpr = ev('timestamp');
export const ar = (op: '+' | '-' | '*' | '/' | '%', left: ValueExpr, right: ValueExpr): ValueExpr => ({ kind: 'arith', op, left, right });
export const cmp = (left: ValueExpr, op: CompareOp, right: ValueExpr): Condition => ({ kind: 'compare', op, left, right });
export const and = (...items: Condition[]): Condition => ({ kind: 'and', items });
export const or = (...items: Condition[]): Condition => ({ kind: 'or', items });
export const not = (item: Condition): Condition => ({ kind: 'not', item });
export const str = (test: StringTest, value: ValueExpr, arg: string, caseSensitive = true, negate = false): Condition => ({
  kind: 'string',
  test,
  value,
  arg: lit(arg),
  caseSensitive,
  negate,
});
export const events = (where?: Condition): EventSet => (where ? { kind: 'events', where } : { kind: 'events' });
export const exists = (where?: Condition): Condition => ({ kind: 'exists', events: events(where) });
export const occurs = (value: ValueExpr, window: TimeWindow): Condition => ({ kind: 'occurs', value, window });
export const rel = (cmp: '<' | '<=' | '>' | '>=', amount: number, unit: TimeUnit): TimeWindow => ({ kind: 'relative', cmp, amount, unit });
export const agg = (fn: 'count' | 'sum' | 'min' | 'max' | 'avg', where?: Condition, value?: ValueExpr): ValueExpr =>
  value ? { kind: 'aggregate', fn, events: events(where), value } : { kind: 'aggregate', fn, events: events(where) };
export const chain = (...steps: ChainStep[]): Condition => ({ kind: 'chain', steps });
export const step = (what: Condition, when?: ChainStep['when']): ChainStep => (when ? { label: 'C', what, when } : { label: 'C', what });
export const typeIs = (t: string): Condition => cmp(ev('eventType'), '=', lit(t));

export const DAY = 86_400_000;
export const NOW = Date.parse('2024-06-15T12:00:00Z');

export function ctxAt(at: number, segments: string[] = []): EvalContext {
  return { now: at, inSegment: (id) => segments.includes(id) };
}

export function evt(id: string, at: number, body: Record<string, unknown> = {}): EventView {
  return { id, ts: at, event: { _id: id, timestamp: Number.isFinite(at) && Math.abs(at) <= 8.64e15 ? new Date(at).toISOString() : null, ...body } };
}

export function view(entity: Record<string, unknown> = {}, evs: EventView[] = []): ProfileView {
  return { entity, events: evs };
}
