import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FragmentStore, StoredEvent } from './fragment-store.js';

/** The contract every FragmentStore adapter runs. `create` returns a fresh, empty store. */
export function fragmentStoreContract(name: string, create: () => FragmentStore): void {
  describe(`FragmentStore contract: ${name}`, () => {
    let s: FragmentStore;
    before(() => {
      s = create();
    });
    after(() => s.close());
    const ev = (eventId: string, ts: number, over: Partial<StoredEvent> = {}): StoredEvent => ({
      eventId, namespace: 'ECID', id: 'e1', datasetId: 'dsE', batchId: 'b1', ts, event: { _id: eventId, timestamp: new Date(ts).toISOString() }, ingestedAt: ts, ...over,
    });

    it('puts and gets a fragment; namespaces are case-insensitive', () => {
      s.putFragment('sb1', { datasetId: 'd1', namespace: 'Email', id: 'a@x', leaves: { n: ['A', 1] }, tags: ['b1'], updatedAt: 5 });
      assert.deepEqual(s.getFragment('sb1', 'd1', { namespace: 'email', id: 'a@x' })?.leaves, { n: ['A', 1] });
      assert.equal(s.getFragment('sb2', 'd1', { namespace: 'Email', id: 'a@x' }), undefined, 'sandboxes are partitions');
      s.putFragment('sb1', { datasetId: 'd2', namespace: 'Email', id: 'a@x', leaves: {}, tags: [], updatedAt: 6 });
      assert.equal(s.fragmentsOf('sb1', [{ namespace: 'EMAIL', id: 'a@x' }]).length, 2);
    });
    it('dedupes events by _id and ages out the oldest beyond the cap', () => {
      assert.equal(s.addEvent('sb1', ev('x1', 10), 3).inserted, true);
      assert.equal(s.addEvent('sb1', ev('x1', 10), 3).inserted, false);
      s.addEvent('sb1', ev('x2', 5), 3);
      s.addEvent('sb1', ev('x3', 30), 3);
      const r = s.addEvent('sb1', ev('x4', 20), 3);
      assert.equal(r.count, 3);
      assert.deepEqual(r.evicted.map((e) => e.eventId), ['x2']);
      assert.deepEqual(s.events('sb1', [{ namespace: 'ECID', id: 'e1' }], { order: 'asc', limit: 10 }).map((e) => e.eventId), ['x1', 'x4', 'x3']);
    });
    it('stores the encoded body a caller passes as given (it is not encoded again), else encodes the event', () => {
      const e = ev('j1', 7);
      const body = { ...e.event, nested: { unicode: 'ü-😀', n: 1.5 } };
      assert.equal(s.addEvent('sbJ', e, 3, JSON.stringify(body)).inserted, true);
      s.addEvent('sbJ', ev('j2', 8), 3);
      const back = s.events('sbJ', [{ namespace: e.namespace, id: e.id }], { order: 'asc', limit: 10 });
      assert.deepEqual(back.map((x) => x.event), [body, ev('j2', 8).event]);
    });
    it('queries events by window, order, cursor and limit', () => {
      const refs = [{ namespace: 'ECID', id: 'e1' }];
      assert.deepEqual(s.events('sb1', refs, { order: 'desc', limit: 10 }).map((e) => e.eventId), ['x3', 'x4', 'x1']);
      assert.deepEqual(s.events('sb1', refs, { order: 'asc', limit: 10, startTime: 10, endTime: 30 }).map((e) => e.eventId), ['x1', 'x4']);
      assert.deepEqual(s.events('sb1', refs, { order: 'asc', limit: 1, from: { ts: 20, eventId: 'x4' } }).map((e) => e.eventId), ['x4']);
      assert.equal(s.findEvent('sb1', refs, 'x3')?.ts, 30);
      assert.equal(s.countEvents('sb1', refs), 3);
    });
    it('counts events per identity through inserts, duplicates, evictions and deletions', () => {
      const ref = { namespace: 'Phone', id: 'c1' };
      const e = (id: string, ts: number, batchId = 'bc1') => ev(id, ts, { namespace: 'Phone', id: 'c1', batchId, datasetId: 'dsC' });
      const steps: Array<[string, () => number | undefined, number]> = [
        ['first event', () => s.addEvent('sbC', e('c-1', 1), 3).count, 1],
        ['a duplicate is not counted', () => s.addEvent('sbC', e('c-1', 1), 3).count, 1],
        ['second, in another batch', () => s.addEvent('sbC', e('c-2', 2, 'bc2'), 3).count, 2],
        ['third', () => s.addEvent('sbC', e('c-3', 3), 3).count, 3],
        ['beyond the cap: the oldest ages out', () => s.addEvent('sbC', e('c-4', 4), 3).count, 3],
        ['countEvents agrees', () => s.countEvents('sbC', [ref]), 3],
        ['deleting a batch', () => (s.deleteByBatch('sbC', 'bc2'), s.countEvents('sbC', [ref])), 2],
        ['an insert after it counts from there', () => s.addEvent('sbC', e('c-5', 5), 3).count, 3],
        ['deleting the identity', () => (s.deleteIdentity('sbC', ref), s.countEvents('sbC', [ref])), 0],
        ['starts again from one', () => s.addEvent('sbC', e('c-6', 6), 3).count, 1],
        ['deleting the dataset', () => (s.deleteByDataset('sbC', 'dsC'), s.countEvents('sbC', [ref])), 0],
        ['an unknown identity has none', () => s.countEvents('sbC', [{ namespace: 'Phone', id: 'nobody' }]), 0],
      ];
      for (const [what, run, want] of steps) assert.equal(run(), want, what);
    });
    it('lists every identity with a fragment or an event, once, per sandbox', () => {
      const refs = s.allRefs('sb1').map((r) => `${r.namespace.toLowerCase()}:${r.id}`).sort();
      assert.deepEqual(refs, ['ecid:e1', 'email:a@x']);
      assert.deepEqual(s.allRefs('sb-none'), []);
    });
    it('stores computed-attribute state per identity', () => {
      s.putCa('sb1', 'ca1', { namespace: 'ECID', id: 'e1' }, { '1': { sum: 1, count: 1, max: 1, min: 1, latestTs: 1, latest: 1 } });
      assert.equal(s.getCa('sb1', 'ca1', { namespace: 'ecid', id: 'e1' })?.['1']?.sum, 1);
      s.deleteCa('sb1', 'ca1');
      assert.equal(s.getCa('sb1', 'ca1', { namespace: 'ECID', id: 'e1' }), undefined);
    });
    it('deletes by batch, by dataset and by identity', () => {
      s.putFragment('sb1', { datasetId: 'd3', namespace: 'CRMID', id: 'c1', leaves: { a: [1, 1] }, tags: ['bOnly'], updatedAt: 1 });
      s.putFragment('sb1', { datasetId: 'd4', namespace: 'CRMID', id: 'c1', leaves: { a: [1, 1] }, tags: ['bOnly', 'bOther'], updatedAt: 1 });
      const b = s.deleteByBatch('sb1', 'bOnly');
      assert.deepEqual(b.identities, [{ namespace: 'CRMID', id: 'c1' }]);
      assert.equal(s.getFragment('sb1', 'd3', { namespace: 'CRMID', id: 'c1' }), undefined);
      assert.deepEqual(s.getFragment('sb1', 'd4', { namespace: 'CRMID', id: 'c1' })?.tags, ['bOther']);
      const d = s.deleteByDataset('sb1', 'dsE');
      assert.equal(d.removed, 3);
      assert.equal(s.countEvents('sb1', [{ namespace: 'ECID', id: 'e1' }]), 0);
      assert.ok(s.deleteIdentity('sb1', { namespace: 'Email', id: 'a@x' }) >= 2);
      assert.equal(s.fragmentsOf('sb1', [{ namespace: 'Email', id: 'a@x' }]).length, 0);
    });
  });
}
