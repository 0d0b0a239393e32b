import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDb } from '../store/sqlite/open.js';
import type { SeenIds } from '../ingest/processor/processor-ports.js';
import { seenIdsContract } from './seen-ids.contract.js';
import { SqliteSeenIds } from './sqlite-seen-ids.js';

const opened = new Map<SeenIds, { dir: string; db: SqliteDb }>();
seenIdsContract('sqlite', {
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-seen-ids-'));
    const db = openSqlite(dir, 'failed-records');
    const s = new SqliteSeenIds(db);
    opened.set(s, { dir, db });
    return s;
  },
  reopen: async (s) => {
    const { dir, db } = opened.get(s)!;
    db.close();
    const again = openSqlite(dir, 'failed-records');
    const next = new SqliteSeenIds(again);
    opened.set(next, { dir, db: again });
    return next;
  },
  destroy: async (s) => {
    const { dir, db } = opened.get(s)!;
    db.close();
    rmSync(dir, { recursive: true, force: true });
  },
  refuseMarks: async (s) => {
    const { db } = opened.get(s)!;
    db.exec(`CREATE TEMP TRIGGER refuse_update BEFORE UPDATE ON seen_marks BEGIN SELECT RAISE(ABORT, 'disk full'); END;
      CREATE TEMP TRIGGER refuse_insert BEFORE INSERT ON seen_marks BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    return async () => void db.exec('DROP TRIGGER temp.refuse_update; DROP TRIGGER temp.refuse_insert;');
  },
});
