import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { runMetricsStoreContract } from './run-metrics-store.contract.js';
import { SqliteRunMetricsStore } from './sqlite-run-metrics-store.js';

const h = sqliteAdapterHarness('failed-records', (db) => new SqliteRunMetricsStore(db));
runMetricsStoreContract('sqlite', {
  create: () => h.create(),
  reopen: (s) => h.reopen(s as SqliteRunMetricsStore),
  destroy: (s) => h.destroy(s as SqliteRunMetricsStore),
});
