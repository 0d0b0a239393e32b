import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eventTypesOf } from '../compile-definition.js';
import { arbCond, arbNow, arbOffset, UNITS } from './test-arbitraries.js';
import { UNIT_MS } from '../pql/ast.js';
import { evaluate, type EventView } from './evaluate.js';
import { evaluateWithNextChange } from './next-change.js';
import { EventsByType } from './event-types.js';
import { DAY, ctxAt, evt, view } from './test-helpers.js';

const at = (id: string, t: number, type: unknown): EventView => evt(id, t, type === undefined ? {} : { eventType: type });

describe('EventsByType', () => {
  const evs = [at('1', 1, 'A'), at('2', 2, 'B'), at('3', 3, 'A'), at('4', 4, 'C')];
  const rows: [string, ReadonlySet<string> | undefined, string[]][] = [
    ['no types: every event', undefined, ['1', '2', '3', '4']],
    ['one type', new Set(['A']), ['1', '3']],
    ['two types, in their order', new Set(['C', 'B']), ['2', '4']],
    ['a type no event has', new Set(['Z']), []],
  ];
  for (const [label, types, want] of rows) it(label, () => assert.deepEqual(new EventsByType(evs).of(types).map((e) => e.id), want));

  describe('invalid input', () => {
    it('events without a string eventType (missing, number, null event) belong to no type', () => {
      const odd = [at('1', 1, undefined), at('2', 2, 7), { id: '3', ts: 3, event: null } as unknown as EventView, at('4', 4, 'A')];
      assert.deepEqual(new EventsByType(odd).of(new Set(['A'])).map((e) => e.id), ['4']);
      assert.equal(new EventsByType(odd).of(undefined).length, 4);
    });
  });
});

describe('evaluating over the required eventTypes only (property)', () => {
  it('gives the same answer, and the answer is constant until its next change', () => {
    let restricted = 0;
    fc.assert(
      fc.property(
        arbCond,
        arbNow,
        fc.array(fc.tuple(arbOffset, fc.constantFrom('A', 'B', 'C')), { maxLength: 7 }),
        fc.boolean(),
        (cond, t0, offsets, flag) => {
          const types = eventTypesOf(cond);
          if (!types) return;
          restricted++;
          const all = offsets.map(([o, type], i) => at(`e${i}`, t0 + o, type));
          const full = view({ flag }, all);
          const some = view({ flag }, new EventsByType(all).of(types));
          const before = evaluate(cond, full, ctxAt(t0));
          const r = evaluateWithNextChange(cond, some, ctxAt(t0));
          assert.equal(evaluate(cond, some, ctxAt(t0)), before);
          assert.equal(r.value, before);
          // the restricted view's next change is never later than the full answer's real change
          const end = r.next ?? t0 + 30 * DAY;
          const shifts = [0, ...UNITS.flatMap((u) => [0, 1, 2, 3, 4, 5, 6].map((k) => k * UNIT_MS[u]))];
          const samples = new Set<number>([t0 + 1, end - 1]);
          for (const e of all) for (const s of shifts) for (const d of [-1, 0, 1]) for (const x of [e.ts + s + d, e.ts - s + d]) samples.add(x);
          for (const t of samples) if (t > t0 && t < end) assert.equal(evaluate(cond, full, ctxAt(t)), before, `changed at ${t} (now ${t0}, next ${r.next}) for ${JSON.stringify(cond)}`);
        },
      ),
      { numRuns: 400 },
    );
    assert.ok(restricted > 50, `only ${restricted} definitions had required types`);
  });
});
