import type { SqliteDb } from '../../store/sqlite/open.js';
import { checkedRows, type Transferable } from '../../store/transfer.js';
import { sqliteExport } from '../../store/sqlite/sqlite-transfer.js';
import { DEFAULT_MAX_REJECTION_ROWS, mergeByKey, REJECTION_ROW, type GatewayRejection, type GatewayRejectionStore, type RejectionQuery, type RejectionRow } from './rejection-store.js';

interface Row {
  org_id: string;
  client_id: string;
  reason: string;
  error_code: string;
  sandbox_name: string;
  detail: string;
  count: number;
  first_at: number;
  last_at: number;
}

export const rowOf = (r: Row, text: (s: string) => string = (s) => s): RejectionRow => ({
  orgId: text(r.org_id),
  clientId: text(r.client_id),
  reason: text(r.reason) as RejectionRow['reason'],
  errorCode: text(r.error_code),
  sandboxName: text(r.sandbox_name),
  detail: text(r.detail),
  count: Number(r.count),
  firstAt: Number(r.first_at),
  lastAt: Number(r.last_at),
});

/** Gateway rejections in SQLite (`gateway.db`): one upsert per key, then a trim to the bound (oldest last rejection first). */
export class SqliteRejectionStore implements GatewayRejectionStore, Transferable {
  readonly transferName = 'gateway-rejections';
  private readonly stmts;

  constructor(
    private readonly db: SqliteDb,
    private readonly maxRows: number = DEFAULT_MAX_REJECTION_ROWS,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS gateway_rejections (
        org_id TEXT NOT NULL, client_id TEXT NOT NULL, reason TEXT NOT NULL, sandbox_name TEXT NOT NULL,
        error_code TEXT NOT NULL, detail TEXT NOT NULL, count INTEGER NOT NULL, first_at INTEGER NOT NULL, last_at INTEGER NOT NULL,
        PRIMARY KEY (org_id, client_id, reason, sandbox_name)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS gateway_rejections_last ON gateway_rejections(last_at);
      CREATE INDEX IF NOT EXISTS gateway_rejections_org ON gateway_rejections(org_id, last_at);`);
    this.stmts = {
      upsert: db.prepare(
        `INSERT INTO gateway_rejections (org_id, client_id, reason, sandbox_name, error_code, detail, count, first_at, last_at) VALUES (?,?,?,?,?,?,?,?,?)
         ON CONFLICT (org_id, client_id, reason, sandbox_name) DO UPDATE SET
           count = count + excluded.count, first_at = min(first_at, excluded.first_at),
           detail = CASE WHEN excluded.last_at >= last_at THEN excluded.detail ELSE detail END,
           error_code = CASE WHEN excluded.last_at >= last_at THEN excluded.error_code ELSE error_code END,
           last_at = max(last_at, excluded.last_at)`,
      ),
      restore: db.prepare(
        `INSERT INTO gateway_rejections (org_id, client_id, reason, sandbox_name, error_code, detail, count, first_at, last_at) VALUES (?,?,?,?,?,?,?,?,?)
         ON CONFLICT (org_id, client_id, reason, sandbox_name) DO UPDATE SET error_code = excluded.error_code, detail = excluded.detail,
           count = excluded.count, first_at = excluded.first_at, last_at = excluded.last_at`,
      ),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM gateway_rejections'),
      trim: db.prepare<[number]>(
        `DELETE FROM gateway_rejections WHERE (org_id, client_id, reason, sandbox_name) IN
           (SELECT org_id, client_id, reason, sandbox_name FROM gateway_rejections ORDER BY last_at DESC, org_id, client_id, reason, sandbox_name LIMIT -1 OFFSET ?)`,
      ),
    };
  }

  private write(rows: ReadonlyArray<GatewayRejection & { count: number; firstAt: number; lastAt: number }>, stmt: 'upsert' | 'restore'): void {
    this.db.transaction(() => {
      for (const r of rows) this.stmts[stmt].run(r.orgId, r.clientId, r.reason, r.sandboxName, r.errorCode, r.detail, r.count, r.firstAt, r.lastAt);
      if ((this.stmts.count.get()?.n ?? 0) > this.maxRows) this.stmts.trim.run(this.maxRows);
    }).immediate();
  }

  async record(items: ReadonlyArray<GatewayRejection & { count: number; at: number }>): Promise<void> {
    const rows = mergeByKey(items);
    if (rows.length > 0) this.write(rows, 'upsert');
  }

  async list(q: RejectionQuery): Promise<RejectionRow[]> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.orgId !== undefined) {
      where.push('org_id = ?');
      args.push(q.orgId);
    }
    if (q.since !== undefined) {
      where.push('last_at >= ?');
      args.push(q.since);
    }
    const sql = `SELECT * FROM gateway_rejections ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY last_at DESC, org_id, client_id, reason, sandbox_name LIMIT ?`;
    return this.db.prepare<unknown[], Row>(sql).all(...args, q.limit).map((r) => rowOf(r));
  }

  async close(): Promise<void> {}

  exportRows(): AsyncIterable<RejectionRow[]> {
    return sqliteExport(this.db, [{ sql: 'SELECT * FROM gateway_rejections ORDER BY org_id, client_id, reason, sandbox_name', map: (r: Row) => rowOf(r) }]) as AsyncIterable<RejectionRow[]>;
  }

  /** A row of the same key takes the dump's values (a second import changes nothing). */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<RejectionRow>(this.transferName, rows, { '': REJECTION_ROW });
    if (checked.length > 0) this.write(checked, 'restore');
  }
}
