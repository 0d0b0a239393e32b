import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';
import { transferContract } from '../../store/transfer.contract.js';
import { SqliteSourceStateStore } from './sqlite-source-state-store.js';
import { PgSourceStateStore } from './pg-source-state-store.js';

type Store = SqliteSourceStateStore | PgSourceStateStore;
const h = sqliteAdapterHarness('sources', (db) => new SqliteSourceStateStore(db));
const pg = pgFreshSchemas('source_transfer');
const HOUR = 3600_000;
const KEYS = ['shopify:d-1', 'shopify:d-2', 'odd "\u0000" key', 'ü😀', 'expired'];
const sorted = async (p: Promise<Set<string>>) => [...(await p)].sort();

transferContract<Store>(
  'source-state',
  { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteSourceStateStore) },
  { name: 'postgres', create: async () => PgSourceStateStore.open({ pool: pg.pool, schema: await pg.fresh() }), destroy: async () => {} },
  async (s) => {
    await s.remember(['expired'], 0, HOUR);
    await s.remember(KEYS.slice(0, 4), 10 * HOUR, 48 * HOUR);
    await s.recordVersion('order:1', 1_700_000_000_000);
    await s.recordVersion('order:\u00002', 5);
    await s.bump({ 'consent-refused': 3, other: 1 });
    await s.bump({ 'consent-refused': 2 });
  },
  async (a, b) => {
    for (const now of [0, 2 * HOUR, 100 * HOUR]) assert.deepEqual(await sorted(b.seen([...KEYS, 'absent'], now)), await sorted(a.seen([...KEYS, 'absent'], now)), `at ${now}`);
    for (const k of ['order:1', 'order:\u00002', 'order:none']) assert.equal(await b.lastVersion(k), await a.lastVersion(k), k);
    assert.deepEqual(await b.counters(['consent-refused', 'other', 'never']), await a.counters(['consent-refused', 'other', 'never']));
    assert.deepEqual(await b.counters(['consent-refused']), { 'consent-refused': 5 }, 'a counter is set, not added to');
  },
  [
    ['a counter that is not an integer', [{ t: 'counter', key: 'c', n: 1.5 }]],
    ['a seen key without expiry', [{ t: 'seen-key', key: 'k' }]],
  ],
);
