import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UNIT_MS, type Condition, type TimeUnit } from '../pql/ast.js';
import { A, MIDNIGHT, UNITS, arbCond, arbNow, arbOffset } from './test-arbitraries.js';
import { evaluate, type EventView } from './evaluate.js';
import { evaluateWithNextChange, nextChangeAt } from './next-change.js';
import { DAY, NOW, agg, and, ar, chain, cmp, ctxAt, dt, dur, evt, exists, lit, not, now, occurs, or, p, rel, step, today, ts, typeIs, view } from './test-helpers.js';

const HOUR = 3_600_000;
const at = (id: string, t: number, type = 'A'): EventView => evt(id, t, { eventType: type });
const within = (n: number, unit: TimeUnit = 'day', c: '<' | '<=' | '>' | '>=' = '<='): Condition => exists(and(A, occurs(ts, rel(c, n, unit))));

describe('nextChangeAt', () => {
  const rows: [string, Condition, Record<string, unknown>, EventView[], number | undefined][] = [
    ['<= 7 days: leaves at ts + 7 days + 1 ms', within(7), {}, [at('1', NOW - DAY)], NOW + 6 * DAY + 1],
    ['< 7 days: leaves at ts + 7 days', within(7, 'day', '<'), {}, [at('1', NOW - DAY)], NOW + 6 * DAY],
    ['>= 7 days: enters at ts + 7 days', within(7, 'day', '>='), {}, [at('1', NOW - DAY)], NOW + 6 * DAY],
    ['> 7 days: enters at ts + 7 days + 1 ms', within(7, 'day', '>'), {}, [at('1', NOW - DAY)], NOW + 6 * DAY + 1],
    ['already left: never again', within(7), {}, [at('1', NOW - 8 * DAY)], undefined],
    ['exactly on the boundary (<=): leaves next ms', within(7), {}, [at('1', NOW - 7 * DAY)], NOW + 1],
    ['future event in a <= window', within(1, 'hour'), {}, [at('1', NOW + DAY)], NOW + DAY + HOUR + 1],
    ['non-matching events do not count', within(7), {}, [at('1', NOW - DAY, 'B')], undefined],
    ['true exists stays true until its last event leaves', within(7), {}, [at('1', NOW - DAY), at('2', NOW - 2 * DAY)], NOW + 6 * DAY + 1],
    ['count changes at the first exit', cmp(agg('count', and(A, occurs(ts, rel('<=', 7, 'day')))), '>', lit(1)), {}, [at('1', NOW - DAY), at('2', NOW - 2 * DAY)], NOW + 5 * DAY + 1],
    ['today: next UTC midnight', exists(occurs(ts, { kind: 'day', which: 'today' })), {}, [at('1', NOW - HOUR)], MIDNIGHT],
    ['yesterday with no events: still midnight (conservative)', exists(occurs(ts, { kind: 'day', which: 'yesterday' })), {}, [at('1', NOW)], MIDNIGHT],
    ['18 years old', cmp(p('birthDate'), '<=', ar('-', now, dur(18, 'year'))), { birthDate: '2006-07-01' }, [], Date.parse('2006-07-01T00:00:00Z') + 18 * 365 * DAY],
    ['birthDate + 18 years <= now', cmp(ar('+', p('birthDate'), dur(18, 'year')), '<=', now), { birthDate: '2006-07-01' }, [], Date.parse('2006-07-01T00:00:00Z') + 18 * 365 * DAY],
    ['unparseable birthDate: never', cmp(p('birthDate'), '<=', ar('-', now, dur(18, 'year'))), { birthDate: 'soon' }, [], undefined],
    ['= now: at the instant', cmp(now, '=', lit(NOW + 5)), {}, [], NOW + 5],
    ['= now, now: the next ms', cmp(now, '=', lit(NOW)), {}, [], NOW + 1],
    ['today compared: midnight', cmp(p('d'), '>=', today), { d: '2024-06-15' }, [], MIDNIGHT],
    ['profile only: never', cmp(p('a'), '=', lit(1)), { a: 1 }, [], undefined],
    ['false forever and window: never', and(cmp(p('a'), '=', lit(2)), within(7)), { a: 1 }, [at('1', NOW - DAY)], undefined],
    ['true forever or window: never', or(cmp(p('a'), '=', lit(1)), within(7)), { a: 1 }, [at('1', NOW - DAY)], undefined],
    ['not keeps the instant', not(within(7)), {}, [at('1', NOW - DAY)], NOW + 6 * DAY + 1],
    ['inSegment: never', { kind: 'inSegment', segmentId: 's' }, {}, [], undefined],
    ['absolute window from now - 2 days', exists(occurs(ts, { kind: 'absolute', from: ar('-', now, dur(2, 'day')), inclusive: false })), {}, [at('1', NOW - DAY)], NOW + DAY],
    ['absolute window with constant bounds: never', exists(occurs(ts, { kind: 'absolute', from: dt('2024-01-01T00:00:00Z'), inclusive: true })), {}, [at('1', NOW - DAY)], undefined],
    ['chain step window', chain(step(A, rel('<=', 2, 'day')), step(typeIs('B'))), {}, [at('1', NOW - DAY), at('2', NOW - HOUR, 'B')], NOW + DAY + 1],
    ['chain afterStep only: never', chain(step(A), step(typeIs('B'), { kind: 'afterStep', step: 0, cmp: '<=', amount: 1, unit: 'day' })), {}, [at('1', NOW - DAY), at('2', NOW - HOUR, 'B')], undefined],
    ['no events: never', within(7), {}, [], undefined],
  ];
  for (const [label, c, entity, evs, want] of rows) it(label, () => assert.equal(nextChangeAt(c, view(entity, evs), ctxAt(NOW)), want));
});

