import type { SqliteDb } from '../../store/sqlite/open.js';

/**
 * Durable state the source endpoints need across restarts: delivery ids already accepted (with a TTL covering the
 * senders' retry windows), the last `updated_at` applied per resource (out-of-order updates) and counters.
 */
export class SourceStateStore {
  private readonly stmts;

  constructor(db: SqliteDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS seen_keys (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS resource_versions (key TEXT PRIMARY KEY, updated_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;`);
    this.stmts = {
      seen: db.prepare<[string, number], { key: string }>('SELECT key FROM seen_keys WHERE key = ? AND expires_at > ?'),
      remember: db.prepare('INSERT INTO seen_keys(key, expires_at) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at'),
      expire: db.prepare('DELETE FROM seen_keys WHERE expires_at <= ?'),
      version: db.prepare<[string], { updated_at: number }>('SELECT updated_at FROM resource_versions WHERE key = ?'),
      bump: db.prepare('INSERT INTO counters(key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n'),
      counter: db.prepare<[string], { n: number }>('SELECT n FROM counters WHERE key = ?'),
      setVersion: db.prepare(
        'INSERT INTO resource_versions(key, updated_at) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET updated_at = max(updated_at, excluded.updated_at)',
      ),
    };
  }

  /** True when any of the keys was accepted before (and has not expired). */
  anySeen(keys: readonly string[], now: number): boolean {
    return keys.some((k) => this.stmts.seen.get(k, now) !== undefined);
  }

  remember(keys: readonly string[], now: number, ttlMs: number): void {
    for (const k of keys) this.stmts.remember.run(k, now + ttlMs);
  }

  expire(now: number): void {
    this.stmts.expire.run(now);
  }

  lastVersion(key: string): number | undefined {
    return this.stmts.version.get(key)?.updated_at;
  }

  recordVersion(key: string, updatedAt: number): void {
    this.stmts.setVersion.run(key, updatedAt);
  }

  /** Adds to a durable counter (e.g. requests refused for consent). */
  bump(key: string, by = 1): void {
    this.stmts.bump.run(key, by);
  }

  counter(key: string): number {
    return this.stmts.counter.get(key)?.n ?? 0;
  }
}
