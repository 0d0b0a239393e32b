import type { SqliteDb } from '../../store/sqlite/open.js';
import { checkedRows, type Transferable } from '../../store/transfer.js';
import { sqliteExport } from '../../store/sqlite/sqlite-transfer.js';
import { RUN_TRANSFER_ROWS, type RunDelta, type RunErrorRow, type RunMetricsStore, type RunQuery, type RunRow, type RunTransferRow } from './run-metrics-store.js';

interface Row {
  sandbox_id: string;
  flow_id: string;
  connection_id: string;
  dataset_id: string;
  window_start: number;
  run_id: string;
  window_ms: number;
  received: number;
  ingested: number;
  failed: number;
  duplicates: number;
  profile_ingested: number;
  profile_not_ingested: number;
  input_bytes: number;
  first_at: number;
  last_at: number;
  updated_at: number;
}

const toRow = (r: Row): RunRow => ({
  sandboxId: r.sandbox_id,
  flowId: r.flow_id,
  connectionId: r.connection_id,
  datasetId: r.dataset_id,
  windowStart: r.window_start,
  runId: r.run_id,
  windowMs: r.window_ms,
  received: r.received,
  ingested: r.ingested,
  failed: r.failed,
  duplicates: r.duplicates,
  profileIngested: r.profile_ingested,
  profileNotIngested: r.profile_not_ingested,
  inputBytes: r.input_bytes,
  firstAt: r.first_at,
  lastAt: r.last_at,
  updatedAt: r.updated_at,
});

const COLS = 'sandbox_id, flow_id, connection_id, dataset_id, window_start, run_id, window_ms, received, ingested, failed, duplicates, profile_ingested, profile_not_ingested, input_bytes, first_at, last_at, updated_at';

/**
 * Run metrics in SQLite, beside failed records (`failed-records.db`, the processor's diagnostics file). A chunk's
 * deltas travel as one JSON array per statement (json_each).
 */
export class SqliteRunMetricsStore implements RunMetricsStore, Transferable {
  readonly transferName = 'flow-runs';
  private readonly stmts;

