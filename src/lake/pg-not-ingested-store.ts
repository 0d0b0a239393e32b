import type pg from 'pg';
import { migrate, type Migration } from '../store/postgres/migrations.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { boundRecord, NOT_INGESTED_ROW, type BatchNotIngested, type DatasetNotIngested, type NotIngestedItem, type NotIngestedQuery, type NotIngestedStore, type StoredNotIngested } from './not-ingested-store.js';
import { datasetCounts, type CountRow } from './not-ingested-counts.js';
import { toStoredNotIngested, type NotIngestedRow } from './sqlite-not-ingested-store.js';
import { foldAscii, MAX_SEARCH_ROWS, pgFoldAscii, unsearchable } from './text-search.js';
import { fromPgRow, fromPgText, schemaPrefix, toPgBigint, toPgValue } from '../store/postgres/pg-text.js';
import { checkedRows, type Transferable } from '../store/transfer.js';
import { bumpSerial, columns, pgExport, pgTransaction } from '../store/postgres/pg-transfer.js';

/** The store's table (IF NOT EXISTS: databases from before migrations already have it). */
export const PG_NOT_INGESTED_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'not ingested to profile',
    sql: (p) => `CREATE TABLE IF NOT EXISTS ${p}kith_not_ingested_to_profile (
        id BIGSERIAL PRIMARY KEY, sandbox_id TEXT NOT NULL, org_id TEXT NOT NULL, dataset_id TEXT NOT NULL, batch_id TEXT NOT NULL,
        "offset" BIGINT NOT NULL UNIQUE, record_id TEXT, xaction_id TEXT NOT NULL, is_event BOOLEAN NOT NULL, received_at BIGINT NOT NULL,
        code TEXT NOT NULL, reason TEXT NOT NULL, record TEXT NOT NULL, truncated BOOLEAN NOT NULL, created_at BIGINT NOT NULL, replayed_at BIGINT);
      CREATE INDEX IF NOT EXISTS kith_not_ingested_to_profile_by_batch ON ${p}kith_not_ingested_to_profile(sandbox_id, batch_id);
      CREATE INDEX IF NOT EXISTS kith_not_ingested_to_profile_by_dataset ON ${p}kith_not_ingested_to_profile(sandbox_id, dataset_id);`,
  },
];

/** Not-ingested-to-profile records on PostgreSQL (same rules as the SQLite adapter). The pool is the caller's; `schema` qualifies the table. */
export class PgNotIngestedStore implements NotIngestedStore, Transferable {
  readonly transferName = 'not-ingested';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  static async open(opts: { pool: pg.Pool; schema?: string; clock?: Clock }): Promise<PgNotIngestedStore> {
    await migrate(opts.pool, 'not-ingested', PG_NOT_INGESTED_MIGRATIONS, opts.schema);
    return new PgNotIngestedStore(opts.pool, `${schemaPrefix(opts.schema)}kith_not_ingested_to_profile`, opts.clock ?? systemClock);
  }

  async add(items: NotIngestedItem[]): Promise<void> {
    if (items.length === 0) return;
    const now = this.clock.now();
    const cols: unknown[][] = Array.from({ length: 14 }, () => []);
    // a chunk may carry one offset twice (never from the processor; cheap to guard): the last one wins
    const byOffset = new Map(items.map((i) => [i.offset, i]));
    for (const i of byOffset.values()) {
      const b = boundRecord(i.record);
      // client text (ids, reasons quoting client values, the record) may hold U+0000, which PostgreSQL TEXT refuses
      [i.sandboxId, i.orgId, i.datasetId, i.batchId, i.offset, i.recordId, i.xactionId, i.isEvent, i.receivedAt, i.code, i.reason, b.record, b.truncated, now].forEach((v, j) => cols[j]!.push(toPgValue(v)));
    }
    await this.pool.query(
      `INSERT INTO ${this.table} (sandbox_id,org_id,dataset_id,batch_id,"offset",record_id,xaction_id,is_event,received_at,code,reason,record,truncated,created_at)
       SELECT * FROM unnest($1::text[],$2::text[],$3::text[],$4::text[],$5::bigint[],$6::text[],$7::text[],$8::boolean[],$9::bigint[],$10::text[],$11::text[],$12::text[],$13::boolean[],$14::bigint[])
       ON CONFLICT ("offset") DO UPDATE SET code = excluded.code, reason = excluded.reason, replayed_at = NULL`,
      cols,
    );
  }

  async countBatch(sandboxId: string, batchId: string): Promise<BatchNotIngested> {
    const r = await this.pool.query<{ code: string; reason: string; n: string }>(
      `SELECT code, min(reason) AS reason, count(*) AS n FROM ${this.table} WHERE sandbox_id = $1 AND batch_id = $2 GROUP BY code ORDER BY count(*) DESC, code`,
      [sandboxId, batchId],
    );
    const reasons = r.rows.map((x) => ({ code: x.code, reason: fromPgText(x.reason), count: Number(x.n) }));
    return { total: reasons.reduce((a, x) => a + x.count, 0), reasons };
  }

