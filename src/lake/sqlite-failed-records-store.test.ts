import type { ManualClock } from '../shared/clock.js';
import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { failedRecordsStoreContract } from './failed-records-store.contract.js';
import { SqliteFailedRecordsStore } from './sqlite-failed-records-store.js';

const h = sqliteAdapterHarness('failed-records', (db, clock: ManualClock) => new SqliteFailedRecordsStore(db, clock));
failedRecordsStoreContract('sqlite', {
  create: (clock) => h.create(clock),
  reopen: (s, clock) => h.reopen(s as SqliteFailedRecordsStore, clock),
  destroy: (s) => h.destroy(s as SqliteFailedRecordsStore),
});
