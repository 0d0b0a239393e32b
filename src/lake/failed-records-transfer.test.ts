import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../shared/clock.js';
import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../store/postgres/testing/pg-test-schema.js';
import { transferContract, type TransferSide } from '../store/transfer.contract.js';
import { SqliteFailedRecordsStore } from './sqlite-failed-records-store.js';
import { PgFailedRecordsStore } from './pg-failed-records-store.js';
import { item } from './failed-records-store.contract.js';

type Store = SqliteFailedRecordsStore | PgFailedRecordsStore;
const clock = new ManualClock(1_000_000);
const h = sqliteAdapterHarness('failed-records', (db) => new SqliteFailedRecordsStore(db, clock));
const pg = pgFreshSchemas('failed_transfer');
const sqlite: TransferSide<Store> = { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteFailedRecordsStore) };
const postgres: TransferSide<Store> = { name: 'postgres', create: async () => PgFailedRecordsStore.open({ pool: pg.pool, schema: await pg.fresh(), clock }), destroy: async () => {} };

const violation = { schemaLocation: '#/properties/a', pointerToViolation: '#/a', causingExceptions: [], keyword: 'type', message: 'expected string' };
const row = { id: '1', sandboxId: 's', datasetId: 'd', batchId: 'b', offset: 1, code: 'c', reason: 'r', violations: null, payload: '{}', createdAt: 1, replayedAt: null };

transferContract<Store>(
  'failed-records',
  sqlite,
  postgres,
  async (s) => {
    await s.add([item(1, { violations: [violation] }), item(2, { reason: 'NUL \u0000 in a client value', payload: '{"a":"\\u0000"}' })]);
    clock.advance(1000);
    await s.add([item(3, { batchId: 'B2', datasetId: 'ds-2' }), item(4, { sandboxId: 'sb-2' }), item(5, { payload: 'not json \u0000' })]);
    await s.markReplayed('sb-1', ['2']);
  },
  async (a, b) => {
    for (const q of [{ sandboxId: 'sb-1', limit: 100 }, { sandboxId: 'sb-1', limit: 100, includeReplayed: true }, { sandboxId: 'sb-2', limit: 100 }, { sandboxId: 'sb-1', batchId: 'B2', limit: 10 }])
      assert.deepEqual(await b.list(q), await a.list(q), JSON.stringify(q));
    for (const id of ['1', '2', '4', '99']) assert.deepEqual(await b.get('sb-1', id), await a.get('sb-1', id), id);
    assert.deepEqual(await b.countsByBatch('sb-1'), await a.countsByBatch('sb-1'));
    assert.equal(await b.countBatch('sb-1', 'B1'), await a.countBatch('sb-1', 'B1'));
    assert.deepEqual(await b.firstReasons('sb-1', 'B1', 5), await a.firstReasons('sb-1', 'B1', 5));
  },
  [
    ['an id that is not a row id', [{ ...row, id: 'abc' }]],
    ['a numeric id', [{ ...row, id: 1 }]],
    ['violations that are not a list', [{ ...row, violations: 'bad' }]],
    ['a missing createdAt', [{ ...row, createdAt: undefined }]],
  ],
);

describe('failed records after an import', () => {
  for (const [from, to] of [[sqlite, postgres], [postgres, sqlite]] as const)
    it(`${from.name} → ${to.name}: a record added later gets an id above the imported ones`, async () => {
      const a = await from.create();
      const b = await to.create();
      try {
        await a.add([item(1), item(2), item(3)]);
        for await (const batch of a.exportRows()) await b.importRows(batch);
        await b.add([item(10)]);
        assert.deepEqual((await b.list({ sandboxId: 'sb-1', limit: 10 })).map((r) => [r.id, r.offset]), [['1', 1], ['2', 2], ['3', 3], ['4', 10]]);
      } finally {
        await from.destroy(a);
        await to.destroy(b);
      }
    });
});
