import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';
import { transferContract } from '../../store/transfer.contract.js';
import { SqliteRejectionStore } from './sqlite-rejection-store.js';
import { PgRejectionStore } from './pg-rejection-store.js';
import type { GatewayRejection } from './rejection-store.js';

type Store = SqliteRejectionStore | PgRejectionStore;
const h = sqliteAdapterHarness('gateway', (db) => new SqliteRejectionStore(db));
const pg = pgFreshSchemas('rejection_transfer');
const r = (x: Partial<GatewayRejection>): GatewayRejection => ({ orgId: 'O@AdobeOrg', clientId: 'kith_ak_x', reason: 'invalidApiKey', errorCode: '403003', sandboxName: 'prod', detail: 'unknown API key', ...x });

transferContract<Store>(
  'gateway-rejections',
  { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteRejectionStore) },
  { name: 'postgres', create: async () => PgRejectionStore.open({ pool: pg.pool, schema: await pg.fresh() }), destroy: async () => {} },
  async (s) => {
    await s.record([{ ...r({}), count: 3, at: 1000 }, { ...r({ reason: 'revokedToken', errorCode: '401013', orgId: 'odd\u0000org' }), count: 1, at: 2000 }]);
    await s.record([{ ...r({ detail: 'later' }), count: 2, at: 4000 }]);
  },
  async (a, b) => {
    assert.deepEqual(await b.list({ limit: 100 }), await a.list({ limit: 100 }));
    assert.deepEqual((await b.list({ limit: 100 })).map((x) => x.count), [5, 1], 'counts are set, not added to');
  },
  [
    ['a row with an unknown reason', [{ ...r({}), reason: 'nope', count: 1, firstAt: 1, lastAt: 1 }]],
    ['a row with a zero count', [{ ...r({}), count: 0, firstAt: 1, lastAt: 1 }]],
  ],
);
