import type pg from 'pg';
import { schemaPrefix } from './pg-text.js';

/**
 * One versioned step of a PostgreSQL adapter's tables. `sql` receives the table-name prefix (`schema.` or '') so the
 * same migrations serve deployments (public schema) and tests (a schema per test file).
 */
export interface Migration {
  version: number;
  name: string;
  sql: (prefix: string) => string;
}

/**
 * Brings one store's tables to its newest version: every migration whose version is above the highest applied one
 * runs, in order, each in its own transaction with its row in `kith_migrations` (so a crash leaves a version either
 * applied and recorded or neither). An advisory lock per schema keeps two processes (or threads) starting at once from
 * applying the same step twice. A database newer than the code (a version this build does not know) is refused.
 *
 * A small table rather than a migration tool: each adapter keeps its migrations in code beside it (ports and
 * adapters), they run in-process at start for every store on one pool, and tests run them into a schema of their own.
 */
export async function migrate(pool: pg.Pool, store: string, migrations: readonly Migration[], schema?: string): Promise<void> {
  const prefix = schemaPrefix(schema);
  const table = `${prefix}kith_migrations`;
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.version === sorted[i - 1]!.version) throw new Error(`${store}: migration version ${sorted[i]!.version} twice`);
  const c = await pool.connect();
  try {
    // one lock per schema, taken before the table exists: concurrent CREATE TABLE IF NOT EXISTS races on pg_type
    const key = `${prefix}kith_migrations`;
    await c.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    try {
      await c.query(`CREATE TABLE IF NOT EXISTS ${table} (store TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (store, version))`);
      const r = await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${table} WHERE store = $1`, [store]);
      const applied = r.rows[0]?.v ?? 0;
      const newest = sorted.at(-1)?.version ?? 0;
      if (applied > newest) throw new Error(`${store}: the database is at version ${applied}, this build knows up to ${newest}; upgrade Kith`);
      for (const m of sorted) {
        if (m.version <= applied) continue;
        await c.query('BEGIN');
        try {
          await c.query(m.sql(prefix));
          await c.query(`INSERT INTO ${table} (store, version, name) VALUES ($1, $2, $3)`, [store, m.version, m.name]);
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK');
          throw new Error(`${store}: migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
        }
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    }
  } finally {
    c.release();
  }
}

/** Versions applied per store (for `kith status` and tests). */
export async function appliedMigrations(pool: pg.Pool, schema?: string): Promise<Map<string, number>> {
  const table = `${schemaPrefix(schema)}kith_migrations`;
  const r = await pool.query<{ store: string; v: number }>(`SELECT store, max(version) AS v FROM ${table} GROUP BY store`).catch(() => ({ rows: [] }));
  return new Map(r.rows.map((x) => [x.store, x.v]));
}
