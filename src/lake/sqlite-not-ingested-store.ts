import type { SqliteDb } from '../store/sqlite/open.js';
import { foldAscii, MAX_SEARCH_ROWS, unsearchable } from './text-search.js';
import { systemClock, type Clock } from '../shared/clock.js';
import {
  boundRecord,
  NOT_INGESTED_ROW,
  type BatchNotIngested,
  type DatasetNotIngested,
  type NotIngestedItem,
  type NotIngestedQuery,
  type NotIngestedStore,
  type StoredNotIngested,
} from './not-ingested-store.js';
import { datasetCounts, type CountRow } from './not-ingested-counts.js';
import { checkedRows, type Transferable } from '../store/transfer.js';
import { sqliteExport } from '../store/sqlite/sqlite-transfer.js';

export interface NotIngestedRow {
  id: number | string;
  sandbox_id: string;
  org_id: string;
  dataset_id: string;
  batch_id: string;
  offset: number | string;
  record_id: string | null;
  xaction_id: string;
  is_event: number | boolean;
  received_at: number | string;
  code: string;
  reason: string;
  record: string;
  truncated: number | boolean;
  created_at: number | string;
  replayed_at: number | string | null;
}

export function toStoredNotIngested(r: NotIngestedRow): StoredNotIngested {
  return {
    id: String(r.id),
    sandboxId: r.sandbox_id,
    orgId: r.org_id,
    datasetId: r.dataset_id,
    batchId: r.batch_id,
    offset: Number(r.offset),
    recordId: r.record_id,
    xactionId: r.xaction_id,
    isEvent: Boolean(r.is_event),
    receivedAt: Number(r.received_at),
    code: r.code,
    reason: r.reason,
    record: r.record,
    truncated: Boolean(r.truncated),
    createdAt: Number(r.created_at),
    replayedAt: r.replayed_at === null ? null : Number(r.replayed_at),
  };
}

/**
 * Not-ingested-to-profile records in SQLite (the lake's diagnostics file, `failed-records.db`, beside failed records).
 * One row per log offset: a re-delivered record updates its row (reason, live again) instead of adding one.
 */
export class SqliteNotIngestedStore implements NotIngestedStore, Transferable {
  readonly transferName = 'not-ingested';
  private readonly stmts;

