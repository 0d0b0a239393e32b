import type pg from 'pg';
import { fromPgText, schemaPrefix, toPgText } from '../../store/postgres/pg-text.js';
import { migrate, type Migration } from '../../store/postgres/migrations.js';
import { SOURCE_STATE_ROWS, type SourceStateRow, type SourceStateStore } from './source-state-store.js';
import { checkedRows, type Transferable } from '../../store/transfer.js';
import { columns, pgExport, pgTransaction } from '../../store/postgres/pg-transfer.js';

/** The source state tables (IF NOT EXISTS: databases from before migrations already have them). */
export const PG_SOURCE_STATE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'seen keys, versions, counters',
    sql: (p) => `CREATE TABLE IF NOT EXISTS ${p}kith_source_seen_keys (key TEXT COLLATE "C" PRIMARY KEY, expires_at BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${p}kith_source_versions (key TEXT COLLATE "C" PRIMARY KEY, updated_at BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${p}kith_source_counters (key TEXT COLLATE "C" PRIMARY KEY, n BIGINT NOT NULL);
      CREATE INDEX IF NOT EXISTS kith_source_seen_keys_expiry ON ${p}kith_source_seen_keys (expires_at);`,
  },
];

/** Source state on PostgreSQL (same rules as the SQLite adapter). The pool is the caller's; `schema` qualifies the tables. */
export class PgSourceStateStore implements SourceStateStore, Transferable {
  readonly transferName = 'source-state';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly keys: string,
    private readonly versions: string,
    private readonly counts: string,
  ) {}

  static async open(opts: { pool: pg.Pool; schema?: string }): Promise<PgSourceStateStore> {
    const p = schemaPrefix(opts.schema);
    const [keys, versions, counts] = [`${p}kith_source_seen_keys`, `${p}kith_source_versions`, `${p}kith_source_counters`];
    await migrate(opts.pool, 'source-state', PG_SOURCE_STATE_MIGRATIONS, opts.schema);
    return new PgSourceStateStore(opts.pool, keys, versions, counts);
  }

  async seen(keys: readonly string[], now: number): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const r = await this.pool.query<{ key: string }>(`SELECT key FROM ${this.keys} WHERE key = ANY($1::text[]) AND expires_at > $2`, [keys.map(toPgText), now]);
    return new Set(r.rows.map((x) => fromPgText(x.key)));
  }

  async remember(keys: readonly string[], now: number, ttlMs: number): Promise<void> {
    if (keys.length === 0) return;
    // one row per key: an upsert may not touch a row twice in one statement
    const unique = [...new Set(keys)].map(toPgText);
    await this.pool.query(
      `INSERT INTO ${this.keys} (key, expires_at) SELECT unnest($1::text[]), $2::bigint ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at`,
      [unique, now + ttlMs],
    );
  }

  async expire(now: number, limit: number): Promise<number> {
    const q = `DELETE FROM ${this.keys} WHERE key IN (SELECT key FROM ${this.keys} WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`;
    return (await this.pool.query(q, [now, limit])).rowCount ?? 0;
  }

  async lastVersion(key: string): Promise<number | undefined> {
    const r = await this.pool.query<{ updated_at: string }>(`SELECT updated_at FROM ${this.versions} WHERE key = $1`, [toPgText(key)]);
    return r.rows[0] ? Number(r.rows[0].updated_at) : undefined;
  }

  async recordVersion(key: string, updatedAt: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.versions} (key, updated_at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET updated_at = GREATEST(${this.versions}.updated_at, excluded.updated_at)`,
      [toPgText(key), updatedAt],
    );
  }

  async bump(by: Readonly<Record<string, number>>): Promise<void> {
    const keys = Object.keys(by);
    if (keys.length === 0) return;
    await this.pool.query(
      `INSERT INTO ${this.counts} (key, n) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (key) DO UPDATE SET n = ${this.counts}.n + excluded.n`,
      [keys.map(toPgText), keys.map((k) => by[k])],
    );
  }

  async counters(keys: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
    if (keys.length === 0) return out;
    const r = await this.pool.query<{ key: string; n: string }>(`SELECT key, n FROM ${this.counts} WHERE key = ANY($1::text[])`, [keys.map(toPgText)]);
    for (const x of r.rows) out[fromPgText(x.key)] = Number(x.n);
    return out;
  }

  exportRows(): AsyncIterable<SourceStateRow[]> {
    return pgExport(this.pool, [
      { sql: `SELECT key, expires_at FROM ${this.keys} ORDER BY key`, map: (r: { key: string; expires_at: string }) => ({ t: 'seen-key', key: fromPgText(r.key), expiresAt: Number(r.expires_at) }) },
      { sql: `SELECT key, updated_at FROM ${this.versions} ORDER BY key`, map: (r: { key: string; updated_at: string }) => ({ t: 'version', key: fromPgText(r.key), updatedAt: Number(r.updated_at) }) },
      { sql: `SELECT key, n FROM ${this.counts} ORDER BY key`, map: (r: { key: string; n: string }) => ({ t: 'counter', key: fromPgText(r.key), n: Number(r.n) }) },
    ]) as AsyncIterable<SourceStateRow[]>;
  }

  /** Keys take the dump's expiry, versions only move up, counters take the dump's value (not added: a second import changes nothing). */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<SourceStateRow>(this.transferName, rows, SOURCE_STATE_ROWS);
    if (checked.length === 0) return;
    // one row per key per statement: an upsert may not touch a row twice (the last of a key wins)
    const last = <R extends SourceStateRow>(t: R['t']) => [...new Map(checked.filter((r): r is R => r.t === t).map((r) => [r.key, r])).values()];
    const keys = last<Extract<SourceStateRow, { t: 'seen-key' }>>('seen-key');
    const versions = last<Extract<SourceStateRow, { t: 'version' }>>('version');
    const counts = last<Extract<SourceStateRow, { t: 'counter' }>>('counter');
    await pgTransaction(this.pool, async (c) => {
      const upsert = async (table: string, col: string, set: string, cols: unknown[][]) => {
        if (cols[0]!.length > 0) await c.query(`INSERT INTO ${table} (key, ${col}) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (key) DO UPDATE SET ${col} = ${set}`, cols);
      };
      await upsert(this.keys, 'expires_at', 'excluded.expires_at', columns(keys, [(r) => toPgText(r.key), (r) => r.expiresAt]));
      await upsert(this.versions, 'updated_at', `GREATEST(${this.versions}.updated_at, excluded.updated_at)`, columns(versions, [(r) => toPgText(r.key), (r) => r.updatedAt]));
      await upsert(this.counts, 'n', 'excluded.n', columns(counts, [(r) => toPgText(r.key), (r) => r.n]));
    });
  }
}
