import assert from 'node:assert/strict';
import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { pgFreshSchemas } from '../../store/postgres/testing/pg-test-schema.js';
import { transferContract } from '../../store/transfer.contract.js';
import { SqliteRunMetricsStore } from './sqlite-run-metrics-store.js';
import { PgRunMetricsStore } from './pg-run-metrics-store.js';
import type { RunDelta } from './run-metrics-store.js';

type Store = SqliteRunMetricsStore | PgRunMetricsStore;
const h = sqliteAdapterHarness('failed-records', (db) => new SqliteRunMetricsStore(db));
const pg = pgFreshSchemas('flow_runs_transfer');
const H = 3_600_000;
const d = (over: Partial<RunDelta>): RunDelta => ({
  sandboxId: 'sb', flowId: 'f', connectionId: 'c', datasetId: 'd', windowStart: H, runId: 'r1', windowMs: H,
  counts: { received: 2, ingested: 1, failed: 1, profileIngested: 1, inputBytes: 99 }, errors: { MAPPING_ERROR: 1 }, firstAt: H + 1, lastAt: H + 2, at: H + 3, ...over,
});

transferContract<Store>(
  'flow-runs',
  { name: 'sqlite', create: () => h.create(), destroy: (s) => h.destroy(s as SqliteRunMetricsStore) },
  { name: 'postgres', create: async () => PgRunMetricsStore.open({ pool: pg.pool, schema: await pg.fresh() }), destroy: async () => {} },
  async (s) => {
    await s.add('lake', 10, [d({}), d({ datasetId: 'd2', flowId: '', runId: 'r2', errors: { 'odd code ü': 2 } })]);
    await s.add('profile', 7, [d({ counts: { profileNotIngested: 1 }, errors: {} })]);
  },
  async (a, b) => {
    assert.deepEqual(await b.rows({ sandboxId: 'sb' }), await a.rows({ sandboxId: 'sb' }));
    assert.deepEqual(await b.errors('sb', ['r1', 'r2']), await a.errors('sb', ['r1', 'r2']));
    assert.equal(await b.mark('lake'), 10);
    assert.equal(await b.mark('profile'), 7);
    assert.equal((await b.rows({ sandboxId: 'sb', runId: 'r1' }))[0]!.received, 2, 'a count is set, not added to');
  },
  [
    ['a count that is not an integer', [{ t: 'count', sandboxId: 's', flowId: '', connectionId: '', datasetId: 'd', windowStart: 0, runId: 'r', windowMs: 1, received: 1.5 }]],
    ['a mark without offset', [{ t: 'mark', stage: 'lake' }]],
  ],
);
