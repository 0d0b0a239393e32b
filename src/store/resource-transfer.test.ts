import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from './sqlite/testing/sqlite-adapter-harness.js';
import { SqliteResourceStore } from './sqlite/sqlite-resource-store.js';
import { PgResourceStore } from './postgres/pg-resource-store.js';
import { pgFreshSchemas } from './postgres/testing/pg-test-schema.js';
import { transferContract } from './transfer.contract.js';
import type { ResourceStore } from './resource-store.js';

type Store = ResourceStore & (SqliteResourceStore | PgResourceStore);
const h = sqliteAdapterHarness('control', (db) => new SqliteResourceStore(db));
const pg = pgFreshSchemas('rs_transfer');

const row = { kind: 'dataset', scope: 'sb', id: 'x', doc: {}, version: 1, uniqueKey: null, createdAt: 1, updatedAt: 1 };

transferContract<Store>(
  'resources',
  { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteResourceStore) },
  { name: 'postgres', create: async () => PgResourceStore.open({ pool: pg.pool, schema: await pg.fresh() }), destroy: (s) => s.close() },
  async (s) => {
    await s.put('dataset', 'sb1', 'a', { name: 'A', nested: { n: 1, list: [1, 'two', null] } });
    await s.put('dataset', 'sb1', 'a', { name: 'A2' }); // version 2
    await s.put('dataset', 'sb2', 'a', { name: 'other sandbox' });
    await s.put('schema', 'sb1', 's1', { title: 'T' }, { uniqueKey: 't' });
    await s.put('schema', 'org:o1', 'Zoë 🚀', { title: 'unicode "quoted"' }, { uniqueKey: 'ü' });
    for (let i = 0; i < 1001; i++) await s.put('batch', 'sb1', `b-${String(i).padStart(4, '0')}`, { i });
  },
  async (a, b) => {
    for (const [kind, scope] of [['dataset', 'sb1'], ['dataset', 'sb2'], ['schema', 'sb1'], ['schema', 'org:o1'], ['batch', 'sb1'], ['nothing', 'sb1']])
      assert.deepEqual(await b.list(kind!, scope!), await a.list(kind!, scope!), `${kind} in ${scope}`);
    assert.equal((await b.get('dataset', 'sb1', 'a'))?.version, 2);
    assert.deepEqual(await b.getByUniqueKey('schema', 'sb1', 't'), await a.getByUniqueKey('schema', 'sb1', 't'));
    assert.deepEqual(await b.getByUniqueKey('schema', 'org:o1', 'ü'), await a.getByUniqueKey('schema', 'org:o1', 'ü'));
    // the unique key came along: another id cannot take it
    assert.deepEqual(await b.put('schema', 'sb1', 's2', {}, { uniqueKey: 't' }), { ok: false, error: 'unique-conflict' });
  },
  [
    ['a version that is not an integer', [{ ...row, version: '1' }]],
    ['a missing doc', [{ ...row, doc: undefined }]],
    ['a numeric id', [{ ...row, id: 7 }]],
  ],
);
