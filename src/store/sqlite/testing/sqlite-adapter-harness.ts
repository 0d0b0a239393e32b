import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SqliteDb } from '../open.js';

/**
 * What a contract suite needs of a SQLite adapter under test: a store over a real file in a fresh temp dir, the same
 * file opened again (a restart), and removal. `make` builds the adapter over a connection (and the suite's extra
 * argument, e.g. its clock); `dbOf` gives a test the connection behind a store (fault injection).
 */
export function sqliteAdapterHarness<S extends object, A extends unknown[] = []>(file: string, make: (db: SqliteDb, ...args: A) => S) {
  const opened = new Map<S, { dir: string; db: SqliteDb }>();
  return {
    create: async (...args: A): Promise<S> => {
      const dir = mkdtempSync(join(tmpdir(), `kith-${file}-`));
      const db = openSqlite(dir, file);
      const s = make(db, ...args);
      opened.set(s, { dir, db });
      return s;
    },
    reopen: async (s: S, ...args: A): Promise<S> => {
      const { dir, db } = opened.get(s)!;
      db.close();
      const again = openSqlite(dir, file);
      const next = make(again, ...args);
      opened.delete(s);
      opened.set(next, { dir, db: again });
      return next;
    },
    destroy: async (s: S): Promise<void> => {
      const { dir, db } = opened.get(s)!;
      db.close();
      rmSync(dir, { recursive: true, force: true });
      opened.delete(s);
    },
    dbOf: (s: S): SqliteDb => opened.get(s)!.db,
  };
}
