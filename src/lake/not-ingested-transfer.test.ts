import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../shared/clock.js';
import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../store/postgres/testing/pg-test-schema.js';
import { transferContract, type TransferSide } from '../store/transfer.contract.js';
import { SqliteNotIngestedStore } from './sqlite-not-ingested-store.js';
import { PgNotIngestedStore } from './pg-not-ingested-store.js';
import { item } from './not-ingested-store.contract.js';
import { MAX_STORED_RECORD_CHARS } from './not-ingested-store.js';

type Store = SqliteNotIngestedStore | PgNotIngestedStore;
const clock = new ManualClock(1_000_000);
const h = sqliteAdapterHarness('failed-records', (db) => new SqliteNotIngestedStore(db, clock));
const pg = pgFreshSchemas('nip_transfer');
const sqlite: TransferSide<Store> = { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteNotIngestedStore) };
const postgres: TransferSide<Store> = { name: 'postgres', create: async () => PgNotIngestedStore.open({ pool: pg.pool, schema: await pg.fresh(), clock }), destroy: async () => {} };

const stored = { ...item(1), id: '1', truncated: false, createdAt: 1, replayedAt: null };

transferContract<Store>(
  'not-ingested',
  sqlite,
  postgres,
  async (s) => {
    await s.add([item(1), item(2, { isEvent: true, recordId: null, code: 'UNKNOWN_NAMESPACE', reason: 'No usable identity: \u0000Loyalty' })]);
    clock.advance(500);
    await s.add([item(3, { sandboxId: 'sb-2', datasetId: 'ds-2' }), item(4, { record: 'x'.repeat(MAX_STORED_RECORD_CHARS + 10) }), item(5, { batchId: 'B2' })]);
    await s.markReplayed('sb-1', ['1'], 1_000_700);
  },
  async (a, b) => {
    for (const q of [{ sandboxId: 'sb-1', limit: 100 }, { sandboxId: 'sb-1', limit: 100, includeReplayed: true }, { sandboxId: 'sb-2', limit: 100 }, { sandboxId: 'sb-1', code: 'UNKNOWN_NAMESPACE', limit: 10 }])
      assert.deepEqual(await b.list(q), await a.list(q), JSON.stringify(q));
    for (const id of ['1', '2', '4', '99']) assert.deepEqual(await b.get('sb-1', id), await a.get('sb-1', id), id);
    assert.deepEqual(await b.countBatch('sb-1', 'B1'), await a.countBatch('sb-1', 'B1'));
    assert.deepEqual(await b.countsByDataset(['sb-1', 'sb-2']), await a.countsByDataset(['sb-1', 'sb-2']));
    assert.deepEqual(await b.recent(['sb-1', 'sb-2'], 3), await a.recent(['sb-1', 'sb-2'], 3));
    assert.equal((await b.get('sb-1', '4'))?.truncated, true);
  },
  [
    ['isEvent as a number', [{ ...stored, isEvent: 1 }]],
    ['an id of zero', [{ ...stored, id: '0' }]],
    ['a recordId that is a number', [{ ...stored, recordId: 7 }]],
  ],
);

describe('not-ingested records after an import', () => {
  for (const [from, to] of [[sqlite, postgres], [postgres, sqlite]] as const)
    it(`${from.name} → ${to.name}: a record added later gets an id above the imported ones`, async () => {
      const a = await from.create();
      const b = await to.create();
      try {
        await a.add([item(1), item(2)]);
        for await (const batch of a.exportRows()) await b.importRows(batch);
        await b.add([item(10)]);
        assert.deepEqual((await b.list({ sandboxId: 'sb-1', limit: 10 })).map((r) => [r.id, r.offset]), [['1', 1], ['2', 2], ['3', 10]]);
      } finally {
        await from.destroy(a);
        await to.destroy(b);
      }
    });
});
