import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../shared/clock.js';
import { MAX_STORED_RECORD_CHARS, type NotIngestedItem, type NotIngestedStore } from './not-ingested-store.js';

export const item = (offset: number, extra: Partial<NotIngestedItem> = {}): NotIngestedItem => ({
  sandboxId: 'sb-1',
  orgId: 'org-1',
  datasetId: 'ds-1',
  batchId: 'B1',
  offset,
  recordId: `r-${offset}`,
  xactionId: `x-${offset}`,
  isEvent: false,
  receivedAt: 1000 + offset,
  code: 'NO_IDENTITY',
  reason: 'The record carries no identity',
  record: JSON.stringify({ _id: `r-${offset}` }),
  ...extra,
});

/** The contract every NotIngestedStore adapter runs (a fresh, empty store per suite; `clock` stamps createdAt). */
export function notIngestedStoreContract(name: string, create: (clock: ManualClock) => Promise<NotIngestedStore>, destroy: (s: NotIngestedStore) => Promise<void>): void {
  describe(`NotIngestedStore contract: ${name}`, () => {
    let s: NotIngestedStore;
    const clock = new ManualClock(1_000_000);
    before(async () => {
      s = await create(clock);
    });
    after(async () => destroy(s));

    it('starts empty', async () => {
      assert.deepEqual(await s.list({ sandboxId: 'sb-1', limit: 10 }), []);
      assert.deepEqual(await s.countBatch('sb-1', 'B1'), { total: 0, reasons: [] });
      assert.deepEqual(await s.countsByDataset(['sb-1']), []);
    });

    it('stores every field and reads it back, by listing and by id', async () => {
      await s.add([item(1), item(2, { isEvent: true, recordId: null, code: 'UNKNOWN_NAMESPACE', reason: 'No usable identity: Loyalty:7 (unknown namespace)' })]);
      const all = await s.list({ sandboxId: 'sb-1', limit: 10 });
      assert.equal(all.length, 2);
      const { id, createdAt, replayedAt, truncated, ...rest } = all[1]!;
      assert.deepEqual(rest, item(2, { isEvent: true, recordId: null, code: 'UNKNOWN_NAMESPACE', reason: 'No usable identity: Loyalty:7 (unknown namespace)' }));
      assert.equal(createdAt, 1_000_000);
      assert.equal(replayedAt, null);
      assert.equal(truncated, false);
      assert.deepEqual(await s.get('sb-1', id), all[1]);
    });

    it('keeps text with U+0000 as sent (client ids, reasons quoting client values, records), and filters by it', async () => {
      const nul = item(900, { sandboxId: 'sb-nul', recordId: 'r\u0000900', datasetId: 'ds\u0000nul', reason: 'Email:a\u0000b (blocked value)', record: JSON.stringify({ _id: 'r\u0000900' }) });
      await s.add([nul]);
      const [row] = await s.list({ sandboxId: 'sb-nul', datasetId: 'ds\u0000nul', limit: 10 });
      assert.ok(row);
      assert.deepEqual([row.recordId, row.datasetId, row.reason, row.record], [nul.recordId, nul.datasetId, nul.reason, nul.record]);
      assert.deepEqual((await s.get('sb-nul', row.id))?.reason, nul.reason);
      assert.deepEqual((await s.countBatch('sb-nul', 'B1')).reasons.map((r) => r.reason), [nul.reason]);
      assert.deepEqual((await s.countsByDataset(['sb-nul']))[0]?.datasetId, nul.datasetId);
    });

    it('is idempotent per offset: a re-delivered record is counted once, with its latest reason', async () => {
      await s.add([item(1), item(1)]);
      await s.add([item(2, { isEvent: true, recordId: null, code: 'UNKNOWN_NAMESPACE', reason: 'again' })]);
      const all = await s.list({ sandboxId: 'sb-1', limit: 10 });
      assert.deepEqual(all.map((r) => r.offset), [1, 2]);
      assert.equal(all[1]!.reason, 'again');
      assert.deepEqual(await s.countBatch('sb-1', 'B1'), {
        total: 2,
        reasons: [
          { code: 'NO_IDENTITY', reason: 'The record carries no identity', count: 1 },
          { code: 'UNKNOWN_NAMESPACE', reason: 'again', count: 1 },
        ],
      });
    });

    it('filters by dataset, batch, reason code and time, and pages by id', async () => {
      clock.advance(60_000);
      await s.add([item(3, { datasetId: 'ds-2', batchId: 'B2' }), item(4, { datasetId: 'ds-2', batchId: 'B2', code: 'NO_PRIMARY_IDENTITY' }), item(5, { sandboxId: 'sb-2' })]);
      const offsets = async (q: Partial<Parameters<NotIngestedStore['list']>[0]>) => (await s.list({ sandboxId: 'sb-1', limit: 10, ...q })).map((r) => r.offset);
      assert.deepEqual(await offsets({ datasetId: 'ds-2' }), [3, 4]);
      assert.deepEqual(await offsets({ batchId: 'B1' }), [1, 2]);
      assert.deepEqual(await offsets({ code: 'NO_IDENTITY' }), [1, 3]);
      assert.deepEqual(await offsets({ since: 1_060_000 }), [3, 4]);
      const page1 = await s.list({ sandboxId: 'sb-1', limit: 3 });
      assert.deepEqual(page1.map((r) => r.offset), [1, 2, 3]);
      assert.deepEqual(await offsets({ after: page1[2]!.id }), [4]);
    });

    it('is sandbox-scoped', async () => {
      assert.deepEqual((await s.list({ sandboxId: 'sb-2', limit: 10 })).map((r) => r.offset), [5]);
      const other = (await s.list({ sandboxId: 'sb-2', limit: 1 }))[0]!;
      assert.equal(await s.get('sb-1', other.id), undefined);
      assert.deepEqual(await s.countBatch('sb-2', 'B2'), { total: 0, reasons: [] });
    });

    it('counts per dataset of the given sandboxes, and lists the newest', async () => {
      const counts = await s.countsByDataset(['sb-1']);
      assert.deepEqual(
        counts.map((d) => [d.sandboxId, d.datasetId, d.count, d.replayed, d.reasons.map((r) => `${r.code}:${r.count}`)]),
        [
          ['sb-1', 'ds-1', 2, 0, ['NO_IDENTITY:1', 'UNKNOWN_NAMESPACE:1']],
          ['sb-1', 'ds-2', 2, 0, ['NO_IDENTITY:1', 'NO_PRIMARY_IDENTITY:1']],
        ],
      );
      assert.equal(counts[1]!.lastAt, 1_060_000);
      assert.deepEqual((await s.countsByDataset(['sb-1', 'sb-2'])).map((d) => d.sandboxId), ['sb-1', 'sb-1', 'sb-2']);
      assert.deepEqual((await s.recent(['sb-1'], 2)).map((r) => r.offset), [4, 3]);
    });

    it('replayed rows leave the listing and the live counts (not the batch figure) until their record fails again', async () => {
      const [first] = await s.list({ sandboxId: 'sb-1', limit: 1 });
      await s.markReplayed('sb-1', [first!.id], 2_000_000);
      assert.deepEqual((await s.list({ sandboxId: 'sb-1', limit: 10 })).map((r) => r.offset), [2, 3, 4]);
      assert.equal((await s.list({ sandboxId: 'sb-1', limit: 10, includeReplayed: true }))[0]!.replayedAt, 2_000_000);
      const ds1 = (await s.countsByDataset(['sb-1']))[0]!;
      assert.deepEqual([ds1.count, ds1.replayed], [1, 1]);
      assert.equal((await s.countBatch('sb-1', 'B1')).total, 2);
      await s.add([item(1, { code: 'UNKNOWN_NAMESPACE', reason: 'still unknown' })]);
      const back = await s.get('sb-1', first!.id);
      assert.deepEqual([back?.replayedAt, back?.code], [null, 'UNKNOWN_NAMESPACE']);
    });

    it('finds the rows whose record mentions a value (ASCII case folded), newest first, sandbox-scoped', async () => {
      await s.add([
        item(60, { sandboxId: 'search-1', record: '{"identityMap":{"Email":[{"id":"Zed@Example.com"}]}}' }),
        item(61, { sandboxId: 'search-1', record: '{"personalEmail":{"address":"zed@example.com"}}' }),
        item(62, { sandboxId: 'search-2', record: '{"x":"zed@example.com"}' }),
      ]);
      assert.deepEqual((await s.containing('search-1', '"zed@example.com"', 10)).map((r) => r.offset), [61, 60]);
      assert.deepEqual((await s.containing('search-2', '"ZED@example.com"', 10)).map((r) => r.offset), [62]);
      assert.deepEqual(await s.containing('search-1', '', 10), []);
      assert.deepEqual(await s.containing('search-1', '"nobody@example.com"', 10), []);
    });

    it('bounds the stored record', async () => {
      await s.add([item(9, { sandboxId: 'sb-3', record: 'x'.repeat(MAX_STORED_RECORD_CHARS + 10) })]);
      const [r] = await s.list({ sandboxId: 'sb-3', limit: 1 });
      assert.equal(r!.record.length, MAX_STORED_RECORD_CHARS);
      assert.equal(r!.truncated, true);
    });

    describe('invalid input', () => {
      const cases: Array<[string, () => Promise<unknown>, unknown]> = [
        ['an id that is not a number', () => s.get('sb-1', 'abc'), undefined],
        ['an id past the safe integers', () => s.get('sb-1', '99999999999999999999'), undefined],
        ['paging after a non-number', async () => (await s.list({ sandboxId: 'sb-1', limit: 1, after: 'zzz' })).length, 1],
        ['counts of no sandboxes', () => s.countsByDataset([]), []],
        ['since past any time (1e308)', async () => (await s.list({ sandboxId: 'sb-1', limit: 10, since: 1e308 })).length, 0],
        ['paging after 1e308', async () => (await s.list({ sandboxId: 'sb-1', limit: 10, after: '1e308' })).length, 0],
        ['an empty add', () => s.add([]), undefined],
        ['marking unknown ids replayed', () => s.markReplayed('sb-1', ['123456', 'nope'], 1), undefined],
      ];
      for (const [label, run, want] of cases) it(label, async () => assert.deepEqual(await run(), want));
    });
  });
}