  async list(q: NotIngestedQuery): Promise<StoredNotIngested[]> {
    const args: unknown[] = [q.sandboxId, toPgBigint(Number(q.after ?? 0) || 0)];
    const where = ['sandbox_id = $1', 'id > $2'];
    const add = (sql: string, v: unknown) => {
      args.push(toPgValue(v));
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (q.datasetId !== undefined) add('dataset_id = ?', q.datasetId);
    if (q.batchId !== undefined) add('batch_id = ?', q.batchId);
    if (q.code !== undefined) add('code = ?', q.code);
    if (q.since !== undefined) add('created_at >= ?', toPgBigint(q.since));
    if (!q.includeReplayed) where.push('replayed_at IS NULL');
    args.push(q.limit);
    const r = await this.pool.query<NotIngestedRow>(`SELECT * FROM ${this.table} WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${args.length}`, args);
    return r.rows.map((x) => toStoredNotIngested(fromPgRow(x)));
  }

  async containing(sandboxId: string, text: string, limit: number): Promise<StoredNotIngested[]> {
    if (unsearchable(text)) return [];
    const r = await this.pool.query<NotIngestedRow>(
      `SELECT * FROM ${this.table} WHERE sandbox_id = $1 AND strpos(${pgFoldAscii('record')}, $2) > 0 ORDER BY id DESC LIMIT $3`,
      [sandboxId, foldAscii(text), Math.max(0, Math.min(limit, MAX_SEARCH_ROWS))],
    );
    return r.rows.map((x) => toStoredNotIngested(fromPgRow(x)));
  }

  async get(sandboxId: string, id: string): Promise<StoredNotIngested | undefined> {
    if (!/^\d{1,15}$/.test(id)) return undefined;
    const r = await this.pool.query<NotIngestedRow>(`SELECT * FROM ${this.table} WHERE sandbox_id = $1 AND id = $2`, [sandboxId, id]);
    return r.rows[0] ? toStoredNotIngested(fromPgRow(r.rows[0])) : undefined;
  }

  async countsByDataset(sandboxIds: readonly string[]): Promise<DatasetNotIngested[]> {
    const r = await this.pool.query<CountRow>(
      `SELECT sandbox_id, dataset_id, code, min(reason) AS reason, count(*) - count(replayed_at) AS live, count(replayed_at) AS replayed, max(created_at) AS last_at
       FROM ${this.table} WHERE sandbox_id = ANY($1::text[]) GROUP BY sandbox_id, dataset_id, code`,
      [sandboxIds],
    );
    return datasetCounts(r.rows.map(fromPgRow));
  }

  async recent(sandboxIds: readonly string[], n: number): Promise<StoredNotIngested[]> {
    const r = await this.pool.query<NotIngestedRow>(
      `SELECT * FROM ${this.table} WHERE sandbox_id = ANY($1::text[]) AND replayed_at IS NULL ORDER BY id DESC LIMIT $2`,
      [sandboxIds, n],
    );
    return r.rows.map((x) => toStoredNotIngested(fromPgRow(x)));
  }

  async markReplayed(sandboxId: string, ids: readonly string[], at: number): Promise<void> {
    const valid = ids.filter((id) => /^\d{1,15}$/.test(id));
    if (valid.length) await this.pool.query(`UPDATE ${this.table} SET replayed_at = $1 WHERE sandbox_id = $2 AND id = ANY($3::bigint[])`, [at, sandboxId, valid]);
  }

  exportRows(): AsyncIterable<StoredNotIngested[]> {
    return pgExport(this.pool, [{ sql: `SELECT * FROM ${this.table} ORDER BY id`, map: (x: NotIngestedRow) => toStoredNotIngested(fromPgRow(x)) }]) as AsyncIterable<StoredNotIngested[]>;
  }

  /** Rows keep their ids (the API hands them out); a row of the same id is replaced. */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<StoredNotIngested>(this.transferName, rows, { '': NOT_INGESTED_ROW });
    if (checked.length === 0) return;
    const fields: Array<(r: StoredNotIngested) => unknown> = [
      (r) => r.id, (r) => r.sandboxId, (r) => r.orgId, (r) => r.datasetId, (r) => r.batchId, (r) => r.offset, (r) => r.recordId, (r) => r.xactionId,
      (r) => r.isEvent, (r) => r.receivedAt, (r) => r.code, (r) => r.reason, (r) => r.record, (r) => r.truncated, (r) => r.createdAt, (r) => r.replayedAt,
    ];
    const cols = columns(checked, fields.map((f) => (r: StoredNotIngested) => toPgValue(f(r))));
    await pgTransaction(this.pool, async (c) => {
      await c.query(
        `INSERT INTO ${this.table} (id,sandbox_id,org_id,dataset_id,batch_id,"offset",record_id,xaction_id,is_event,received_at,code,reason,record,truncated,created_at,replayed_at)
         SELECT * FROM unnest($1::bigint[],$2::text[],$3::text[],$4::text[],$5::text[],$6::bigint[],$7::text[],$8::text[],$9::boolean[],$10::bigint[],$11::text[],$12::text[],$13::text[],$14::boolean[],$15::bigint[],$16::bigint[])
         ON CONFLICT (id) DO UPDATE SET sandbox_id = excluded.sandbox_id, org_id = excluded.org_id, dataset_id = excluded.dataset_id, batch_id = excluded.batch_id,
           "offset" = excluded."offset", record_id = excluded.record_id, xaction_id = excluded.xaction_id, is_event = excluded.is_event, received_at = excluded.received_at,
           code = excluded.code, reason = excluded.reason, record = excluded.record, truncated = excluded.truncated, created_at = excluded.created_at, replayed_at = excluded.replayed_at`,
        cols,
      );
      await bumpSerial(c, this.table);
    });
  }

  async close(): Promise<void> {
  }
}
