import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDb } from '../../store/sqlite/open.js';
import { SqliteJourneyStore } from '../store/sqlite-journey-store.js';
import type { JourneyStore } from '../store/journey-store.js';
import { runnerContract } from './runner.contract.js';

// the runner over the real SQLite store: journey.db in a temp dir, a restart = a second connection on the same file
const opened = new Map<JourneyStore, { dir: string; db: SqliteDb }>();
const open = (dir: string) => {
  const db = openSqlite(dir, 'journey');
  const s = new SqliteJourneyStore(db);
  opened.set(s, { dir, db });
  return s;
};

runnerContract('SQLite', {
  create: async () => open(mkdtempSync(join(tmpdir(), 'kith-journey-engine-'))),
  reopen: async (s) => open(opened.get(s)!.dir),
  destroy: async (stores) => {
    const dirs = new Set<string>();
    for (const s of stores) {
      const o = opened.get(s)!;
      o.db.close();
      dirs.add(o.dir);
      opened.delete(s);
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  },
});
