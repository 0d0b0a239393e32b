import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDb } from '../store/sqlite/open.js';
import { failedRecordsStoreContract } from './failed-records-store.contract.js';
import { SqliteFailedRecordsStore } from './sqlite-failed-records-store.js';
import type { FailedRecordsStore } from './failed-records-store.js';

const opened = new Map<FailedRecordsStore, { dir: string; db: SqliteDb }>();
failedRecordsStoreContract('sqlite', {
  create: async (clock) => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-failed-'));
    const db = openSqlite(dir, 'failed-records');
    const s = new SqliteFailedRecordsStore(db, clock);
    opened.set(s, { dir, db });
    return s;
  },
  reopen: async (s, clock) => {
    const { dir, db } = opened.get(s)!;
    db.close();
    const again = openSqlite(dir, 'failed-records');
    const next = new SqliteFailedRecordsStore(again, clock);
    opened.set(next, { dir, db: again });
    return next;
  },
  destroy: async (s) => {
    const { dir, db } = opened.get(s)!;
    db.close();
    rmSync(dir, { recursive: true, force: true });
  },
});
