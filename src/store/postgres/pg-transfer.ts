import type pg from 'pg';
import { TRANSFER_BATCH_ROWS } from '../transfer.js';

export interface PgExportQuery<R = any> {
  sql: string;
  map: (row: R) => unknown;
  /** Rows per batch when they are large (snapshot chunks, observation runs); TRANSFER_BATCH_ROWS by default. */
  batchRows?: number;
}

/**
 * The rows of `queries`, one after the other, in batches (a server-side cursor each, FETCH per batch), all from one
 * REPEATABLE READ snapshot, so a store's tables agree with each other even while it is written.
 */
export async function* pgExport(pool: pg.Pool, queries: readonly PgExportQuery[]): AsyncIterable<unknown[]> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const [i, q] of queries.entries()) {
      await c.query(`DECLARE kith_export_${i} NO SCROLL CURSOR FOR ${q.sql}`);
      const size = q.batchRows ?? TRANSFER_BATCH_ROWS;
      for (;;) {
        const r = await c.query(`FETCH ${size} FROM kith_export_${i}`);
        if (r.rows.length > 0) yield r.rows.map(q.map);
        if (r.rows.length < size) break;
      }
    }
  } finally {
    await c.query('ROLLBACK').catch(() => (broken = true));
    c.release(broken);
  }
}

/** Moves a BIGSERIAL's sequence past the ids an import wrote with the rows (the next insert gets a fresh id). */
export async function bumpSerial(q: pg.Pool | pg.PoolClient, table: string, column = 'id'): Promise<void> {
  await q.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce(m, 1), m IS NOT NULL) FROM (SELECT max(${column}) AS m FROM ${table}) x`, [table, column]);
}

/** Runs `fn` in one transaction on a client of the pool. */
export async function pgTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/** Column arrays for `unnest`: one array per field, rows in order. */
export function columns<R>(rows: readonly R[], fields: ReadonlyArray<(r: R) => unknown>): unknown[][] {
  const cols: unknown[][] = fields.map(() => []);
  for (const r of rows) fields.forEach((f, j) => cols[j]!.push(f(r)));
  return cols;
}
