import { sqliteAdapterHarness } from '../store/sqlite/testing/sqlite-adapter-harness.js';
import { seenIdsContract } from './seen-ids.contract.js';
import { SqliteSeenIds } from './sqlite-seen-ids.js';

const h = sqliteAdapterHarness('failed-records', (db) => new SqliteSeenIds(db));
seenIdsContract('sqlite', {
  create: () => h.create(),
  reopen: (s) => h.reopen(s as SqliteSeenIds),
  destroy: (s) => h.destroy(s as SqliteSeenIds),
  refuseMarks: async (s) => {
    const db = h.dbOf(s as SqliteSeenIds);
    db.exec(`CREATE TEMP TRIGGER refuse_update BEFORE UPDATE ON seen_marks BEGIN SELECT RAISE(ABORT, 'disk full'); END;
      CREATE TEMP TRIGGER refuse_insert BEFORE INSERT ON seen_marks BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    return async () => void db.exec('DROP TRIGGER temp.refuse_update; DROP TRIGGER temp.refuse_insert;');
  },
});
