import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDb } from '../../store/sqlite/open.js';
import { sourceStateStoreContract } from './source-state-store.contract.js';
import { SqliteSourceStateStore } from './sqlite-source-state-store.js';
import type { SourceStateStore } from './source-state-store.js';

const opened = new Map<SourceStateStore, { dir: string; db: SqliteDb }>();
sourceStateStoreContract('sqlite', {
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-source-state-'));
    const db = openSqlite(dir, 'sources');
    const s = new SqliteSourceStateStore(db);
    opened.set(s, { dir, db });
    return s;
  },
  reopen: async (s) => {
    const { dir, db } = opened.get(s)!;
    db.close();
    const again = openSqlite(dir, 'sources');
    const next = new SqliteSourceStateStore(again);
    opened.set(next, { dir, db: again });
    return next;
  },
  destroy: async (s) => {
    const { dir, db } = opened.get(s)!;
    db.close();
    rmSync(dir, { recursive: true, force: true });
  },
});
