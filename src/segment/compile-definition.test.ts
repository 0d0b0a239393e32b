import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePql } from './pql/parser.js';
import { compileDefinition, eventTypesOf, profilePaths } from './compile-definition.js';
import type { SegmentDefinition } from './segment-types.js';

const root = (pql: string) => {
  const r = parsePql(pql);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  return r.value.root;
};
const ev = (event: Record<string, unknown>) => ({ id: 'e', ts: Date.UTC(2026, 0, 1), event });

describe('compileDefinition', () => {
  const types: Array<[string, string[] | undefined]> = [
    ['xEvent[eventType = "a"].count() >= 1', ['a']],
    ['xEvent[eventType = "a" and commerce.order.priceTotal > 3].exists() or xEvent[eventType.equals("b")].count() > 2', ['a', 'b']],
    ['xEvent[eventType in ["a", "c"]].exists()', ['a', 'c']],
    ['xEvent[commerce.order.priceTotal > 3].exists()', undefined],
    ['xEvent.count() > 3', undefined],
    ['xEvent[eventType.equals("a", false)].exists()', undefined],
    ['xEvent[eventType = "a" or commerce.order.priceTotal > 3].exists()', undefined],
    ['homeAddress.countryCode = "US"', []],
  ];
  for (const [pql, want] of types)
    it(`event types of ${pql}`, () => {
      const got = eventTypesOf(root(pql));
      assert.deepEqual(got ? [...got].sort() : undefined, want);
    });

  it('the eventType check never drops an event the full prefilter keeps', () => {
    const pql = 'xEvent[eventType = "a" and commerce.order.priceTotal > 3].exists() or xEvent[eventType = "b"].count() > 2';
    const c = compileDefinition({ id: 'x' } as SegmentDefinition, root(pql)).compiled;
    assert.equal(c.prefilter(ev({ eventType: 'a', commerce: { order: { priceTotal: 5 } } })), true);
    assert.equal(c.prefilter(ev({ eventType: 'b' })), true);
    assert.equal(c.prefilter(ev({ eventType: 'c' })), false);
    assert.equal(c.prefilter(ev({})), false);
  });

  it('reports what a definition reads', () => {
    const c = compileDefinition({ id: 'x' } as SegmentDefinition, root('computedAttributes.ltv > 100 and xEvent[eventType = "a" and timestamp occurs <= 3 days before now].exists()')).compiled;
    assert.equal(c.readsComputedAttributes, true);
    assert.equal(c.usesEvents, true);
    assert.equal(c.usesNow, true);
    assert.deepEqual(profilePaths(root('a.b = 1 and c = 2')), [['a', 'b'], ['c']]);
  });

  describe('invalid input', () => {
    it('an event with a non-string eventType does not pass a typed filter', () => {
      const c = compileDefinition({ id: 'x' } as SegmentDefinition, root('xEvent[eventType = "a"].exists()')).compiled;
      assert.equal(c.prefilter(ev({ eventType: ['a'] })), false);
      assert.equal(c.prefilter(ev({ eventType: null })), false);
    });
  });
});
