import type { SqliteDb } from '../store/sqlite/open.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { FailedItem } from '../ingest/processor/processor-ports.js';
import { FAILED_RECORD_ROW, failedRecordRow, type BatchFailedCounts, type FailedQuery, type FailedRecordRow, type FailedRecordsStore, type StoredFailedRecord } from './failed-records-store.js';
import { checkedRows, type Transferable } from '../store/transfer.js';
import { sqliteExport } from '../store/sqlite/sqlite-transfer.js';
import { foldAscii, MAX_SEARCH_ROWS, unsearchable } from './text-search.js';

export interface FailedRow {
  id: number | string;
  sandbox_id: string;
  dataset_id: string;
  batch_id: string;
  offset: number | string;
  code: string;
  reason: string;
  violations: string | null;
  payload: string;
  created_at: number | string;
  replayed_at: number | string | null;
}

export function toStoredFailed(r: FailedRow, text: (s: string) => string = (s) => s): StoredFailedRecord {
  return {
    id: String(r.id),
    sandboxId: text(r.sandbox_id),
    datasetId: text(r.dataset_id),
    batchId: text(r.batch_id),
    offset: Number(r.offset),
    code: text(r.code),
    reason: text(r.reason),
    violations: r.violations ? JSON.parse(r.violations) : undefined,
    payload: text(r.payload),
    createdAt: Number(r.created_at),
    replayedAt: r.replayed_at === null ? null : Number(r.replayed_at),
  };
}

/** A record id as the adapters hand them out (a positive integer within the safe range). */
export const isRowId = (id: string): boolean => /^\d{1,15}$/.test(id);

/** Failed records in SQLite (`failed-records.db`, the lake's diagnostics file). */
export class SqliteFailedRecordsStore implements FailedRecordsStore, Transferable {
  readonly transferName = 'failed-records';
  private readonly stmts;

