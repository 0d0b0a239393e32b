import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type SqliteDb = Database.Database;

/** How long a connection waits for another's write lock (SQLite's busy handler) before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Runs `fn` with the connection's busy timeout at 0: a statement that needs a lock another connection holds fails at
 * once with SQLITE_BUSY instead of sleeping in SQLite's busy handler (which blocks the thread). Restored after.
 */
export function withoutBusyWait<T>(db: SqliteDb, fn: () => T): T {
  db.pragma('busy_timeout = 0');
  try {
    return fn();
  } finally {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

/** True for SQLite's "another connection holds the lock" error. */
export const isBusy = (e: unknown): boolean => (e as { code?: string } | undefined)?.code === 'SQLITE_BUSY';

/**
 * Opens (creating if needed) `<dataDir>/<name>.db` with the settings every context uses:
 * WAL journal, synchronous=NORMAL by default (FULL for the ingest log, where an ack must survive power loss),
 * a 64 MB page cache and a busy timeout. `:memory:` as dataDir gives an in-memory database (tests only).
 *
 * `cacheMiB`: a connection that reads a file another connection writes (READER_CACHE_MIB) gains nothing from a big
 * cache: SQLite empties a connection's cache at its first read after another connection committed, and emptying
 * walks the cache's whole hash table, sized by the most pages it ever held.
 */
export function openSqlite(dataDir: string, name: string, opts: { synchronous?: 'NORMAL' | 'FULL'; cacheMiB?: number } = {}): SqliteDb {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, `${name}.db`);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
  db.pragma(`cache_size = -${Math.max(1, Math.round((opts.cacheMiB ?? 64) * 1024))}`);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('foreign_keys = ON');
  walAutocheckpoint(db, 1000);
  // a WAL that grew during a burst is truncated back to this size when it starts over
  db.pragma('journal_size_limit = 67108864');
  return db;
}

/** Page cache of connections that read what another connection writes (see openSqlite). */
export const READER_CACHE_MIB = 2;

/**
 * WAL checkpoints in the background: when a BackgroundCheckpointer (checkpointer.ts) serves this thread's files,
 * writers stop checkpointing on their commits (a checkpoint copies and fsyncs megabytes, a 30-70 ms stall of the
 * committing thread) and keep only a far fallback in case the checkpointer is gone. Per thread (module state).
 */
let backgroundCheckpoints = false;
/** WAL pages after which a writer checkpoints anyway while the background checkpointer serves its file. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 50_000;

export function checkpointInBackground(on: boolean): void {
  backgroundCheckpoints = on;
}

/** Sets the connection's auto-checkpoint (WAL pages), or the fallback when checkpoints run in the background. */
export function walAutocheckpoint(db: SqliteDb, pages: number): void {
  db.pragma(`wal_autocheckpoint = ${backgroundCheckpoints ? FALLBACK_AUTOCHECKPOINT_PAGES : pages}`);
}