// ---------------------------------------------------------------------------------------------------------------
// Property: nothing changes strictly between now and nextChangeAt.

describe('nextChangeAt property: the answer is constant on (now, T)', () => {
  it('holds for random windows, events and profiles', () => {
    fc.assert(
      fc.property(
        arbCond,
        arbNow,
        fc.array(fc.tuple(arbOffset, fc.constantFrom('A', 'B')), { maxLength: 6 }),
        fc.option(arbOffset, { nil: undefined }),
        fc.boolean(),
        (cond, t0, evOffsets, birth, flag) => {
          const evs = evOffsets.map(([o, type], i) => at(`e${i}`, t0 + o, type));
          const entity: Record<string, unknown> = { flag, ...(birth === undefined ? {} : { birthDate: new Date(t0 + birth).toISOString() }) };
          const v = view(entity, evs);
          const before = evaluate(cond, v, ctxAt(t0));
          const T = nextChangeAt(cond, v, ctxAt(t0));
          if (T !== undefined) assert.ok(T > t0, 'T > now');
          // the fused pass answers exactly what evaluate and nextChangeAt answer
          assert.deepEqual(evaluateWithNextChange(cond, v, ctxAt(t0)), { value: before, next: T });
          const end = T ?? t0 + 30 * DAY;
          // Dense candidates: every data instant shifted by every duration up to 6 weeks, ±1 ms, plus midnights.
          const bases = [...evs.map((e) => e.ts), ...(birth === undefined ? [] : [t0 + birth]), Math.floor(t0 / DAY) * DAY];
          const shifts = [0, ...UNITS.flatMap((u) => [0, 1, 2, 3, 4, 5, 6, 7].map((k) => k * UNIT_MS[u]))];
          const samples = new Set<number>([t0 + 1, end - 1]);
          for (const b of bases) for (const s of shifts) for (const d of [-1, 0, 1]) for (const x of [b + s + d, b - s + d]) samples.add(x);
          for (let i = 0; i < 10; i++) samples.add(t0 + 1 + Math.floor(Math.random() * Math.max(1, end - t0 - 1)));
          for (const t of samples) {
            if (!(t > t0 && t < end)) continue;
            assert.equal(evaluate(cond, v, ctxAt(t)), before, `changed at ${t} (now ${t0}, T ${T}) for ${JSON.stringify(cond)}`);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('invalid input', () => {
  const conds = [within(7), cmp(p('w'), '<', now), exists(occurs(p('w'), { kind: 'absolute', from: p('w'), to: ar('+', p('w'), dur(1, 'day')), inclusive: true })), chain(step(A, rel('<=', 1, 'day')))];
  const weird: unknown[] = [null, undefined, NaN, 'x', [], {}, 1e308, -1e308, Infinity];
  it('never throws and returns undefined or an instant after now', () => {
    for (const w of weird) {
      for (const c of conds) {
        const evs = [{ id: 'a', ts: w as number, event: { eventType: 'A', w } }, null as unknown as EventView];
        const r = nextChangeAt(c, view({ w }, evs), ctxAt(NOW));
        assert.ok(r === undefined || r > NOW);
        assert.equal(typeof evaluateWithNextChange(c, view({ w }, evs), ctxAt(NOW)).value, 'boolean');
      }
    }
  });
  it('invalid now: undefined', () => assert.equal(nextChangeAt(within(7), view({}, [at('1', NOW)]), ctxAt(NaN)), undefined));
});

describe('nextChangeAt: CHAIN ignores windows of events that cannot match', () => {
  it('a B event crossing step A window is irrelevant', () =>
    assert.equal(nextChangeAt(chain(step(A, rel('<=', 2, 'day'))), view({}, [at('1', NOW - DAY, 'B')]), ctxAt(NOW)), undefined));
});
