import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { sourceStateStoreContract } from './source-state-store.contract.js';
import { SqliteSourceStateStore } from './sqlite-source-state-store.js';

const h = sqliteAdapterHarness('sources', (db) => new SqliteSourceStateStore(db));
sourceStateStoreContract('sqlite', {
  create: () => h.create(),
  reopen: (s) => h.reopen(s as SqliteSourceStateStore),
  destroy: (s) => h.destroy(s as SqliteSourceStateStore),
});
