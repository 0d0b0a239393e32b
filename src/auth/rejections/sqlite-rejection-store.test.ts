import { sqliteAdapterHarness } from '../../store/sqlite/testing/sqlite-adapter-harness.js';
import { rejectionStoreContract } from './rejection-store.contract.js';
import { SqliteRejectionStore } from './sqlite-rejection-store.js';

const h = sqliteAdapterHarness('gateway', (db, maxRows?: number) => new SqliteRejectionStore(db, maxRows));
const bounds = new Map<object, number | undefined>();
rejectionStoreContract('sqlite', {
  create: async (maxRows) => {
    const s = await h.create(maxRows);
    bounds.set(s, maxRows);
    return s;
  },
  reopen: (s) => h.reopen(s as SqliteRejectionStore, bounds.get(s)),
  destroy: (s) => h.destroy(s as SqliteRejectionStore),
});
