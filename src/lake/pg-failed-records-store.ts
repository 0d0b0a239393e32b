import type pg from 'pg';
import { systemClock, type Clock } from '../shared/clock.js';
import type { FailedItem } from '../ingest/processor/processor-ports.js';
import { fromPgText, schemaPrefix, toPgBigint, toPgText } from '../store/postgres/pg-text.js';
import { migrate, type Migration } from '../store/postgres/migrations.js';
import { FAILED_RECORD_ROW, failedRecordRow, type BatchFailedCounts, type FailedQuery, type FailedRecordRow, type FailedRecordsStore, type StoredFailedRecord } from './failed-records-store.js';
import { checkedRows, type Transferable } from '../store/transfer.js';
import { bumpSerial, columns, pgExport, pgTransaction } from '../store/postgres/pg-transfer.js';
import { isRowId, toStoredFailed, type FailedRow } from './sqlite-failed-records-store.js';
import { foldAscii, MAX_SEARCH_ROWS, pgFoldAscii, unsearchable } from './text-search.js';

/** The store's table (IF NOT EXISTS: databases from before migrations already have it). */
export const PG_FAILED_RECORDS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'failed records',
    sql: (p) => `CREATE TABLE IF NOT EXISTS ${p}kith_failed_records (
        id BIGSERIAL PRIMARY KEY, sandbox_id TEXT NOT NULL, dataset_id TEXT NOT NULL, batch_id TEXT NOT NULL,
        "offset" BIGINT NOT NULL UNIQUE, code TEXT NOT NULL, reason TEXT NOT NULL, violations TEXT, payload TEXT NOT NULL,
        created_at BIGINT NOT NULL, replayed_at BIGINT);
      CREATE INDEX IF NOT EXISTS kith_failed_by_batch ON ${p}kith_failed_records(sandbox_id, batch_id);
      CREATE INDEX IF NOT EXISTS kith_failed_by_dataset ON ${p}kith_failed_records(sandbox_id, dataset_id);`,
  },
];

/**
 * Failed records on PostgreSQL (same rules as the SQLite adapter). The pool is the caller's; `schema` qualifies the
 * table (tests use one schema per run). A chunk's records go in one multi-row statement (`unnest`).
 */
