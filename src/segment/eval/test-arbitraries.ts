/** fast-check arbitraries of definitions with time windows, shared by the property tests. */
import fc from 'fast-check';
import { UNIT_MS, type Condition, type TimeUnit, type TimeWindow, type ValueExpr } from '../pql/ast.js';
import { DAY, NOW, agg, and, ar, chain, cmp, dur, exists, lit, not, now, occurs, or, p, rel, step, today, ts, typeIs } from './test-helpers.js';

export const MIDNIGHT = Date.parse('2024-06-16T00:00:00Z');
export const A = typeIs('A');

export const UNITS: TimeUnit[] = ['millisecond', 'second', 'minute', 'hour', 'day', 'week'];
const arbUnit = fc.constantFrom(...UNITS);
const arbAmount = fc.integer({ min: 0, max: 5 });
const arbCmp = fc.constantFrom<'<' | '<=' | '>' | '>='>('<', '<=', '>', '>=');
const arbDur: fc.Arbitrary<ValueExpr> = fc.tuple(arbAmount, arbUnit).map(([a, u]) => dur(a, u));
const arbMovingBound: fc.Arbitrary<ValueExpr> = fc.oneof(
  fc.constant(now),
  fc.constant(today),
  fc.tuple(fc.constantFrom(now, today), fc.constantFrom<'+' | '-'>('+', '-'), arbDur).map(([b, op, d]) => ar(op, b, d)),
);
const arbWindow: fc.Arbitrary<TimeWindow> = fc.oneof(
  fc.tuple(arbCmp, arbAmount, arbUnit).map(([c, a, u]) => rel(c, a, u)),
  fc.constantFrom<TimeWindow>({ kind: 'day', which: 'today' }, { kind: 'day', which: 'yesterday' }),
  fc.record({ from: fc.option(arbMovingBound, { nil: undefined }), to: fc.option(arbMovingBound, { nil: undefined }), inclusive: fc.boolean() }).map(
    ({ from, to, inclusive }): TimeWindow => ({ kind: 'absolute', ...(from ? { from } : {}), ...(to ? { to } : {}), inclusive }),
  ),
);
export const arbFilter: fc.Arbitrary<Condition> = fc.oneof(
  fc.constantFrom(A, typeIs('B')),
  arbWindow.map((w) => occurs(ts, w)),
  fc.tuple(fc.constantFrom(A, typeIs('B')), arbWindow).map(([t, w]) => and(t, occurs(ts, w))),
  fc.tuple(arbCmp, arbMovingBound).map(([c, b]) => cmp(ts, c, b)),
);
const arbLeaf: fc.Arbitrary<Condition> = fc.oneof(
  arbFilter.map((f) => exists(f)),
  arbFilter.map((f) => not(exists(f))),
  fc.tuple(arbFilter, fc.integer({ min: 0, max: 3 })).map(([f, k]) => cmp(agg('count', f), '>=', lit(k))),
  fc.tuple(arbCmp, arbMovingBound).map(([c, b]) => cmp(p('birthDate'), c, b)),
  arbWindow.map((w) => occurs(p('birthDate'), w)),
  fc.constantFrom(cmp(p('flag'), '=', lit(true)), cmp(p('flag'), '=', lit(false))),
  fc.tuple(fc.array(fc.tuple(arbFilter, fc.option(arbWindow, { nil: undefined })), { minLength: 1, maxLength: 3 }), fc.option(fc.tuple(arbAmount, arbUnit), { nil: undefined })).map(
    ([steps, after]) =>
      chain(
        ...steps.map(([what, when], i) =>
          i === steps.length - 1 && after && i > 0 ? step(what, { kind: 'afterStep', step: 0, cmp: '<=', amount: after[0], unit: after[1] }) : step(what, when),
        ),
      ),
  ),
);
export const arbCond: fc.Arbitrary<Condition> = fc.oneof(
  { weight: 3, arbitrary: arbLeaf },
  { weight: 1, arbitrary: fc.array(arbLeaf, { minLength: 1, maxLength: 3 }).map((xs) => and(...xs)) },
  { weight: 1, arbitrary: fc.array(arbLeaf, { minLength: 1, maxLength: 3 }).map((xs) => or(...xs)) },
  { weight: 1, arbitrary: arbLeaf.map((x) => not(x)) },
);

/** Offsets that land on and around the units' multiples, so boundaries are hit exactly. */
export const arbOffset = fc.oneof(
  fc.integer({ min: -20 * DAY, max: 20 * DAY }),
  fc.tuple(fc.integer({ min: -6, max: 6 }), arbUnit, fc.integer({ min: -2, max: 2 })).map(([k, u, d]) => k * UNIT_MS[u] + d),
);
export const arbNow = fc.oneof(fc.constant(NOW), fc.constant(MIDNIGHT - 1), fc.integer({ min: NOW - 3 * DAY, max: NOW + 3 * DAY }));

