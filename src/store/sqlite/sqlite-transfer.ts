import { batched } from '../transfer.js';
import type { SqliteDb } from './open.js';

export interface ExportQuery<R = any> {
  sql: string;
  map: (row: R) => unknown;
  /** Rows per batch when they are large (snapshot chunks, observation runs); TRANSFER_BATCH_ROWS by default. */
  batchRows?: number;
}

function* mapped(db: SqliteDb, q: ExportQuery): Iterable<unknown> {
  for (const r of db.prepare(q.sql).iterate()) yield q.map(r);
}

/**
 * The rows of `queries`, one after the other, in batches, from one read snapshot of the connection (a deferred
 * transaction held while the caller consumes them; the file's writers go on under WAL).
 */
export async function* sqliteExport(db: SqliteDb, queries: readonly ExportQuery[]): AsyncIterable<unknown[]> {
  const own = !db.inTransaction;
  if (own) db.exec('BEGIN');
  try {
    for (const q of queries) yield* batched(mapped(db, q), q.batchRows);
  } finally {
    if (own && db.inTransaction) db.exec('COMMIT');
  }
}
