import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ChainStep } from '../pql/ast.js';
import { evaluateChain, stepAccepts, type EventView } from './evaluate.js';
import { NOW, ctxAt, evt, rel, step, typeIs, view } from './test-helpers.js';
import { durationMs } from './values.js';

/** Every assignment of events to steps, checked literally against the CHAIN definition in ast.ts. */
function bruteForce(steps: ChainStep[], evs: EventView[]): boolean {
  const v = view({}, evs);
  const ctx = ctxAt(NOW);
  const pick: EventView[] = [];
  const go = (i: number): boolean => {
    if (i === steps.length) return true;
    for (const e of evs) {
      if (i > 0 && !(e.ts > pick[i - 1].ts)) continue;
      if (!stepAccepts(steps[i], e, v, ctx)) continue;
      const w = steps[i].when;
      if (w?.kind === 'afterStep') {
        if (!(w.step >= 0 && w.step < i)) continue;
        const d = e.ts - pick[w.step].ts;
        const lim = durationMs(w.amount, w.unit);
        if (!(d > 0 && (w.cmp === '<' ? d < lim : d <= lim))) continue;
      }
      pick[i] = e;
      if (go(i + 1)) return true;
    }
    return false;
  };
  return go(0);
}

describe('CHAIN search agrees with brute force', () => {
  it('on random small chains and event sets', () => {
    const arbStep = (i: number) =>
      fc.tuple(fc.constantFrom('A', 'B', 'C'), fc.option(fc.oneof(fc.integer({ min: 1, max: 4 }).map((h) => rel('<=', h, 'hour')), fc.tuple(fc.integer({ min: 0, max: Math.max(0, i - 1) }), fc.integer({ min: 1, max: 3 }), fc.constantFrom<'<' | '<='>('<', '<=')).map(([k, h, c]) => ({ kind: 'afterStep' as const, step: k, cmp: c, amount: h, unit: 'hour' as const }))), { nil: undefined })).map(([t, w]) =>
        step(typeIs(t), i === 0 && w?.kind === 'afterStep' ? undefined : w),
      );
    const arbSteps = fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbStep(i))));
    const arbEvents = fc.array(fc.tuple(fc.constantFrom('A', 'B', 'C'), fc.integer({ min: -6, max: 1 })), { maxLength: 7 }).map((xs) => xs.map(([t, h], i) => evt(`e${i}`, NOW + h * 3_600_000, { eventType: t })));
    fc.assert(
      fc.property(arbSteps, arbEvents, (steps, evs) => {
        assert.equal(evaluateChain(steps, view({}, evs), ctxAt(NOW)), bruteForce(steps, evs));
      }),
      { numRuns: 3000 },
    );
  });
});
