import type { SqliteDb } from '../store/sqlite/open.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { FailedItem, FailedSink, SeenIds } from '../ingest/processor/processor-ports.js';
import type { FailedRecordsReader, StoredFailedRecord } from '../ingest/failed/failed-records-routes.js';

interface Row {
  id: number;
  sandbox_id: string;
  dataset_id: string;
  batch_id: string;
  offset: number;
  code: string;
  reason: string;
  violations: string | null;
  payload: string;
  created_at: number;
  replayed_at: number | null;
}

/**
 * Failed records (SQLite): every record the processor rejects, with dataset, batch, reason, violations and the
 * original payload. Idempotent per log offset. Also holds the `_id` dedupe index of ExperienceEvents.
 */
export class FailedRecordsStore implements FailedSink, FailedRecordsReader, SeenIds {
  private readonly stmts;
  private readonly marks;

  constructor(
    private readonly db: SqliteDb,
    private readonly clock: Clock = systemClock,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS failed_records (
        id INTEGER PRIMARY KEY, sandbox_id TEXT NOT NULL, dataset_id TEXT NOT NULL, batch_id TEXT NOT NULL,
        offset INTEGER NOT NULL UNIQUE, code TEXT NOT NULL, reason TEXT NOT NULL, violations TEXT, payload TEXT NOT NULL,
        created_at INTEGER NOT NULL, replayed_at INTEGER);
      CREATE INDEX IF NOT EXISTS failed_by_batch ON failed_records(sandbox_id, batch_id);
      CREATE INDEX IF NOT EXISTS failed_by_dataset ON failed_records(sandbox_id, dataset_id);
      CREATE TABLE IF NOT EXISTS seen_ids (dataset_key TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (dataset_key, id)) WITHOUT ROWID;`);
    this.stmts = {
      add: db.prepare(
        'INSERT OR IGNORE INTO failed_records(sandbox_id,dataset_id,batch_id,offset,code,reason,violations,payload,created_at) VALUES (?,?,?,?,?,?,?,?,?)',
      ),
      countBatch: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM failed_records WHERE sandbox_id=? AND batch_id=?'),
      first: db.prepare<[string, string, number], Row>('SELECT * FROM failed_records WHERE sandbox_id=? AND batch_id=? ORDER BY offset LIMIT ?'),
      // a chunk's ids in one statement (a JSON array), a fraction of one statement per id (bench/ingest-log/write-paths.ts)
      seen: db.prepare<[string, string], { id: string }>('SELECT id FROM seen_ids WHERE dataset_key=? AND id IN (SELECT value FROM json_each(?))'),
      remember: db.prepare<[string, string]>('INSERT OR IGNORE INTO seen_ids(dataset_key, id) SELECT ?, value FROM json_each(?)'),
      replayed: db.prepare('UPDATE failed_records SET replayed_at=? WHERE sandbox_id=? AND id=?'),
      get: db.prepare<[string, number], Row>('SELECT * FROM failed_records WHERE sandbox_id=? AND id=?'),
      counts: db.prepare<[string, string, string], { batch_id: string; dataset_id: string; failed: number; replayed: number }>(
        `SELECT batch_id, dataset_id, count(*) AS failed, count(replayed_at) AS replayed FROM failed_records
         WHERE sandbox_id=? AND (?='' OR dataset_id=?) GROUP BY batch_id, dataset_id ORDER BY batch_id`,
      ),
    };
    this.marks = this.openMarks();
  }

  async add(items: FailedItem[]): Promise<void> {
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
    return this.stmts.first.all(sandboxId, batchId, n).map((r) => ({ code: r.code, reason: r.reason, offset: r.offset }));
  }

  async list(q: { sandboxId: string; datasetId?: string; batchId?: string; limit: number; after?: string; includeReplayed?: boolean }): Promise<StoredFailedRecord[]> {
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
    const rows = this.db.prepare<unknown[], Row>(`SELECT * FROM failed_records WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`).all(...args, q.limit);
    return rows.map(toStored);
  }

  /** One failed record of the sandbox by id (replayed or not). */
  async get(sandboxId: string, id: string): Promise<StoredFailedRecord | undefined> {
    const n = Number(id);
    if (!Number.isSafeInteger(n)) return undefined;
    const r = this.stmts.get.get(sandboxId, n);
    return r ? toStored(r) : undefined;
  }

  /** Failed (and of those, replayed) record counts per batch of the sandbox, optionally of one dataset. */
  async countsByBatch(sandboxId: string, datasetId?: string): Promise<Array<{ batchId: string; datasetId: string; failed: number; replayed: number }>> {
    const d = datasetId ?? '';
    return this.stmts.counts.all(sandboxId, d, d).map((r) => ({ batchId: r.batch_id, datasetId: r.dataset_id, failed: r.failed, replayed: r.replayed }));
  }

  async markReplayed(sandboxId: string, ids: string[]): Promise<void> {
    const now = this.clock.now();
    this.db.transaction(() => {
      for (const id of ids) this.stmts.replayed.run(now, sandboxId, Number(id));
    })();
  }

  async seen(datasetKey: string, ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    if (ids.length > 0) for (const r of this.stmts.seen.all(datasetKey, JSON.stringify(ids))) out.add(r.id);
    return out;
  }

  async remember(datasetKey: string, ids: string[]): Promise<void> {
    if (ids.length > 0) this.stmts.remember.run(datasetKey, JSON.stringify(ids));
  }

  /** `seen_marks`: per lake consumer, the log offset up to which every lake row's `_id` is in `seen_ids`. */
  private openMarks() {
    this.db.exec('CREATE TABLE IF NOT EXISTS seen_marks (consumer TEXT PRIMARY KEY, offset INTEGER NOT NULL) WITHOUT ROWID');
    return {
      get: this.db.prepare<[string], { offset: number }>('SELECT offset FROM seen_marks WHERE consumer=?'),
      // never backwards: a replayed range re-remembers ids below the mark
      put: this.db.prepare<[string, number]>('INSERT INTO seen_marks VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET offset = max(offset, excluded.offset)'),
    };
  }

  async rememberThrough(consumer: string, upTo: number, ids: ReadonlyMap<string, readonly string[]>): Promise<void> {
    this.db.transaction(() => {
      for (const [k, list] of ids) if (list.length > 0) this.stmts.remember.run(k, JSON.stringify(list));
      this.marks.put.run(consumer, upTo);
    })();
  }

  async rememberedThrough(consumer: string): Promise<number | undefined> {
    return this.marks.get.get(consumer)?.offset;
  }
}

function toStored(r: Row): StoredFailedRecord {
  return {
    id: String(r.id),
    sandboxId: r.sandbox_id,
    datasetId: r.dataset_id,
    batchId: r.batch_id,
    offset: r.offset,
    code: r.code,
    reason: r.reason,
    violations: r.violations ? JSON.parse(r.violations) : undefined,
    payload: r.payload,
    createdAt: r.created_at,
    replayedAt: r.replayed_at,
  };
}
