import type { SqliteDb } from '../../store/sqlite/open.js';
import { SOURCE_STATE_ROWS, type SourceStateRow, type SourceStateStore } from './source-state-store.js';
import { checkedRows, type Transferable } from '../../store/transfer.js';
import { sqliteExport } from '../../store/sqlite/sqlite-transfer.js';

/** Source state in SQLite (`sources.db`). Keys travel as one JSON array per statement (json_each). */
export class SqliteSourceStateStore implements SourceStateStore, Transferable {
  readonly transferName = 'source-state';
  private readonly stmts;

  constructor(private readonly db: SqliteDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS seen_keys (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS resource_versions (key TEXT PRIMARY KEY, updated_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS seen_keys_expiry ON seen_keys(expires_at);`);
    this.stmts = {
      seen: db.prepare<[string, number], { key: string }>('SELECT key FROM seen_keys WHERE key IN (SELECT value FROM json_each(?)) AND expires_at > ?'),
      // `WHERE true`: an upsert from a SELECT needs it (SQLite's parser)
      remember: db.prepare<[number, string]>(
        'INSERT INTO seen_keys(key, expires_at) SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at',
      ),
      // by the expiry index, a bounded step: the API thread runs it between requests (SourceKeyExpiry)
      expire: db.prepare<[number, number]>('DELETE FROM seen_keys WHERE key IN (SELECT key FROM seen_keys WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)'),
      version: db.prepare<[string], { updated_at: number }>('SELECT updated_at FROM resource_versions WHERE key = ?'),
      setVersion: db.prepare<[string, number]>(
        'INSERT INTO resource_versions(key, updated_at) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET updated_at = max(updated_at, excluded.updated_at)',
      ),
      bump: db.prepare<[string]>('INSERT INTO counters(key, n) SELECT key, value FROM json_each(?) WHERE true ON CONFLICT(key) DO UPDATE SET n = n + excluded.n'),
      restoreKey: db.prepare<[string, number]>('INSERT INTO seen_keys(key, expires_at) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at'),
      restoreCounter: db.prepare<[string, number]>('INSERT INTO counters(key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = excluded.n'),
      counters: db.prepare<[string], { key: string; n: number }>('SELECT key, n FROM counters WHERE key IN (SELECT value FROM json_each(?))'),
    };
  }

  async seen(keys: readonly string[], now: number): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    return new Set(this.stmts.seen.all(JSON.stringify(keys), now).map((r) => r.key));
  }

  async remember(keys: readonly string[], now: number, ttlMs: number): Promise<void> {
    if (keys.length > 0) this.stmts.remember.run(now + ttlMs, JSON.stringify(keys));
  }

  async expire(now: number, limit: number): Promise<number> {
    return this.stmts.expire.run(now, limit).changes;
  }

  async lastVersion(key: string): Promise<number | undefined> {
    return this.stmts.version.get(key)?.updated_at;
  }

  async recordVersion(key: string, updatedAt: number): Promise<void> {
    this.stmts.setVersion.run(key, updatedAt);
  }

  async bump(by: Readonly<Record<string, number>>): Promise<void> {
    if (Object.keys(by).length > 0) this.stmts.bump.run(JSON.stringify(by));
  }

  async counters(keys: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
    if (keys.length > 0) for (const r of this.stmts.counters.all(JSON.stringify(keys))) out[r.key] = r.n;
    return out;
  }

  exportRows(): AsyncIterable<SourceStateRow[]> {
    return sqliteExport(this.db, [
      { sql: 'SELECT key, expires_at FROM seen_keys ORDER BY key', map: (r: { key: string; expires_at: number }) => ({ t: 'seen-key', key: r.key, expiresAt: r.expires_at }) },
      { sql: 'SELECT key, updated_at FROM resource_versions ORDER BY key', map: (r: { key: string; updated_at: number }) => ({ t: 'version', key: r.key, updatedAt: r.updated_at }) },
      { sql: 'SELECT key, n FROM counters ORDER BY key', map: (r: { key: string; n: number }) => ({ t: 'counter', key: r.key, n: r.n }) },
    ]) as AsyncIterable<SourceStateRow[]>;
  }

  /** Keys take the dump's expiry, versions only move up, counters take the dump's value (not added: a second import changes nothing). */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<SourceStateRow>(this.transferName, rows, SOURCE_STATE_ROWS);
    this.db.transaction(() => {
      for (const r of checked) {
        if (r.t === 'seen-key') this.stmts.restoreKey.run(r.key, r.expiresAt);
        else if (r.t === 'version') this.stmts.setVersion.run(r.key, r.updatedAt);
        else this.stmts.restoreCounter.run(r.key, r.n);
      }
    }).immediate();
  }
}
