import type pg from 'pg';
import type { SeenIds } from '../ingest/processor/processor-ports.js';
import { fromPgText, schemaPrefix, toPgText } from '../store/postgres/pg-text.js';
import { checkedRows, rowsOfKind, type Transferable } from '../store/transfer.js';
import { columns, pgExport, pgTransaction } from '../store/postgres/pg-transfer.js';
import { SEEN_IDS_ROWS, type SeenIdsRow } from './seen-ids-transfer-rows.js';
import { migrate, type Migration } from '../store/postgres/migrations.js';

/** The dedupe tables (IF NOT EXISTS: databases from before migrations already have them). */
export const PG_SEEN_IDS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'seen ids, seen marks',
    // "C": byte order, the cheapest comparison (ids are only ever matched for equality)
    sql: (p) => `CREATE TABLE IF NOT EXISTS ${p}kith_seen_ids (dataset_key TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, PRIMARY KEY (dataset_key, id));
      CREATE TABLE IF NOT EXISTS ${p}kith_seen_marks (consumer TEXT PRIMARY KEY, "offset" BIGINT NOT NULL);`,
  },
];

/**
 * The `_id` dedupe index on PostgreSQL (same rules as SqliteSeenIds). The pool is the caller's; `schema` qualifies
 * the tables. A chunk's ids are checked and stored with one statement each (`= ANY`, `unnest … ON CONFLICT DO
 * NOTHING`); a lake write's ids and its seen mark are one statement, hence one transaction.
 */
export class PgSeenIds implements SeenIds, Transferable {
  readonly transferName = 'seen-ids';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly ids: string,
    private readonly marks: string,
  ) {}

  static async open(opts: { pool: pg.Pool; schema?: string }): Promise<PgSeenIds> {
    const p = schemaPrefix(opts.schema);
    const ids = `${p}kith_seen_ids`;
    const marks = `${p}kith_seen_marks`;
    await migrate(opts.pool, 'seen-ids', PG_SEEN_IDS_MIGRATIONS, opts.schema);
    return new PgSeenIds(opts.pool, ids, marks);
  }

  async seen(datasetKey: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const r = await this.pool.query<{ id: string }>(`SELECT id FROM ${this.ids} WHERE dataset_key = $1 AND id = ANY($2::text[])`, [toPgText(datasetKey), ids.map(toPgText)]);
    return new Set(r.rows.map((x) => fromPgText(x.id)));
  }

  async remember(datasetKey: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.pool.query(`INSERT INTO ${this.ids} (dataset_key, id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [toPgText(datasetKey), ids.map(toPgText)]);
  }

  async rememberThrough(consumer: string, upTo: number, ids: ReadonlyMap<string, readonly string[]>): Promise<void> {
    const keys: string[] = [];
    const values: string[] = [];
    for (const [k, list] of ids) {
      const key = toPgText(k);
      for (const id of list) {
        keys.push(key);
        values.push(toPgText(id));
      }
    }
    // a data-modifying CTE runs whether or not it is read: the ids and the mark commit (or fail) together
    await this.pool.query(
      `WITH remembered AS (INSERT INTO ${this.ids} (dataset_key, id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING)
       INSERT INTO ${this.marks} (consumer, "offset") VALUES ($3, $4) ON CONFLICT (consumer) DO UPDATE SET "offset" = GREATEST(${this.marks}."offset", excluded."offset")`,
      [keys, values, consumer, upTo],
    );
  }

  async rememberedThrough(consumer: string): Promise<number | undefined> {
    const r = await this.pool.query<{ offset: string }>(`SELECT "offset" FROM ${this.marks} WHERE consumer = $1`, [consumer]);
    return r.rows[0] ? Number(r.rows[0].offset) : undefined;
  }

  exportRows(): AsyncIterable<SeenIdsRow[]> {
    return pgExport(this.pool, [
      { sql: `SELECT consumer, "offset" FROM ${this.marks} ORDER BY consumer COLLATE "C"`, map: (r: { consumer: string; offset: string }) => ({ t: 'mark', consumer: r.consumer, offset: Number(r.offset) }) },
      { sql: `SELECT dataset_key, id FROM ${this.ids} ORDER BY dataset_key, id`, map: (r: { dataset_key: string; id: string }) => ({ t: 'id', datasetKey: fromPgText(r.dataset_key), id: fromPgText(r.id) }) },
    ]) as AsyncIterable<SeenIdsRow[]>;
  }

  /** Ids are added (never removed); a mark only moves up, as in rememberThrough. */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<SeenIdsRow>(this.transferName, rows, SEEN_IDS_ROWS);
    const ids = rowsOfKind(checked, 'id') as Array<Extract<SeenIdsRow, { t: 'id' }>>;
    const marks = rowsOfKind(checked, 'mark') as Array<Extract<SeenIdsRow, { t: 'mark' }>>;
    if (checked.length === 0) return;
    await pgTransaction(this.pool, async (c) => {
      if (ids.length > 0)
        await c.query(`INSERT INTO ${this.ids} (dataset_key, id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`, columns(ids, [(r) => toPgText(r.datasetKey), (r) => toPgText(r.id)]));
      if (marks.length > 0)
        await c.query(
          `INSERT INTO ${this.marks} (consumer, "offset") SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (consumer) DO UPDATE SET "offset" = GREATEST(${this.marks}."offset", excluded."offset")`,
          columns(marks, [(r) => r.consumer, (r) => r.offset]),
        );
    });
  }
}
