import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailedRecordsStore } from './failed-records-store.js';
import { openSqlite, type SqliteDb } from '../store/sqlite/open.js';
import { ManualClock } from '../shared/clock.js';
import type { FailedItem } from '../ingest/processor/processor-ports.js';

const item = (offset: number, extra: Partial<FailedItem> = {}): FailedItem => ({
  sandboxId: 'sb-1',
  datasetId: 'ds-1',
  batchId: 'B1',
  offset,
  code: 'SCHEMA_VALIDATION',
  reason: `bad ${offset}`,
  payload: JSON.stringify({ offset }),
  ...extra,
});

describe('FailedRecordsStore (SQLite)', () => {
  let dir = '';
  let db: SqliteDb;
  let store: FailedRecordsStore;
  const clock = new ManualClock();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kith-failed-'));
    db = openSqlite(dir, 'failed-records');
    store = new FailedRecordsStore(db, clock);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds records with reason, violations and payload, and reads them back by id', async () => {
    const violations = [{ pointerToViolation: '#/_id', message: 'required' }] as unknown as FailedItem['violations'];
    await store.add([item(1, { violations }), item(2), item(3, { batchId: 'B2', datasetId: 'ds-2', code: 'PARSE_ERROR', payload: '{not json' })]);
    const all = await store.list({ sandboxId: 'sb-1', limit: 10 });
    assert.equal(all.length, 3);
    assert.deepEqual(all[0], { id: all[0]!.id, ...item(1, { violations }), createdAt: clock.now(), replayedAt: null });
    assert.deepEqual(await store.get('sb-1', all[2]!.id), all[2]);
    assert.equal(all[2]!.payload, '{not json', 'payload kept byte for byte');
  });

  it('is idempotent per log offset (a replayed chunk adds nothing)', async () => {
    await store.add([item(1), item(2)]);
    assert.equal((await store.list({ sandboxId: 'sb-1', limit: 10 })).length, 3);
  });

  const filters: Array<{ name: string; q: { datasetId?: string; batchId?: string }; offsets: number[] }> = [
    { name: 'all', q: {}, offsets: [1, 2, 3] },
    { name: 'by dataset', q: { datasetId: 'ds-2' }, offsets: [3] },
    { name: 'by batch', q: { batchId: 'B1' }, offsets: [1, 2] },
    { name: 'by dataset and batch', q: { datasetId: 'ds-1', batchId: 'B2' }, offsets: [] },
  ];
  for (const f of filters)
    it(`lists ${f.name}`, async () => {
      assert.deepEqual((await store.list({ sandboxId: 'sb-1', limit: 10, ...f.q })).map((r) => r.offset), f.offsets);
    });

  it('pages with limit and after', async () => {
    const p1 = await store.list({ sandboxId: 'sb-1', limit: 2 });
    const p2 = await store.list({ sandboxId: 'sb-1', limit: 2, after: p1[1]!.id });
    assert.deepEqual([...p1, ...p2].map((r) => r.offset), [1, 2, 3]);
  });

  it('counts per batch, first reasons in offset order', async () => {
    assert.equal(await store.countBatch('sb-1', 'B1'), 2);
    assert.deepEqual(await store.firstReasons('sb-1', 'B1', 1), [{ code: 'SCHEMA_VALIDATION', reason: 'bad 1', offset: 1 }]);
    assert.deepEqual(await store.countsByBatch('sb-1'), [
      { batchId: 'B1', datasetId: 'ds-1', failed: 2, replayed: 0 },
      { batchId: 'B2', datasetId: 'ds-2', failed: 1, replayed: 0 },
    ]);
    assert.deepEqual(await store.countsByBatch('sb-1', 'ds-2'), [{ batchId: 'B2', datasetId: 'ds-2', failed: 1, replayed: 0 }]);
  });

  it('markReplayed hides records from the default list but keeps them', async () => {
    const [first] = await store.list({ sandboxId: 'sb-1', limit: 1 });
    clock.advance(1000);
    await store.markReplayed('sb-1', [first!.id]);
    assert.deepEqual((await store.list({ sandboxId: 'sb-1', limit: 10 })).map((r) => r.offset), [2, 3]);
    assert.deepEqual((await store.list({ sandboxId: 'sb-1', limit: 10, includeReplayed: true })).map((r) => r.offset), [1, 2, 3]);
    assert.equal((await store.get('sb-1', first!.id))!.replayedAt, clock.now());
    assert.equal((await store.countsByBatch('sb-1'))[0]!.replayed, 1);
  });

  it('sandboxes are hard partitions', async () => {
    await store.add([item(10, { sandboxId: 'sb-2' })]);
    const [other] = await store.list({ sandboxId: 'sb-2', limit: 10 });
    assert.equal(await store.get('sb-1', other!.id), undefined);
    await store.markReplayed('sb-1', [other!.id]);
    assert.equal((await store.get('sb-2', other!.id))!.replayedAt, null);
    assert.equal((await store.list({ sandboxId: 'sb-1', limit: 10, includeReplayed: true })).length, 3);
  });

  describe('_id dedupe index', () => {
    it('remembers ids per dataset and answers which were seen', async () => {
      await store.remember('sb-1/ds-1', ['a', 'b']);
      assert.deepEqual([...(await store.seen('sb-1/ds-1', ['a', 'c', 'b']))].sort(), ['a', 'b']);
      assert.deepEqual([...(await store.seen('sb-1/ds-2', ['a']))], [], 'another dataset');
      await store.remember('sb-1/ds-1', ['a']);
    });

    it('survives a reopen', async () => {
      db.close();
      db = openSqlite(dir, 'failed-records');
      store = new FailedRecordsStore(db, clock);
      assert.deepEqual([...(await store.seen('sb-1/ds-1', ['a', 'z']))], ['a']);
      assert.equal((await store.list({ sandboxId: 'sb-1', limit: 10, includeReplayed: true })).length, 3);
    });

    it('ids with quotes, backslashes, unicode, JSON look-alikes and 5,000 characters round-trip; duplicates in one call are one', async () => {
      const odd = ['a"b', 'c\\d', 'ü-😀', '[1,2]', '{"x":1}', 'null', ' lead', 'x'.repeat(5000), '0', '\u0000nul'];
      await store.remember('sb-1/odd', [...odd, ...odd]);
      assert.deepEqual([...(await store.seen('sb-1/odd', [...odd, 'absent', 'A"B']))].sort(), [...odd].sort());
      assert.deepEqual([...(await store.seen('sb-1/odd', []))], [], 'nothing asked, nothing seen');
      await store.remember('sb-1/odd', []);
    });

    it('checks 20,000 ids against 100,000 remembered quickly enough for the processor', async () => {
      await store.remember('sb-1/big', Array.from({ length: 100_000 }, (_, i) => `id-${i}`));
      const hits = await store.seen('sb-1/big', Array.from({ length: 20_000 }, (_, i) => `id-${i * 10}`));
      assert.equal(hits.size, 10_000);
    });
  });

  describe('invalid input', () => {
    for (const id of ['abc', '', '1.5', '99999999999999999999', '-1'])
      it(`get(${JSON.stringify(id)}) is undefined`, async () => assert.equal(await store.get('sb-1', id), undefined));
    it('an empty add and an empty markReplayed are no-ops', async () => {
      await store.add([]);
      await store.markReplayed('sb-1', []);
      assert.equal((await store.list({ sandboxId: 'sb-1', limit: 10, includeReplayed: true })).length, 3);
    });
    it('a non-numeric after cursor starts from the beginning', async () => {
      assert.equal((await store.list({ sandboxId: 'sb-1', limit: 10, after: 'x' })).length, 2);
    });
  });
});