export class PgFailedRecordsStore implements FailedRecordsStore, Transferable {
  readonly transferName = 'failed-records';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly t: string,
    private readonly clock: Clock,
  ) {}

  static async open(opts: { pool: pg.Pool; schema?: string; clock?: Clock }): Promise<PgFailedRecordsStore> {
    await migrate(opts.pool, 'failed-records', PG_FAILED_RECORDS_MIGRATIONS, opts.schema);
    const t = `${schemaPrefix(opts.schema)}kith_failed_records`;
    return new PgFailedRecordsStore(opts.pool, t, opts.clock ?? systemClock);
  }

  async add(items: FailedItem[]): Promise<void> {
    if (items.length === 0) return;
    const cols: unknown[][] = Array.from({ length: 8 }, () => []);
    for (const f of items)
      [toPgText(f.sandboxId), toPgText(f.datasetId), toPgText(f.batchId), f.offset, toPgText(f.code), toPgText(f.reason), f.violations ? JSON.stringify(f.violations) : null, toPgText(f.payload)].forEach((v, j) => cols[j]!.push(v));
    await this.pool.query(
      `INSERT INTO ${this.t} (sandbox_id,dataset_id,batch_id,"offset",code,reason,violations,payload,created_at)
       SELECT *, $9::bigint FROM unnest($1::text[],$2::text[],$3::text[],$4::bigint[],$5::text[],$6::text[],$7::text[],$8::text[])
       ON CONFLICT ("offset") DO NOTHING`,
      [...cols, this.clock.now()],
    );
  }

  async countBatch(sandboxId: string, batchId: string): Promise<number> {
    const r = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.t} WHERE sandbox_id = $1 AND batch_id = $2`, [toPgText(sandboxId), toPgText(batchId)]);
    return r.rows[0]?.n ?? 0;
  }

  async firstReasons(sandboxId: string, batchId: string, n: number) {
    const r = await this.pool.query<{ code: string; reason: string; offset: string }>(
      `SELECT code, reason, "offset" FROM ${this.t} WHERE sandbox_id = $1 AND batch_id = $2 ORDER BY "offset" LIMIT $3`,
      [toPgText(sandboxId), toPgText(batchId), n],
    );
    return r.rows.map((x) => ({ code: fromPgText(x.code), reason: fromPgText(x.reason), offset: Number(x.offset) }));
  }

  async list(q: FailedQuery): Promise<StoredFailedRecord[]> {
    const args: unknown[] = [toPgText(q.sandboxId), toPgBigint(Number(q.after ?? 0) || 0)];
    const where = ['sandbox_id = $1', 'id > $2'];
    const eq = (col: string, v: string | undefined) => {
      if (!v) return;
      args.push(toPgText(v));
      where.push(`${col} = $${args.length}`);
    };
    eq('dataset_id', q.datasetId);
    eq('batch_id', q.batchId);
    if (!q.includeReplayed) where.push('replayed_at IS NULL');
    args.push(q.limit);
    const r = await this.pool.query<FailedRow>(`SELECT * FROM ${this.t} WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${args.length}`, args);
    return r.rows.map((x) => toStoredFailed(x, fromPgText));
  }

  async get(sandboxId: string, id: string): Promise<StoredFailedRecord | undefined> {
    if (!isRowId(id)) return undefined;
    const r = await this.pool.query<FailedRow>(`SELECT * FROM ${this.t} WHERE sandbox_id = $1 AND id = $2`, [toPgText(sandboxId), id]);
    return r.rows[0] ? toStoredFailed(r.rows[0], fromPgText) : undefined;
  }

  async containing(sandboxId: string, text: string, limit: number): Promise<StoredFailedRecord[]> {
    if (unsearchable(text)) return [];
    const r = await this.pool.query<FailedRow>(
      `SELECT * FROM ${this.t} WHERE sandbox_id = $1 AND strpos(${pgFoldAscii('payload')}, $2) > 0 ORDER BY id DESC LIMIT $3`,
      [toPgText(sandboxId), foldAscii(text), Math.max(0, Math.min(limit, MAX_SEARCH_ROWS))],
    );
    return r.rows.map((x) => toStoredFailed(x, fromPgText));
  }

  async countsByBatch(sandboxId: string, datasetId?: string): Promise<BatchFailedCounts[]> {
    const r = await this.pool.query<{ batch_id: string; dataset_id: string; failed: number; replayed: number }>(
      `SELECT batch_id, dataset_id, count(*)::int AS failed, count(replayed_at)::int AS replayed FROM ${this.t}
       WHERE sandbox_id = $1 AND ($2 = '' OR dataset_id = $2) GROUP BY batch_id, dataset_id ORDER BY batch_id COLLATE "C", dataset_id COLLATE "C"`,
      [toPgText(sandboxId), toPgText(datasetId ?? '')],
    );
    return r.rows.map((x) => ({ batchId: fromPgText(x.batch_id), datasetId: fromPgText(x.dataset_id), failed: x.failed, replayed: x.replayed }));
  }

  async markReplayed(sandboxId: string, ids: string[]): Promise<void> {
    const valid = ids.filter(isRowId);
    if (valid.length) await this.pool.query(`UPDATE ${this.t} SET replayed_at = $1 WHERE sandbox_id = $2 AND id = ANY($3::bigint[])`, [this.clock.now(), toPgText(sandboxId), valid]);
  }

  exportRows(): AsyncIterable<FailedRecordRow[]> {
    return pgExport(this.pool, [{ sql: `SELECT * FROM ${this.t} ORDER BY id`, map: (r: FailedRow) => failedRecordRow(toStoredFailed(r, fromPgText)) }]) as AsyncIterable<FailedRecordRow[]>;
  }

  /** Rows keep their ids (clients hold them in replay requests); a row of the same id is replaced. */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<FailedRecordRow>(this.transferName, rows, { '': FAILED_RECORD_ROW });
    if (checked.length === 0) return;
    const cols = columns(checked, [
      (r) => r.id, (r) => toPgText(r.sandboxId), (r) => toPgText(r.datasetId), (r) => toPgText(r.batchId), (r) => r.offset, (r) => toPgText(r.code), (r) => toPgText(r.reason),
      (r) => (r.violations ? JSON.stringify(r.violations) : null), (r) => toPgText(r.payload), (r) => r.createdAt, (r) => r.replayedAt,
    ]);
    await pgTransaction(this.pool, async (c) => {
      await c.query(
        `INSERT INTO ${this.t} (id,sandbox_id,dataset_id,batch_id,"offset",code,reason,violations,payload,created_at,replayed_at)
         SELECT * FROM unnest($1::bigint[],$2::text[],$3::text[],$4::text[],$5::bigint[],$6::text[],$7::text[],$8::text[],$9::text[],$10::bigint[],$11::bigint[])
         ON CONFLICT (id) DO UPDATE SET sandbox_id = excluded.sandbox_id, dataset_id = excluded.dataset_id, batch_id = excluded.batch_id, "offset" = excluded."offset",
           code = excluded.code, reason = excluded.reason, violations = excluded.violations, payload = excluded.payload, created_at = excluded.created_at, replayed_at = excluded.replayed_at`,
        cols,
      );
      await bumpSerial(c, this.t);
    });
  }
}
