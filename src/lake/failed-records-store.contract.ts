import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../shared/clock.js';
import type { FailedItem } from '../ingest/processor/processor-ports.js';
import type { FailedRecordsStore } from './failed-records-store.js';

/** A failed record of sandbox sb-1, dataset ds-1, batch B1 at a log offset (the contract's and the transfer test's). */
export const item = (offset: number, extra: Partial<FailedItem> = {}): FailedItem => ({
  sandboxId: 'sb-1',
  datasetId: 'ds-1',
  batchId: 'B1',
  offset,
  code: 'SCHEMA_VALIDATION',
  reason: `bad ${offset}`,
  payload: JSON.stringify({ offset }),
  ...extra,
});

export interface FailedRecordsHarness {
  /** A fresh, empty store (`clock` stamps createdAt and replayedAt). */
  create(clock: ManualClock): Promise<FailedRecordsStore>;
  /** The same data through a new adapter instance (a restart). */
  reopen(s: FailedRecordsStore, clock: ManualClock): Promise<FailedRecordsStore>;
  destroy(s: FailedRecordsStore): Promise<void>;
}

/** The contract every FailedRecordsStore adapter runs. */
export function failedRecordsStoreContract(name: string, h: FailedRecordsHarness): void {
  describe(`FailedRecordsStore contract: ${name}`, () => {
    let s: FailedRecordsStore;
    const clock = new ManualClock(1_000_000);
    before(async () => {
      s = await h.create(clock);
    });
    after(async () => h.destroy(s));

    it('starts empty', async () => {
      assert.deepEqual(await s.list({ sandboxId: 'sb-1', limit: 10 }), []);
      assert.equal(await s.countBatch('sb-1', 'B1'), 0);
      assert.deepEqual(await s.countsByBatch('sb-1'), []);
    });

    it('adds records with reason, violations and payload, and reads them back by id', async () => {
      const violations = [{ pointerToViolation: '#/_id', message: 'required' }] as unknown as FailedItem['violations'];
      await s.add([item(1, { violations }), item(2), item(3, { batchId: 'B2', datasetId: 'ds-2', code: 'PARSE_ERROR', payload: '{not json' })]);
      const all = await s.list({ sandboxId: 'sb-1', limit: 10 });
      assert.equal(all.length, 3);
      assert.deepEqual(all[0], { id: all[0]!.id, ...item(1, { violations }), createdAt: 1_000_000, replayedAt: null });
      assert.deepEqual(await s.get('sb-1', all[2]!.id), all[2]);
      assert.equal(all[2]!.payload, '{not json', 'payload kept byte for byte');
    });

    it('finds the records whose payload mentions a value (ASCII case folded), newest first, replayed ones too, sandbox-scoped', async () => {
      await s.add([
        item(40, { sandboxId: 'search-1', payload: '{"e":{"identityMap":{"Email":[{"id":"Ann@Example.com"}]}}}' }),
        item(41, { sandboxId: 'search-1', payload: '{"e":{"personalEmail":{"address":"ann@example.com"}}}' }),
        item(42, { sandboxId: 'search-1', payload: '{"e":{"personalEmail":{"address":"joann@example.com"}}}' }),
        item(43, { sandboxId: 'search-2', payload: '{"e":"ann@example.com"}' }),
      ]);
      const found = await s.containing('search-1', '"ann@example.com"', 10);
      assert.deepEqual(found.map((r) => r.offset), [41, 40]);
      assert.deepEqual((await s.containing('search-1', '"ANN@example.com"', 1)).map((r) => r.offset), [41]);
      assert.deepEqual((await s.containing('search-2', '"ann@example.com"', 10)).map((r) => r.offset), [43]);
      for (const needle of ['', 'nul\u0000']) assert.deepEqual(await s.containing('search-1', needle, 10), [], `unsearchable ${JSON.stringify(needle)}`);
      assert.deepEqual(await s.containing('search-1', '"ann@example.com"', 0), []);
    });

    it('is idempotent per log offset (a replayed chunk adds nothing, the first row stays)', async () => {
      await s.add([item(1, { reason: 'again' }), item(2), item(2)]);
      const all = await s.list({ sandboxId: 'sb-1', limit: 10 });
      assert.deepEqual(all.map((r) => r.offset), [1, 2, 3]);
      assert.equal(all[0]!.reason, 'bad 1');
    });

    const filters: Array<{ name: string; q: { datasetId?: string; batchId?: string }; offsets: number[] }> = [
      { name: 'all', q: {}, offsets: [1, 2, 3] },
      { name: 'by dataset', q: { datasetId: 'ds-2' }, offsets: [3] },
      { name: 'by batch', q: { batchId: 'B1' }, offsets: [1, 2] },
      { name: 'by dataset and batch', q: { datasetId: 'ds-1', batchId: 'B2' }, offsets: [] },
    ];
    for (const f of filters)
      it(`lists ${f.name}`, async () => {
        assert.deepEqual((await s.list({ sandboxId: 'sb-1', limit: 10, ...f.q })).map((r) => r.offset), f.offsets);
      });

    it('pages with limit and after', async () => {
      const p1 = await s.list({ sandboxId: 'sb-1', limit: 2 });
      const p2 = await s.list({ sandboxId: 'sb-1', limit: 2, after: p1[1]!.id });
      assert.deepEqual([...p1, ...p2].map((r) => r.offset), [1, 2, 3]);
    });

    it('counts per batch, first reasons in offset order', async () => {
      assert.equal(await s.countBatch('sb-1', 'B1'), 2);
      assert.deepEqual(await s.firstReasons('sb-1', 'B1', 1), [{ code: 'SCHEMA_VALIDATION', reason: 'bad 1', offset: 1 }]);
      assert.deepEqual(await s.countsByBatch('sb-1'), [
        { batchId: 'B1', datasetId: 'ds-1', failed: 2, replayed: 0 },
        { batchId: 'B2', datasetId: 'ds-2', failed: 1, replayed: 0 },
      ]);
      assert.deepEqual(await s.countsByBatch('sb-1', 'ds-2'), [{ batchId: 'B2', datasetId: 'ds-2', failed: 1, replayed: 0 }]);
    });

    it('markReplayed hides records from the default list but keeps them', async () => {
      const [first] = await s.list({ sandboxId: 'sb-1', limit: 1 });
      clock.advance(1000);
      await s.markReplayed('sb-1', [first!.id]);
      assert.deepEqual((await s.list({ sandboxId: 'sb-1', limit: 10 })).map((r) => r.offset), [2, 3]);
      assert.deepEqual((await s.list({ sandboxId: 'sb-1', limit: 10, includeReplayed: true })).map((r) => r.offset), [1, 2, 3]);
      assert.equal((await s.get('sb-1', first!.id))!.replayedAt, 1_001_000);
      assert.equal((await s.countsByBatch('sb-1'))[0]!.replayed, 1);
      assert.equal(await s.countBatch('sb-1', 'B1'), 2, 'the batch figure keeps replayed records');
    });

    it('sandboxes are hard partitions', async () => {
      await s.add([item(10, { sandboxId: 'sb-2' })]);
      const [other] = await s.list({ sandboxId: 'sb-2', limit: 10 });
      assert.equal(await s.get('sb-1', other!.id), undefined);
      await s.markReplayed('sb-1', [other!.id]);
      assert.equal((await s.get('sb-2', other!.id))!.replayedAt, null);
      assert.equal((await s.list({ sandboxId: 'sb-1', limit: 10, includeReplayed: true })).length, 3);
      assert.equal(await s.countBatch('sb-2', 'B2'), 0);
    });

    it('reasons and payloads with NUL, quotes, backslashes and unicode round-trip (raw lines of a batch file)', async () => {
      const odd = ['a\u0000b', '\u0001lead', 'q"\\x', 'ü😀', ''];
      await s.add(odd.map((t, i) => item(20 + i, { sandboxId: 'sb-odd', code: 'PARSE_ERROR', reason: `bad ${t}`, payload: t })));
      const got = await s.list({ sandboxId: 'sb-odd', limit: 10 });
      assert.deepEqual(got.map((r) => [r.reason, r.payload]), odd.map((t) => [`bad ${t}`, t]));
      assert.deepEqual((await s.firstReasons('sb-odd', 'B1', 1)).map((r) => r.reason), ['bad a\u0000b']);
    });

    it('survives a restart', async () => {
      s = await h.reopen(s, clock);
      assert.equal((await s.list({ sandboxId: 'sb-1', limit: 10, includeReplayed: true })).length, 3);
      await s.add([item(4)]);
      assert.deepEqual((await s.list({ sandboxId: 'sb-1', limit: 10 })).map((r) => r.offset), [2, 3, 4]);
    });

    describe('invalid input', () => {
      for (const id of ['abc', '', '1.5', '99999999999999999999', '-1', ' 1'])
        it(`get(${JSON.stringify(id)}) is undefined`, async () => assert.equal(await s.get('sb-1', id), undefined));
      it('an empty add and an empty markReplayed are no-ops', async () => {
        await s.add([]);
        await s.markReplayed('sb-1', []);
        assert.equal((await s.list({ sandboxId: 'sb-1', limit: 10, includeReplayed: true })).length, 4);
      });
      it('marking ids that are not ids replayed changes nothing', async () => {
        await s.markReplayed('sb-1', ['nope', '-1', '99999999999999999999']);
        assert.equal((await s.list({ sandboxId: 'sb-1', limit: 10 })).length, 3);
      });
      it('ids with NUL find nothing (request paths)', async () => {
        assert.equal(await s.countBatch('sb-1', '\0'), 0);
        assert.deepEqual(await s.firstReasons('sb-1', 'b\0', 3), []);
        assert.deepEqual(await s.list({ sandboxId: 'sb-1', batchId: '\0', datasetId: 'd\0', limit: 10 }), []);
        assert.deepEqual(await s.countsByBatch('sb\0', '\0'), []);
      });
      it('an after cursor beyond any id (1e308, Infinity) lists nothing', async () => {
        for (const after of ['1e308', 'Infinity', '99999999999999999999999']) assert.deepEqual(await s.list({ sandboxId: 'sb-1', after, limit: 10 }), []);
      });
      it('a non-numeric after cursor starts from the beginning', async () => {
        assert.equal((await s.list({ sandboxId: 'sb-1', limit: 10, after: 'x' })).length, 3);
      });
    });
  });
}
