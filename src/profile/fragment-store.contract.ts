import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Fragment, FragmentStore, ProfileWriter, StoredEvent, WriteScopeItem } from './fragment-store.js';
import type { IdentityRef } from './identity-resolver.js';

/** The contract every FragmentStore adapter runs. `create` returns a fresh, empty store. */
export function fragmentStoreContract(name: string, create: () => Promise<FragmentStore>): void {
  describe(`FragmentStore contract: ${name}`, () => {
    let s: FragmentStore;
    before(async () => {
      s = await create();
    });
    after(async () => s.close());
    const CAP = 3;
    const ev = (eventId: string, ts: number, over: Partial<StoredEvent> = {}): StoredEvent => ({
      eventId, namespace: 'ECID', id: 'e1', datasetId: 'dsE', batchId: 'b1', ts, event: { _id: eventId, timestamp: new Date(ts).toISOString() }, ingestedAt: ts, ...over,
    });
    const frag = (sandboxId: string, f: Partial<Fragment> & Pick<Fragment, 'datasetId' | 'namespace' | 'id'>): WriteScopeItem & { f: Fragment } => ({
      sandboxId, ref: { namespace: f.namespace, id: f.id }, f: { leaves: {}, tags: [], updatedAt: 1, ...f },
    });
    /** Puts fragments, one unit of work. */
    const put = (...items: Array<WriteScopeItem & { f: Fragment }>) => s.write(items, (w) => items.forEach((x) => w.putFragment(x.sandboxId, x.f)));
    /** Adds events (in order) under `cap`, one unit of work; the writer's answers. */
    const add = (sandboxId: string, events: StoredEvent[], cap = CAP, json?: string[]) =>
      s.write(events.map((e) => ({ sandboxId, ref: e, event: { eventId: e.eventId, cap } })), (w) => events.map((e, i) => w.addEvent(sandboxId, e, cap, json?.[i])));
    const ids = (rows: StoredEvent[]) => rows.map((e) => e.eventId);
    const refKeys = (refs: IdentityRef[]) => refs.map((r) => `${r.namespace.toLowerCase()}:${r.id}`).sort();

    it('puts and gets a fragment; namespaces are case-insensitive; sandboxes are partitions', async () => {
      await put(frag('sb1', { datasetId: 'd1', namespace: 'Email', id: 'a@x', leaves: { n: ['A', 1] }, tags: ['b1'], updatedAt: 5 }));
      const got = await s.write([{ sandboxId: 'sb1', ref: { namespace: 'email', id: 'a@x' } }, { sandboxId: 'sb2', ref: { namespace: 'Email', id: 'a@x' } }], (w) => [
        w.getFragment('sb1', 'd1', { namespace: 'email', id: 'a@x' }),
        w.getFragment('sb2', 'd1', { namespace: 'Email', id: 'a@x' }),
        w.getFragment('sb1', 'd-none', { namespace: 'Email', id: 'a@x' }),
      ]);
      assert.deepEqual(got[0], { datasetId: 'd1', namespace: 'Email', id: 'a@x', leaves: { n: ['A', 1] }, tags: ['b1'], updatedAt: 5 });
      assert.equal(got[1], undefined, 'another sandbox');
      assert.equal(got[2], undefined, 'another dataset');
      await put(frag('sb1', { datasetId: 'd2', namespace: 'Email', id: 'a@x', updatedAt: 6 }));
      assert.deepEqual((await s.fragmentsOf('sb1', [{ namespace: 'EMAIL', id: 'a@x' }])).map((f) => f.datasetId), ['d1', 'd2']);
    });

    it('reads fragments of several identities in identity, then dataset order', async () => {
      await put(
        frag('sbO', { datasetId: 'z', namespace: 'CRMID', id: 'c' }),
        frag('sbO', { datasetId: 'a', namespace: 'CRMID', id: 'c' }),
        frag('sbO', { datasetId: 'm', namespace: 'ECID', id: 'e' }),
      );
      const got = await s.fragmentsOf('sbO', [{ namespace: 'ECID', id: 'e' }, { namespace: 'nobody', id: 'x' }, { namespace: 'crmid', id: 'c' }]);
      assert.deepEqual(got.map((f) => `${f.id}/${f.datasetId}`), ['e/m', 'c/a', 'c/z']);
    });

    it('a unit of work sees its own writes, and a fragment read and not put is not changed', async () => {
      const ref = { namespace: 'Email', id: 'own@x' };
      const out = await s.write([{ sandboxId: 'sbW', ref }, { sandboxId: 'sbW', ref, event: { eventId: 'w1', cap: CAP } }, { sandboxId: 'sbW', ref, event: { eventId: 'w1', cap: CAP } }], (w) => {
        w.putFragment('sbW', { datasetId: 'd', namespace: 'Email', id: 'own@x', leaves: { a: [1, 1] }, tags: ['t'], updatedAt: 1 });
        const f = w.getFragment('sbW', 'd', ref)!;
        f.leaves.b = [2, 2]; // a caller's copy: not stored until put
        const again = w.getFragment('sbW', 'd', ref);
        w.putCa('sbW', 'ca', ref, { '1': { sum: 2, count: 1, max: 2, min: 2, latestTs: 1, latest: 2 } });
        return { again, first: w.addEvent('sbW', ev('w1', 1, ref), CAP), dup: w.addEvent('sbW', ev('w1', 1, ref), CAP), ca: w.getCa('sbW', 'ca', { namespace: 'EMAIL', id: 'own@x' }) };
      });
      assert.deepEqual(out.again?.leaves, { a: [1, 1] });
      assert.deepEqual([out.first.inserted, out.first.count, out.dup.inserted, out.dup.count], [true, 1, false, 1]);
      assert.equal(out.ca?.['1']?.sum, 2);
      assert.deepEqual(await s.caStates('sbW', 'ca', [ref]), [{ '1': { sum: 2, count: 1, max: 2, min: 2, latestTs: 1, latest: 2 } }]);
    });

    it('dedupes events by _id and ages out the oldest beyond the cap', async () => {
      assert.equal((await add('sb1', [ev('x1', 10)]))[0]!.inserted, true);
      assert.equal((await add('sb1', [ev('x1', 10)]))[0]!.inserted, false);
      await add('sb1', [ev('x2', 5)]);
      await add('sb1', [ev('x3', 30)]);
      const [r] = await add('sb1', [ev('x4', 20)]);
      assert.equal(r!.count, 3);
      assert.deepEqual(r!.evicted.map((e) => [e.eventId, e.ts, e.batchId, e.event._id]), [['x2', 5, 'b1', 'x2']]);
      assert.deepEqual(ids(await s.events('sb1', [{ namespace: 'ECID', id: 'e1' }], { order: 'asc', limit: 10 })), ['x1', 'x4', 'x3']);
    });

    it('ages out within one unit of work: stored and new events by time, a late event at once', async () => {
      const who = { namespace: 'Phone', id: 'cap' };
      const e = (id: string, ts: number) => ev(id, ts, who);
      await add('sbK', [e('k-10', 10), e('k-20', 20), e('k-30', 30)]);
      // 40 and 50 push out 10 and 20; 5 and 20 (aged out a moment before) are older than all kept: they go at once
      const rs = await add('sbK', [e('k-40', 40), e('k-5', 5), e('k-50', 50), e('k-20', 20)]);
      assert.deepEqual(rs.map((r) => [r.inserted, r.count, ids(r.evicted)]), [
        [true, 3, ['k-10']],
        [true, 3, ['k-5']],
        [true, 3, ['k-20']],
        [true, 3, ['k-20']],
      ]);
      assert.deepEqual(ids(await s.events('sbK', [who], { order: 'asc', limit: 10 })), ['k-30', 'k-40', 'k-50']);
      assert.equal(await s.countEvents('sbK', [who]), 3);
    });

    it('a re-delivered chunk changes nothing twice', async () => {
      const who = { namespace: 'ECID', id: 'again' };
      const chunk = async () =>
        s.write([{ sandboxId: 'sbR', ref: who }, ...['r1', 'r2'].map((eventId) => ({ sandboxId: 'sbR', ref: who, event: { eventId, cap: 10 } }))], (w) => {
          const f = w.getFragment('sbR', 'd', who) ?? { datasetId: 'd', namespace: who.namespace, id: who.id, leaves: {}, tags: [], updatedAt: 1 };
          if (!f.tags.includes('b')) f.tags.push('b');
          w.putFragment('sbR', f);
          return [w.addEvent('sbR', ev('r1', 1, who), 10), w.addEvent('sbR', ev('r2', 2, who), 10)].map((r) => r.inserted);
        });
      assert.deepEqual(await chunk(), [true, true]);
      assert.deepEqual(await chunk(), [false, false]);
      assert.equal(await s.countEvents('sbR', [who]), 2);
      assert.deepEqual((await s.fragmentsOf('sbR', [who])).map((f) => f.tags), [['b']]);
    });

    it('stores the encoded body a caller passes as given (it is not encoded again), else encodes the event', async () => {
      const e = ev('j1', 7);
      const body = { ...e.event, nested: { unicode: 'ü-😀', n: 1.5, nul: 'a\u0000b' } };
      assert.equal((await add('sbJ', [e], CAP, [JSON.stringify(body)]))[0]!.inserted, true);
      await add('sbJ', [ev('j2', 8)]);
      const back = await s.events('sbJ', [{ namespace: e.namespace, id: e.id }], { order: 'asc', limit: 10 });
      assert.deepEqual(back.map((x) => x.event), [body, ev('j2', 8).event]);
    });

    it('queries events by window, order, cursor and limit, over several identities', async () => {
      const refs = [{ namespace: 'ECID', id: 'e1' }];
      const cases: Array<[string, Parameters<FragmentStore['events']>[2], string[]]> = [
        ['newest first', { order: 'desc', limit: 10 }, ['x3', 'x4', 'x1']],
        ['start inclusive, end exclusive', { order: 'asc', limit: 10, startTime: 10, endTime: 30 }, ['x1', 'x4']],
        ['cursor inclusive, ascending', { order: 'asc', limit: 1, from: { ts: 20, eventId: 'x4' } }, ['x4']],
        ['cursor inclusive, descending', { order: 'desc', limit: 10, from: { ts: 20, eventId: 'x4' } }, ['x4', 'x1']],
        ['limit', { order: 'asc', limit: 2 }, ['x1', 'x4']],
      ];
      for (const [what, q, want] of cases) assert.deepEqual(ids(await s.events('sb1', refs, q)), want, what);
      assert.equal((await s.findEvent('sb1', refs, 'x3'))?.ts, 30);
      assert.equal(await s.findEvent('sb1', refs, 'x2'), undefined, 'aged out');
      assert.equal(await s.countEvents('sb1', refs), 3);
      // same time: by event id; two identities merge in one order
      const a = { namespace: 'ECID', id: 'ta' }, b = { namespace: 'ECID', id: 'tb' };
      await add('sbT', [ev('t-b', 5, a), ev('t-a', 5, a), ev('t-c', 1, a)]);
      await add('sbT', [ev('u-a', 3, b)]);
      assert.deepEqual(ids(await s.events('sbT', [a, b], { order: 'asc', limit: 10 })), ['t-c', 'u-a', 't-a', 't-b']);
      assert.deepEqual(ids(await s.events('sbT', [a, b], { order: 'desc', limit: 10, from: { ts: 5, eventId: 't-a' } })), ['t-a', 'u-a', 't-c']);
      assert.equal((await s.findEvent('sbT', [a, b], 'u-a'))?.id, 'tb');
    });

    it('counts events per identity through inserts, duplicates, evictions and deletions', async () => {
      const ref = { namespace: 'Phone', id: 'c1' };
      const e = (id: string, ts: number, batchId = 'bc1') => ev(id, ts, { namespace: 'Phone', id: 'c1', batchId, datasetId: 'dsC' });
      const one = async (x: StoredEvent) => (await add('sbC', [x]))[0]!.count;
      const steps: Array<[string, () => Promise<number>, number]> = [
        ['first event', () => one(e('c-1', 1)), 1],
        ['a duplicate is not counted', () => one(e('c-1', 1)), 1],
        ['second, in another batch', () => one(e('c-2', 2, 'bc2')), 2],
        ['third', () => one(e('c-3', 3)), 3],
        ['beyond the cap: the oldest ages out', () => one(e('c-4', 4)), 3],
        ['countEvents agrees', () => s.countEvents('sbC', [ref]), 3],
        ['deleting a batch', async () => (await s.deleteByBatch('sbC', 'bc2'), s.countEvents('sbC', [ref])), 2],
        ['an insert after it counts from there', () => one(e('c-5', 5)), 3],
        ['deleting the identity', async () => (await s.deleteIdentities('sbC', [ref]), s.countEvents('sbC', [ref])), 0],
        ['starts again from one', () => one(e('c-6', 6)), 1],
        ['deleting the dataset', async () => (await s.deleteByDataset('sbC', 'dsC'), s.countEvents('sbC', [ref])), 0],
        ['an unknown identity has none', () => s.countEvents('sbC', [{ namespace: 'Phone', id: 'nobody' }]), 0],
      ];
      for (const [what, run, want] of steps) assert.equal(await run(), want, what);
    });

    it('lists every identity with a fragment or an event, once, per sandbox; and those with events', async () => {
      assert.deepEqual(refKeys(await s.allRefs('sb1')), ['ecid:e1', 'email:a@x']);
      assert.deepEqual(refKeys(await s.allEventRefs('sb1')), ['ecid:e1']);
      assert.deepEqual(await s.allRefs('sb-none'), []);
      assert.deepEqual(await s.allEventRefs('sb-none'), []);
    });

    it('stores computed-attribute state per identity; deletes one attribute or all of a sandbox', async () => {
      const e1 = { namespace: 'ECID', id: 'e1' }, e2 = { namespace: 'ECID', id: 'e2' };
      const st = (sum: number) => ({ '1': { sum, count: 1, max: sum, min: sum, latestTs: 1, latest: sum } });
      await s.write([{ sandboxId: 'sb1', ref: e1 }, { sandboxId: 'sb1', ref: e2 }], (w) => {
        w.putCa('sb1', 'ca1', e1, st(1));
        w.putCa('sb1', 'ca1', e2, st(2));
        w.putCa('sb1', 'ca2', e1, st(3));
      });
      await s.write([{ sandboxId: 'sb1', ref: e1 }], (w) => w.putCa('sb1', 'ca1', e1, st(4)));
      assert.deepEqual((await s.caStates('sb1', 'ca1', [e2, { namespace: 'ecid', id: 'e1' }, { namespace: 'ECID', id: 'none' }])).map((x) => x['1']!.sum), [2, 4]);
      await s.deleteCa('sb1', 'ca1');
      assert.deepEqual(await s.caStates('sb1', 'ca1', [e1, e2]), []);
      assert.equal((await s.caStates('sb1', 'ca2', [e1])).length, 1);
      await s.deleteCa('sb1');
      assert.deepEqual(await s.caStates('sb1', 'ca2', [e1]), []);
    });

    it('deletes by batch, by dataset and by identity', async () => {
      const c1 = { namespace: 'CRMID', id: 'c1' };
      await put(
        frag('sb1', { datasetId: 'd3', namespace: 'CRMID', id: 'c1', leaves: { a: [1, 1] }, tags: ['bOnly'] }),
        frag('sb1', { datasetId: 'd4', namespace: 'CRMID', id: 'c1', leaves: { a: [1, 1] }, tags: ['bOnly', 'bOther'] }),
      );
      const b = await s.deleteByBatch('sb1', 'bOnly');
      assert.deepEqual(b, { removed: 2, identities: [c1] });
      assert.deepEqual((await s.fragmentsOf('sb1', [c1])).map((f) => [f.datasetId, f.tags, f.leaves]), [['d4', ['bOther'], { a: [1, 1] }]]);
      const d = await s.deleteByDataset('sb1', 'dsE');
      assert.equal(d.removed, 3);
      assert.deepEqual(refKeys(d.identities), ['ecid:e1']);
      assert.equal(await s.countEvents('sb1', [{ namespace: 'ECID', id: 'e1' }]), 0);
      await s.write([{ sandboxId: 'sb1', ref: c1 }], (w) => w.putCa('sb1', 'ca', c1, {}));
      assert.equal(await s.deleteIdentities('sb1', [{ namespace: 'Email', id: 'a@x' }, { namespace: 'crmid', id: 'c1' }]), 4, 'two fragments of a@x, one of c1, its state');
      assert.equal((await s.fragmentsOf('sb1', [{ namespace: 'Email', id: 'a@x' }, c1])).length, 0);
      assert.deepEqual(await s.caStates('sb1', 'ca', [c1]), []);
    });

    it('writes nothing when the unit of work throws', async () => {
      const who = { namespace: 'ECID', id: 'rollback' };
      await assert.rejects(
        s.write([{ sandboxId: 'sbX', ref: who, event: { eventId: 'rb1', cap: CAP } }], (w) => {
          w.putFragment('sbX', { datasetId: 'd', namespace: who.namespace, id: who.id, leaves: { a: [1, 1] }, tags: [], updatedAt: 1 });
          w.addEvent('sbX', ev('rb1', 1, who), CAP);
          w.putCa('sbX', 'ca', who, {});
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.deepEqual(await s.fragmentsOf('sbX', [who]), []);
      assert.equal(await s.countEvents('sbX', [who]), 0);
      assert.deepEqual(await s.caStates('sbX', 'ca', [who]), []);
      assert.deepEqual(await s.allRefs('sbX'), []);
      // and the store goes on
      assert.equal((await add('sbX', [ev('rb1', 1, who)]))[0]!.inserted, true);
    });

    describe('invalid input', () => {
      const none: IdentityRef[] = [];
      const cases: Array<[string, () => Promise<unknown>, unknown]> = [
        ['an empty unit of work', () => s.write([], () => 'ran'), 'ran'],
        ['events of no identity', () => s.events('sb1', none, { order: 'asc', limit: 10 }), []],
        ['fragments of no identity', () => s.fragmentsOf('sb1', none), []],
        ['counting no identity', () => s.countEvents('sb1', none), 0],
        ['an unknown event', () => s.findEvent('sb1', [{ namespace: 'ECID', id: 'e1' }], 'nope'), undefined],
        ['an event of no identity', () => s.findEvent('sb1', none, 'x1'), undefined],
        ['states of no identity', () => s.caStates('sb1', 'ca', none), []],
        ['deleting no identity', () => s.deleteIdentities('sb1', none), 0],
        ['deleting an unknown identity', () => s.deleteIdentities('sb1', [{ namespace: 'X', id: 'nobody' }]), 0],
        ['deleting an unknown dataset', () => s.deleteByDataset('sb1', 'none'), { removed: 0, identities: [] }],
        ['deleting an unknown batch', () => s.deleteByBatch('sb1', 'none'), { removed: 0, identities: [] }],
        ['deleting the state of an unknown attribute', () => s.deleteCa('sb1', 'none'), undefined],
      ];
      for (const [what, run, want] of cases) it(what, async () => assert.deepEqual(await run(), want));

      it('a batch id with LIKE wildcards or quotes deletes only that batch', async () => {
        const who = { namespace: 'ECID', id: 'wild' };
        await put(frag('sbL', { datasetId: 'd1', namespace: 'ECID', id: 'wild', tags: ['bX'] }), frag('sbL', { datasetId: 'd2', namespace: 'ECID', id: 'wild', tags: ['b%', 'b"q\\'] }));
        await add('sbL', [ev('l1', 1, { ...who, batchId: 'b_' }), ev('l2', 2, { ...who, batchId: 'bX' })]);
        for (const batch of ['b%', 'b_', 'b"q\\']) await s.deleteByBatch('sbL', batch);
        assert.deepEqual((await s.fragmentsOf('sbL', [who])).map((f) => [f.datasetId, f.tags]), [['d1', ['bX']]]);
        assert.deepEqual(ids(await s.events('sbL', [who], { order: 'asc', limit: 10 })), ['l2']);
      });

      it('ids, namespaces, datasets, batches, tags and leaves with NUL, quotes and unicode round-trip', async () => {
        const odd = { namespace: 'Ns"\u0000ü', id: '\u0001id\u0000😀\'' };
        const f: Fragment = { datasetId: 'ds\u0000"', namespace: odd.namespace, id: odd.id, leaves: { 'a.b': ['v\u0000"😀', 3], n: [null, 1] }, tags: ['t\u0000', "t'"], updatedAt: 9 };
        await put({ sandboxId: 'sb\u0000', ref: odd, f });
        const e = ev('ev\u0000"', 4, { ...odd, datasetId: 'ds\u0000"', batchId: 'b\u0000' });
        await add('sb\u0000', [e]);
        assert.deepEqual(await s.fragmentsOf('sb\u0000', [{ namespace: odd.namespace.toUpperCase(), id: odd.id }]), [f]);
        assert.deepEqual(await s.findEvent('sb\u0000', [odd], 'ev\u0000"'), e);
        assert.deepEqual(await s.allRefs('sb\u0000'), [odd]);
        assert.deepEqual(await s.deleteByBatch('sb\u0000', 'b\u0000'), { removed: 1, identities: [odd] });
        assert.deepEqual((await s.deleteByDataset('sb\u0000', 'ds\u0000"')).removed, 1);
      });

      it('an identity or event outside the scope is refused, or is simply written (adapters that need no scope)', async () => {
        const who = { namespace: 'ECID', id: 'outside' };
        const tried = await s.write([], (w: ProfileWriter) => {
          try {
            w.addEvent('sbS', ev('o1', 1, who), CAP);
            return 'written';
          } catch (e) {
            return (e as Error).message;
          }
        });
        if (tried === 'written') assert.equal(await s.countEvents('sbS', [who]), 1);
        else assert.match(tried, /scope/);
      });
    });
  });
}
