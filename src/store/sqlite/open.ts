import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type SqliteDb = Database.Database;

/**
 * Opens (creating if needed) `<dataDir>/<name>.db` with the settings every context uses:
 * WAL journal, synchronous=NORMAL by default (FULL for the ingest log, where an ack must survive power loss),
 * a 64 MB page cache and a busy timeout. `:memory:` as dataDir gives an in-memory database (tests only).
 */
export function openSqlite(dataDir: string, name: string, opts: { synchronous?: 'NORMAL' | 'FULL' } = {}): SqliteDb {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, `${name}.db`);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
  db.pragma('cache_size = -65536');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}
