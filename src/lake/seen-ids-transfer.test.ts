import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../store/postgres/testing/pg-test-schema.js';
import { transferContract } from '../store/transfer.contract.js';
import { SqliteSeenIds } from './sqlite-seen-ids.js';
import { PgSeenIds } from './pg-seen-ids.js';

type Store = SqliteSeenIds | PgSeenIds;
const h = sqliteAdapterHarness('failed-records', (db) => new SqliteSeenIds(db));
const pg = pgFreshSchemas('seen_transfer');
const ODD = ['a"b', 'c\\d', 'ü-😀', '[1,2]', 'null', ' lead', 'x'.repeat(5000), '0', '\u0000nul', '\u0001lead'];
const many = Array.from({ length: 2500 }, (_, i) => `id-${i}`);
const sorted = async (p: Promise<Set<string>>) => [...(await p)].sort();

transferContract<Store>(
  'seen-ids',
  { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteSeenIds) },
  { name: 'postgres', create: async () => PgSeenIds.open({ pool: pg.pool, schema: await pg.fresh() }), destroy: async () => {} },
  async (s) => {
    await s.remember('sb/odd', ODD);
    await s.remember('sb/\u0000key', ['a']);
    await s.rememberThrough('lake', 40, new Map([['sb/many', many], ['sb/a', ['a1']]]));
    await s.rememberThrough('other', 7, new Map());
  },
  async (a, b) => {
    for (const [k, ids] of [['sb/odd', [...ODD, 'absent', 'A"B', 'nul']], ['sb/\u0000key', ['a', 'b']], ['sb/many', [...many, 'id-2500']], ['sb/a', ['a1', 'id-1']]] as const)
      assert.deepEqual(await sorted(b.seen(k, [...ids])), await sorted(a.seen(k, [...ids])), k);
    for (const c of ['lake', 'other', 'never']) assert.equal(await b.rememberedThrough(c), await a.rememberedThrough(c), c);
  },
  [
    ['an id that is a number', [{ t: 'id', datasetKey: 'sb/a', id: 1 }]],
    ['a mark without an offset', [{ t: 'mark', consumer: 'lake' }]],
  ],
);