  constructor(
    private readonly db: SqliteDb,
    private readonly clock: Clock = systemClock,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS failed_records (
        id INTEGER PRIMARY KEY, sandbox_id TEXT NOT NULL, dataset_id TEXT NOT NULL, batch_id TEXT NOT NULL,
        offset INTEGER NOT NULL UNIQUE, code TEXT NOT NULL, reason TEXT NOT NULL, violations TEXT, payload TEXT NOT NULL,
        created_at INTEGER NOT NULL, replayed_at INTEGER);
      CREATE INDEX IF NOT EXISTS failed_by_batch ON failed_records(sandbox_id, batch_id);
      CREATE INDEX IF NOT EXISTS failed_by_dataset ON failed_records(sandbox_id, dataset_id);`);
    this.stmts = {
      add: db.prepare(
        'INSERT OR IGNORE INTO failed_records(sandbox_id,dataset_id,batch_id,offset,code,reason,violations,payload,created_at) VALUES (?,?,?,?,?,?,?,?,?)',
      ),
      countBatch: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM failed_records WHERE sandbox_id=? AND batch_id=?'),
      first: db.prepare<[string, string, number], FailedRow>('SELECT * FROM failed_records WHERE sandbox_id=? AND batch_id=? ORDER BY offset LIMIT ?'),
      replayed: db.prepare('UPDATE failed_records SET replayed_at=? WHERE sandbox_id=? AND id=?'),
      restore: db.prepare(
        `INSERT INTO failed_records(id,sandbox_id,dataset_id,batch_id,offset,code,reason,violations,payload,created_at,replayed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)
         ON CONFLICT(id) DO UPDATE SET sandbox_id=excluded.sandbox_id, dataset_id=excluded.dataset_id, batch_id=excluded.batch_id, offset=excluded.offset,
           code=excluded.code, reason=excluded.reason, violations=excluded.violations, payload=excluded.payload, created_at=excluded.created_at, replayed_at=excluded.replayed_at`,
      ),
      get: db.prepare<[string, number], FailedRow>('SELECT * FROM failed_records WHERE sandbox_id=? AND id=?'),
      counts: db.prepare<[string, string, string], { batch_id: string; dataset_id: string; failed: number; replayed: number }>(
        `SELECT batch_id, dataset_id, count(*) AS failed, count(replayed_at) AS replayed FROM failed_records
         WHERE sandbox_id=? AND (?='' OR dataset_id=?) GROUP BY batch_id, dataset_id ORDER BY batch_id, dataset_id`,
      ),
    };
  }

  async add(items: FailedItem[]): Promise<void> {
    if (items.length === 0) return;
    const now = this.clock.now();
    this.db.transaction(() => {
      for (const f of items)
        this.stmts.add.run(f.sandboxId, f.datasetId, f.batchId, f.offset, f.code, f.reason, f.violations ? JSON.stringify(f.violations) : null, f.payload, now);
    })();
  }

  async countBatch(sandboxId: string, batchId: string): Promise<number> {
    return this.stmts.countBatch.get(sandboxId, batchId)?.n ?? 0;
  }

  async firstReasons(sandboxId: string, batchId: string, n: number) {
    return this.stmts.first.all(sandboxId, batchId, n).map((r) => ({ code: r.code, reason: r.reason, offset: Number(r.offset) }));
  }

  async list(q: FailedQuery): Promise<StoredFailedRecord[]> {
    const where = ['sandbox_id = ?', 'id > ?'];
    const args: Array<string | number> = [q.sandboxId, Number(q.after ?? 0) || 0];
    if (q.datasetId) {
      where.push('dataset_id = ?');
      args.push(q.datasetId);
    }
    if (q.batchId) {
      where.push('batch_id = ?');
      args.push(q.batchId);
    }
    if (!q.includeReplayed) where.push('replayed_at IS NULL');
    const rows = this.db.prepare<unknown[], FailedRow>(`SELECT * FROM failed_records WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`).all(...args, q.limit);
    return rows.map((r) => toStoredFailed(r));
  }

  async get(sandboxId: string, id: string): Promise<StoredFailedRecord | undefined> {
    if (!isRowId(id)) return undefined;
    const r = this.stmts.get.get(sandboxId, Number(id));
    return r ? toStoredFailed(r) : undefined;
  }

  async containing(sandboxId: string, text: string, limit: number): Promise<StoredFailedRecord[]> {
    if (unsearchable(text)) return [];
    const rows = this.db
      .prepare<[string, string, number], FailedRow>('SELECT * FROM failed_records WHERE sandbox_id = ? AND instr(lower(payload), ?) > 0 ORDER BY id DESC LIMIT ?')
      .all(sandboxId, foldAscii(text), Math.max(0, Math.min(limit, MAX_SEARCH_ROWS)));
    return rows.map((r) => toStoredFailed(r));
  }

  async countsByBatch(sandboxId: string, datasetId?: string): Promise<BatchFailedCounts[]> {
    const d = datasetId ?? '';
    return this.stmts.counts.all(sandboxId, d, d).map((r) => ({ batchId: r.batch_id, datasetId: r.dataset_id, failed: r.failed, replayed: r.replayed }));
  }

  async markReplayed(sandboxId: string, ids: string[]): Promise<void> {
    const valid = ids.filter(isRowId);
    if (valid.length === 0) return;
    const now = this.clock.now();
    this.db.transaction(() => {
      for (const id of valid) this.stmts.replayed.run(now, sandboxId, Number(id));
    })();
  }

  exportRows(): AsyncIterable<FailedRecordRow[]> {
    return sqliteExport(this.db, [{ sql: 'SELECT * FROM failed_records ORDER BY id', map: (r: FailedRow) => failedRecordRow(toStoredFailed(r)) }]) as AsyncIterable<FailedRecordRow[]>;
  }

  /** Rows keep their ids (clients hold them in replay requests); a row of the same id is replaced. */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<FailedRecordRow>(this.transferName, rows, { '': FAILED_RECORD_ROW });
    this.db.transaction(() => {
      for (const r of checked)
        this.stmts.restore.run(Number(r.id), r.sandboxId, r.datasetId, r.batchId, r.offset, r.code, r.reason, r.violations ? JSON.stringify(r.violations) : null, r.payload, r.createdAt, r.replayedAt);
    }).immediate();
  }
}