  constructor(private readonly db: SqliteDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS flow_run_counts (sandbox_id TEXT NOT NULL, flow_id TEXT NOT NULL, connection_id TEXT NOT NULL, dataset_id TEXT NOT NULL,
        window_start INTEGER NOT NULL, run_id TEXT NOT NULL, window_ms INTEGER NOT NULL, received INTEGER NOT NULL, ingested INTEGER NOT NULL, failed INTEGER NOT NULL,
        duplicates INTEGER NOT NULL, profile_ingested INTEGER NOT NULL, profile_not_ingested INTEGER NOT NULL, input_bytes INTEGER NOT NULL,
        first_at INTEGER NOT NULL, last_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (sandbox_id, flow_id, connection_id, dataset_id, window_start)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS flow_run_counts_run ON flow_run_counts(sandbox_id, run_id);
      CREATE INDEX IF NOT EXISTS flow_run_counts_connection ON flow_run_counts(sandbox_id, connection_id, window_start);
      CREATE INDEX IF NOT EXISTS flow_run_counts_dataset ON flow_run_counts(sandbox_id, dataset_id, window_start);
      CREATE TABLE IF NOT EXISTS flow_run_errors (sandbox_id TEXT NOT NULL, run_id TEXT NOT NULL, dataset_id TEXT NOT NULL, code TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (sandbox_id, run_id, dataset_id, code)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS flow_run_marks (stage TEXT PRIMARY KEY, offset INTEGER NOT NULL) WITHOUT ROWID;`);
    this.stmts = {
      markOf: db.prepare<[string], { offset: number }>('SELECT offset FROM flow_run_marks WHERE stage = ?'),
      setMark: db.prepare<[string, number]>('INSERT INTO flow_run_marks VALUES (?, ?) ON CONFLICT (stage) DO UPDATE SET offset = max(offset, excluded.offset)'),
      // one row per statement: a prepared statement per delta is cheaper than json_each with a json_extract per column
      add: db.prepare(
        `INSERT INTO flow_run_counts(${COLS}) VALUES (${COLS.split(',').map(() => '?').join(',')})
         ON CONFLICT DO UPDATE SET received = received + excluded.received, ingested = ingested + excluded.ingested, failed = failed + excluded.failed,
           duplicates = duplicates + excluded.duplicates, profile_ingested = profile_ingested + excluded.profile_ingested,
           profile_not_ingested = profile_not_ingested + excluded.profile_not_ingested, input_bytes = input_bytes + excluded.input_bytes,
           first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at), updated_at = max(updated_at, excluded.updated_at)`,
      ),
      addError: db.prepare<[string, string, string, string, number]>(
        'INSERT INTO flow_run_errors(sandbox_id, run_id, dataset_id, code, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n',
      ),
      restore: db.prepare(`INSERT OR REPLACE INTO flow_run_counts(${COLS}) VALUES (${COLS.split(',').map(() => '?').join(',')})`),
      restoreError: db.prepare<[string, string, string, string, number]>('INSERT OR REPLACE INTO flow_run_errors VALUES (?, ?, ?, ?, ?)'),
      errors: db.prepare<[string, string], { sandbox_id: string; run_id: string; dataset_id: string; code: string; n: number }>(
        'SELECT * FROM flow_run_errors WHERE sandbox_id = ? AND run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, dataset_id, code',
      ),
    };
  }

  async mark(stage: string): Promise<number> {
    return this.stmts.markOf.get(stage)?.offset ?? 0;
  }

  async add(stage: string, upTo: number, deltas: readonly RunDelta[]): Promise<boolean> {
    return this.db.transaction(() => {
      if (upTo <= (this.stmts.markOf.get(stage)?.offset ?? 0)) return false;
      // a key twice (chunks of one lane group) is two upserts of one row: no merge needed
      for (const d of deltas) {
        const c = d.counts;
        this.stmts.add.run(d.sandboxId, d.flowId, d.connectionId, d.datasetId, d.windowStart, d.runId, d.windowMs, c.received ?? 0, c.ingested ?? 0, c.failed ?? 0, c.duplicates ?? 0, c.profileIngested ?? 0, c.profileNotIngested ?? 0, c.inputBytes ?? 0, d.firstAt, d.lastAt, d.at);
        for (const code in d.errors) this.stmts.addError.run(d.sandboxId, d.runId, d.datasetId, code, d.errors[code]!);
      }
      this.stmts.setMark.run(stage, upTo);
      return true;
    }).immediate();
  }

  async rows(q: RunQuery): Promise<RunRow[]> {
    const where = ['sandbox_id = ?'];
    const args: unknown[] = [q.sandboxId];
    if (q.flowId !== undefined) (where.push('flow_id = ?'), args.push(q.flowId));
    if (q.connectionId !== undefined) (where.push('connection_id = ?'), args.push(q.connectionId));
    if (q.runId !== undefined) (where.push('run_id = ?'), args.push(q.runId));
    if (q.datasetIds !== undefined) (where.push('dataset_id IN (SELECT value FROM json_each(?))'), args.push(JSON.stringify(q.datasetIds)));
    if (q.from !== undefined) (where.push('window_start >= ?'), args.push(q.from));
    if (q.to !== undefined) (where.push('window_start < ?'), args.push(q.to));
    const sql = `SELECT ${COLS} FROM flow_run_counts WHERE ${where.join(' AND ')} ORDER BY window_start, flow_id, connection_id, dataset_id`;
    return this.db.prepare<unknown[], Row>(sql).all(...args).map(toRow);
  }

  async errors(sandboxId: string, runIds: readonly string[]): Promise<RunErrorRow[]> {
    if (runIds.length === 0) return [];
    return this.stmts.errors.all(sandboxId, JSON.stringify(runIds)).map((r) => ({ sandboxId: r.sandbox_id, runId: r.run_id, datasetId: r.dataset_id, code: r.code, count: r.n }));
  }

  exportRows(): AsyncIterable<RunTransferRow[]> {
    return sqliteExport(this.db, [
      { sql: `SELECT ${COLS} FROM flow_run_counts ORDER BY sandbox_id, flow_id, connection_id, dataset_id, window_start`, map: (r: Row) => ({ t: 'count', ...toRow(r) }) },
      {
        sql: 'SELECT * FROM flow_run_errors ORDER BY sandbox_id, run_id, dataset_id, code',
        map: (r: { sandbox_id: string; run_id: string; dataset_id: string; code: string; n: number }) => ({ t: 'error', sandboxId: r.sandbox_id, runId: r.run_id, datasetId: r.dataset_id, code: r.code, count: r.n }),
      },
      { sql: 'SELECT stage, offset FROM flow_run_marks ORDER BY stage', map: (r: { stage: string; offset: number }) => ({ t: 'mark', stage: r.stage, offset: r.offset }) },
    ]) as AsyncIterable<RunTransferRow[]>;
  }

  /** Counts take the dump's values (a second import changes nothing); marks only move up. */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<RunTransferRow>(this.transferName, rows, RUN_TRANSFER_ROWS);
    this.db.transaction(() => {
      for (const r of checked) {
        if (r.t === 'count')
          this.stmts.restore.run(r.sandboxId, r.flowId, r.connectionId, r.datasetId, r.windowStart, r.runId, r.windowMs, r.received, r.ingested, r.failed, r.duplicates, r.profileIngested, r.profileNotIngested, r.inputBytes, r.firstAt, r.lastAt, r.updatedAt);
        else if (r.t === 'error') this.stmts.restoreError.run(r.sandboxId, r.runId, r.datasetId, r.code, r.count);
        else this.stmts.setMark.run(r.stage, r.offset);
      }
    }).immediate();
  }
}