  constructor(
    private readonly db: SqliteDb,
    private readonly clock: Clock = systemClock,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS not_ingested_to_profile (
        id INTEGER PRIMARY KEY, sandbox_id TEXT NOT NULL, org_id TEXT NOT NULL, dataset_id TEXT NOT NULL, batch_id TEXT NOT NULL,
        offset INTEGER NOT NULL UNIQUE, record_id TEXT, xaction_id TEXT NOT NULL, is_event INTEGER NOT NULL, received_at INTEGER NOT NULL,
        code TEXT NOT NULL, reason TEXT NOT NULL, record TEXT NOT NULL, truncated INTEGER NOT NULL, created_at INTEGER NOT NULL, replayed_at INTEGER);
      CREATE INDEX IF NOT EXISTS nip_by_batch ON not_ingested_to_profile(sandbox_id, batch_id);
      CREATE INDEX IF NOT EXISTS nip_by_dataset ON not_ingested_to_profile(sandbox_id, dataset_id);`);
    this.stmts = {
      add: db.prepare(
        `INSERT INTO not_ingested_to_profile(sandbox_id,org_id,dataset_id,batch_id,offset,record_id,xaction_id,is_event,received_at,code,reason,record,truncated,created_at)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
         ON CONFLICT(offset) DO UPDATE SET code=excluded.code, reason=excluded.reason, replayed_at=NULL`,
      ),
      countBatch: db.prepare<[string, string], { code: string; reason: string; n: number }>(
        'SELECT code, min(reason) AS reason, count(*) AS n FROM not_ingested_to_profile WHERE sandbox_id=? AND batch_id=? GROUP BY code ORDER BY n DESC, code',
      ),
      get: db.prepare<[string, number], NotIngestedRow>('SELECT * FROM not_ingested_to_profile WHERE sandbox_id=? AND id=?'),
      counts: db.prepare<[string], CountRow>(
        `SELECT sandbox_id, dataset_id, code, min(reason) AS reason, count(*) - count(replayed_at) AS live, count(replayed_at) AS replayed, max(created_at) AS last_at
         FROM not_ingested_to_profile WHERE sandbox_id IN (SELECT value FROM json_each(?)) GROUP BY sandbox_id, dataset_id, code`,
      ),
      recent: db.prepare<[string, number], NotIngestedRow>(
        'SELECT * FROM not_ingested_to_profile WHERE sandbox_id IN (SELECT value FROM json_each(?)) AND replayed_at IS NULL ORDER BY id DESC LIMIT ?',
      ),
      replayed: db.prepare('UPDATE not_ingested_to_profile SET replayed_at=? WHERE sandbox_id=? AND id=?'),
      restore: db.prepare(
        `INSERT INTO not_ingested_to_profile(id,sandbox_id,org_id,dataset_id,batch_id,offset,record_id,xaction_id,is_event,received_at,code,reason,record,truncated,created_at,replayed_at)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
         ON CONFLICT(id) DO UPDATE SET sandbox_id=excluded.sandbox_id, org_id=excluded.org_id, dataset_id=excluded.dataset_id, batch_id=excluded.batch_id,
           offset=excluded.offset, record_id=excluded.record_id, xaction_id=excluded.xaction_id, is_event=excluded.is_event, received_at=excluded.received_at,
           code=excluded.code, reason=excluded.reason, record=excluded.record, truncated=excluded.truncated, created_at=excluded.created_at, replayed_at=excluded.replayed_at`,
      ),
    };
  }

  async add(items: NotIngestedItem[]): Promise<void> {
    if (items.length === 0) return;
    const now = this.clock.now();
    this.db.transaction(() => {
      for (const i of items) {
        const b = boundRecord(i.record);
        this.stmts.add.run(i.sandboxId, i.orgId, i.datasetId, i.batchId, i.offset, i.recordId, i.xactionId, i.isEvent ? 1 : 0, i.receivedAt, i.code, i.reason, b.record, b.truncated ? 1 : 0, now);
      }
    })();
  }

  async countBatch(sandboxId: string, batchId: string): Promise<BatchNotIngested> {
    const reasons = this.stmts.countBatch.all(sandboxId, batchId).map((r) => ({ code: r.code, reason: r.reason, count: r.n }));
    return { total: reasons.reduce((a, r) => a + r.count, 0), reasons };
  }

  async list(q: NotIngestedQuery): Promise<StoredNotIngested[]> {
    const where = ['sandbox_id = ?', 'id > ?'];
    const args: Array<string | number> = [q.sandboxId, Number(q.after ?? 0) || 0];
    const eq = (col: string, v: string | number | undefined) => {
      if (v === undefined) return;
      where.push(`${col} = ?`);
      args.push(v);
    };
    eq('dataset_id', q.datasetId);
    eq('batch_id', q.batchId);
    eq('code', q.code);
    if (q.since !== undefined) {
      where.push('created_at >= ?');
      args.push(q.since);
    }
    if (!q.includeReplayed) where.push('replayed_at IS NULL');
    const rows = this.db.prepare<unknown[], NotIngestedRow>(`SELECT * FROM not_ingested_to_profile WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`).all(...args, q.limit);
    return rows.map(toStoredNotIngested);
  }

  async containing(sandboxId: string, text: string, limit: number): Promise<StoredNotIngested[]> {
    if (unsearchable(text)) return [];
    return this.db
      .prepare<[string, string, number], NotIngestedRow>('SELECT * FROM not_ingested_to_profile WHERE sandbox_id = ? AND instr(lower(record), ?) > 0 ORDER BY id DESC LIMIT ?')
      .all(sandboxId, foldAscii(text), Math.max(0, Math.min(limit, MAX_SEARCH_ROWS)))
      .map(toStoredNotIngested);
  }

  async get(sandboxId: string, id: string): Promise<StoredNotIngested | undefined> {
    const n = Number(id);
    if (!Number.isSafeInteger(n)) return undefined;
    const r = this.stmts.get.get(sandboxId, n);
    return r ? toStoredNotIngested(r) : undefined;
  }

  async countsByDataset(sandboxIds: readonly string[]): Promise<DatasetNotIngested[]> {
    return datasetCounts(this.stmts.counts.all(JSON.stringify(sandboxIds)));
  }

  async recent(sandboxIds: readonly string[], n: number): Promise<StoredNotIngested[]> {
    return this.stmts.recent.all(JSON.stringify(sandboxIds), n).map(toStoredNotIngested);
  }

  async markReplayed(sandboxId: string, ids: readonly string[], at: number): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.stmts.replayed.run(at, sandboxId, Number(id));
    })();
  }

  exportRows(): AsyncIterable<StoredNotIngested[]> {
    return sqliteExport(this.db, [{ sql: 'SELECT * FROM not_ingested_to_profile ORDER BY id', map: toStoredNotIngested }]) as AsyncIterable<StoredNotIngested[]>;
  }

  /** Rows keep their ids (the API hands them out); a row of the same id is replaced. */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<StoredNotIngested>(this.transferName, rows, { '': NOT_INGESTED_ROW });
    this.db.transaction(() => {
      for (const r of checked)
        this.stmts.restore.run(Number(r.id), r.sandboxId, r.orgId, r.datasetId, r.batchId, r.offset, r.recordId, r.xactionId, r.isEvent ? 1 : 0, r.receivedAt, r.code, r.reason, r.record, r.truncated ? 1 : 0, r.createdAt, r.replayedAt);
    }).immediate();
  }

  /** The connection is the caller's (shared with failed records). */
  async close(): Promise<void> {}
}
