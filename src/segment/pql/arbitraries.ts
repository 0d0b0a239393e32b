/** fast-check arbitraries of ASTs the parser can produce (for the round-trip property tests). */
import fc from 'fast-check';
import type { ChainStep, Condition, EventSet, TimeUnit, TimeWindow, ValueExpr } from './ast.js';

type Scope = 'profile' | 'event';
export interface ArbOptions {
  /** Only nodes `pql-json.ts` covers (no events, time words, CHAIN, durations). */
  jsonOnly?: boolean;
}

const UNITS: TimeUnit[] = ['millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'year'];
const unit = fc.constantFrom(...UNITS);
const text = fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 }), fc.constantFrom('%a_', 'US', '"\\', '\n\t'));
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,5}$/) },
  { weight: 1, arbitrary: fc.constantFrom('and', 'xEvent', 'now', 'today', '$1', 'exists', 'count', 'timestamp', 'a`b', 'my-field', 'days') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 4 }) },
);
const num = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
);
const amount = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0.5, 1.25));
const datetime = fc
  .date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .filter((d) => d.getUTCFullYear() >= 0)
  .map((d): ValueExpr => ({ kind: 'datetime', ms: Math.floor(d.getTime() / 1000) * 1000 }));

export function conditionArb(opts: ArbOptions = {}, depth = 3): fc.Arbitrary<Condition> {
  const memo = new Map<string, fc.Arbitrary<unknown>>();
  const once = <T>(key: string, f: () => fc.Arbitrary<T>): fc.Arbitrary<T> => {
    if (!memo.has(key)) memo.set(key, f());
    return memo.get(key) as fc.Arbitrary<T>;
  };

  const leafValue = (s: Scope): fc.Arbitrary<ValueExpr> =>
    once(`leaf:${s}`, () => {
      const path = fc
        .record({ root: s === 'event' && !opts.jsonOnly ? fc.constantFrom<'profile' | 'event'>('profile', 'event') : fc.constant<'profile'>('profile'), path: fc.array(segment, { minLength: 1, maxLength: 3 }) })
        .map((p): ValueExpr => ({ kind: 'path', ...p }));
      const lit = fc.oneof(text, num, fc.boolean(), fc.constant(null)).map((value): ValueExpr => ({ kind: 'literal', value }));
      const time = fc.constantFrom<ValueExpr>({ kind: 'now' }, { kind: 'today' });
      return opts.jsonOnly ? fc.oneof(path, lit, datetime) : fc.oneof(path, path, lit, datetime, time);
    });

  const value = (s: Scope, d: number): fc.Arbitrary<ValueExpr> =>
    once(`value:${s}:${d}`, () => {
      if (d <= 0) return leafValue(s);
      const sub = value(s, d - 1);
      const arith = fc.record({ op: fc.constantFrom('+', '-', '*', '/', '%' as const), left: sub, right: sub }).map((a): ValueExpr => ({ kind: 'arith', ...a }));
      const duration = fc.record({ amount: fc.integer({ min: -50, max: 50 }), unit }).map((x): ValueExpr => ({ kind: 'duration', ...x }));
      const withDuration = fc
        .record({ op: fc.constantFrom('+', '-' as const), other: sub, dur: duration, durFirst: fc.boolean() })
        .map(({ op, other, dur, durFirst }): ValueExpr => ({ kind: 'arith', op, left: durFirst ? dur : other, right: durFirst ? other : dur }));
      const fnv = fc.record({ fn: fc.constantFrom('lower', 'upper', 'trim', 'length' as const), arg: sub }).map((x): ValueExpr => ({ kind: 'fn', ...x }));
      const options: fc.Arbitrary<ValueExpr>[] = [leafValue(s), leafValue(s), arith, fnv];
      if (!opts.jsonOnly) options.push(withDuration);
      if (!opts.jsonOnly && s === 'profile') {
        const agg = fc
          .record({ fn: fc.constantFrom('count', 'sum', 'min', 'max', 'avg' as const), events: eventSet(d - 1), v: value('event', d - 1) })
          .map(({ fn, events, v }): ValueExpr => (fn === 'count' ? { kind: 'aggregate', fn, events } : { kind: 'aggregate', fn, events, value: v }));
        options.push(agg);
      }
      return fc.oneof(...options);
    });

  const eventSet = (d: number): fc.Arbitrary<EventSet> =>
    once(`events:${d}`, () => fc.option(cond('event', d), { nil: undefined }).map((where): EventSet => (where ? { kind: 'events', where } : { kind: 'events' })));

  const window = (s: Scope, d: number): fc.Arbitrary<TimeWindow> =>
    fc.oneof(
      fc.record({ cmp: fc.constantFrom('<', '<=', '>', '>=' as const), amount, unit }).map((w): TimeWindow => ({ kind: 'relative', ...w })),
      fc.constantFrom<TimeWindow>({ kind: 'day', which: 'today' }, { kind: 'day', which: 'yesterday' }),
      fc.record({ from: value(s, d), to: value(s, d), shape: fc.constantFrom('between', 'before', 'after') }).map(({ from, to, shape }): TimeWindow =>
        shape === 'between' ? { kind: 'absolute', from, to, inclusive: true } : shape === 'before' ? { kind: 'absolute', to, inclusive: false } : { kind: 'absolute', from, inclusive: false },
      ),
    );

  const chain = (d: number): fc.Arbitrary<Condition> =>
    fc.array(fc.record({ what: cond('event', d), when: fc.option(window('profile', d), { nil: undefined }), after: fc.option(fc.record({ back: fc.nat(), cmp: fc.constantFrom('<', '<=' as const), amount, unit }), { nil: undefined }) }), { minLength: 1, maxLength: 3 }).map(
      (steps): Condition => ({
        kind: 'chain',
        steps: steps.map(({ what, when, after }, i): ChainStep => {
          const step: ChainStep = { label: `C${i}`, what };
          if (after && i > 0) step.when = { kind: 'afterStep', step: after.back % i, cmp: after.cmp, amount: after.amount, unit: after.unit };
          else if (when) step.when = when;
          return step;
        }),
      }),
    );

  const cond = (s: Scope, d: number): fc.Arbitrary<Condition> =>
    once(`cond:${s}:${d}`, () => {
      const v = value(s, Math.min(d, 1));
      const leaves: fc.Arbitrary<Condition>[] = [
        fc.boolean().map((b): Condition => ({ kind: 'bool', value: b })),
        fc.record({ op: fc.constantFrom('=', '!=', '<', '<=', '>', '>=' as const), left: v, right: v }).map((c): Condition => ({ kind: 'compare', ...c })),
        fc.record({ value: v, list: fc.array(v, { maxLength: 3 }), negate: fc.boolean() }).map((c): Condition => ({ kind: 'in', ...c })),
        fc.record({ value: v, negate: fc.boolean() }).map((c): Condition => ({ kind: 'isNull', ...c })),
        fc
          .record({ test: fc.constantFrom('startsWith', 'endsWith', 'contains', 'equals', 'like', 'matches' as const), value: v, arg: v, caseSensitive: fc.boolean(), negate: fc.boolean() })
          .map((c): Condition => (c.test === 'like' || c.test === 'matches' ? { kind: 'string', ...c, caseSensitive: true, negate: false } : { kind: 'string', ...c })),
        fc.string({ maxLength: 8 }).map((segmentId): Condition => ({ kind: 'inSegment', segmentId })),
      ];
      if (!opts.jsonOnly) leaves.push(fc.record({ value: v, window: window(s, Math.min(d, 1)) }).map((c): Condition => ({ kind: 'occurs', ...c })));
      if (d <= 0) return fc.oneof(...leaves);
      const sub = cond(s, d - 1);
      const nodes: fc.Arbitrary<Condition>[] = [
        ...leaves,
        fc.record({ kind: fc.constantFrom('and', 'or' as const), items: fc.array(sub, { minLength: 2, maxLength: 3 }) }).map((c): Condition => ({ ...c })),
        sub.map((item): Condition => ({ kind: 'not', item })),
      ];
      if (!opts.jsonOnly && s === 'profile') {
        nodes.push(eventSet(d - 1).map((events): Condition => ({ kind: 'exists', events })));
        nodes.push(chain(d - 1));
      }
      return fc.oneof(...nodes);
    });

  return cond('profile', depth);
}
