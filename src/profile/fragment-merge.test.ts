import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyLeaves, flatten, mergeFragments, pickFields, recordEventTime, type Fragment, type Leaves } from './fragment-merge.js';

const frag = (datasetId: string, leaves: Leaves, updatedAt = 0, id = 'u1'): Fragment => ({ datasetId, namespace: 'CRMID', id, leaves, tags: [], updatedAt });
function upsert(stored: Leaves, rec: Record<string, unknown>, ts: number): Leaves {
  applyLeaves(stored, flatten(rec, ts));
  return stored;
}

describe('applyLeaves (per-attribute event time)', () => {
  const cases: Array<{ name: string; writes: Array<[Record<string, unknown>, number]>; want: Record<string, unknown> }> = [
    { name: 'newer overwrites', writes: [[{ a: 1 }, 1], [{ a: 2 }, 2]], want: { a: 2 } },
    { name: 'late record does not overwrite', writes: [[{ a: 2 }, 2], [{ a: 1 }, 1]], want: { a: 2 } },
    { name: 'replay of the same record is idempotent', writes: [[{ a: 1, b: 1 }, 5], [{ a: 1, b: 1 }, 5]], want: { a: 1, b: 1 } },
    { name: 'partial update only touches its leaves', writes: [[{ p: { n: { f: 'J', l: 'D' } } }, 1], [{ p: { n: { f: 'Jane' } } }, 2]], want: { p: { n: { f: 'Jane', l: 'D' } } } },
    { name: 'late partial keeps newer leaf, fills missing', writes: [[{ p: { f: 'Jane' } }, 5], [{ p: { f: 'Old', l: 'Doe' } }, 1]], want: { p: { f: 'Jane', l: 'Doe' } } },
    { name: 'arrays are whole values', writes: [[{ tags: [1, 2, 3] }, 1], [{ tags: [9] }, 2]], want: { tags: [9] } },
    { name: 'newer scalar replaces older object', writes: [[{ a: { b: 1 } }, 1], [{ a: 'x' }, 2]], want: { a: 'x' } },
    { name: 'older scalar does not replace newer object', writes: [[{ a: { b: 1 } }, 2], [{ a: 'x' }, 1]], want: { a: { b: 1 } } },
    { name: 'maps merge per key', writes: [[{ segmentMembership: { ups: { s1: { status: 'realized' } } } }, 1], [{ segmentMembership: { ups: { s2: { status: 'realized' } } } }, 2]], want: { segmentMembership: { ups: { s1: { status: 'realized' }, s2: { status: 'realized' } } } } },
  ];
  for (const c of cases)
    it(c.name, () => {
      const s: Leaves = {};
      for (const [r, t] of c.writes) upsert(s, r, t);
      assert.deepEqual(mergeFragments([frag('d', s)], { type: 'timestampOrdered' }), c.want);
    });

  it('property: final state does not depend on arrival order (distinct event times)', () => {
    const arb = fc.uniqueArray(fc.record({ ts: fc.integer({ min: 0, max: 1000 }), a: fc.option(fc.integer(), { nil: undefined }), b: fc.option(fc.string(), { nil: undefined }) }), { selector: (x) => x.ts, minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(arb, (writes) => {
        const recs = writes.map((w) => [Object.fromEntries(Object.entries({ a: w.a, b: w.b }).filter(([, v]) => v !== undefined)), w.ts] as const);
        const s1: Leaves = {}, s2: Leaves = {};
        for (const [r, t] of recs) upsert(s1, r, t);
        for (const [r, t] of [...recs].sort((x, y) => x[1] - y[1])) upsert(s2, r, t);
        // replay everything once more: no change
        for (const [r, t] of recs) upsert(s1, r, t);
        assert.deepEqual(mergeFragments([frag('d', s1)], { type: 'timestampOrdered' }), mergeFragments([frag('d', s2)], { type: 'timestampOrdered' }));
      }),
    );
  });
});

describe('mergeFragments', () => {
  const a = frag('dsA', flatten({ name: 'A-old', email: 'a@x', tier: 'gold' }, 10), 100);
  const b = frag('dsB', flatten({ name: 'B-new', phone: '1' }, 20), 50);
  it('timestampOrdered: newest event time per attribute across fragments', () => {
    assert.deepEqual(mergeFragments([a, b], { type: 'timestampOrdered' }), { name: 'B-new', email: 'a@x', tier: 'gold', phone: '1' });
    assert.deepEqual(mergeFragments([b, a], { type: 'timestampOrdered' }), { name: 'B-new', email: 'a@x', tier: 'gold', phone: '1' });
  });
  it('dataSetPrecedence: first listed dataset wins regardless of time', () => {
    assert.deepEqual(mergeFragments([a, b], { type: 'dataSetPrecedence', order: ['dsA', 'dsB'] }), { name: 'A-old', email: 'a@x', tier: 'gold', phone: '1' });
    assert.deepEqual(mergeFragments([a, b], { type: 'dataSetPrecedence', order: ['dsB', 'dsA'] }), { name: 'B-new', email: 'a@x', tier: 'gold', phone: '1' });
  });
  it('dataSetPrecedence: datasets not listed are not merged', () => {
    assert.deepEqual(mergeFragments([a, b], { type: 'dataSetPrecedence', order: ['dsB'] }), { name: 'B-new', phone: '1' });
  });
  it('identityMap arrays are unioned across fragments', () => {
    const x = frag('d1', flatten({ identityMap: { Email: [{ id: 'a@x' }], ECID: [{ id: 'e1' }] } }, 1));
    const y = frag('d2', flatten({ identityMap: { Email: [{ id: 'b@x' }, { id: 'a@x' }] } }, 2), 0, 'u2');
    assert.deepEqual(mergeFragments([x, y], { type: 'timestampOrdered' }), { identityMap: { Email: [{ id: 'a@x' }, { id: 'b@x' }], ECID: [{ id: 'e1' }] } });
  });
  it('ties on event time go to the fragment written last', () => {
    const p = frag('d1', flatten({ v: 'first' }, 5), 1);
    const q = frag('d2', flatten({ v: 'second' }, 5), 2);
    assert.deepEqual(mergeFragments([q, p], { type: 'timestampOrdered' }), { v: 'second' });
  });
});

describe('helpers', () => {
  it('pickFields keeps dotted paths', () => {
    assert.deepEqual(pickFields({ person: { name: { f: 'J', l: 'D' }, g: 'x' }, w: 1 }, ['person.name.f', 'w', 'missing.x']), { person: { name: { f: 'J' } }, w: 1 });
  });
  const t = Date.UTC(2025, 0, 2);
  const cases: Array<[string, Record<string, unknown>, number]> = [
    ['extSourceSystemAudit.lastUpdatedDate', { extSourceSystemAudit: { lastUpdatedDate: new Date(t).toISOString() } }, t],
    ['epoch number', { extSourceSystemAudit: { lastUpdatedDate: t } }, t],
    ['falls back to ingestion time', { a: 1 }, 42],
  ];
  for (const [name, rec, want] of cases) it(`recordEventTime: ${name}`, () => assert.equal(recordEventTime(rec, 42), want));
  describe('invalid input', () => {
    it('recordEventTime ignores an unparsable date', () => assert.equal(recordEventTime({ extSourceSystemAudit: { lastUpdatedDate: 'nope' } }, 7), 7));
    it('dataSetPrecedence with an empty order merges nothing', () => assert.deepEqual(mergeFragments([frag('d', flatten({ a: 1 }, 1))], { type: 'dataSetPrecedence', order: [] }), {}));
  });
});
