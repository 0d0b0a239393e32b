import type pg from 'pg';
import { migrate, type Migration } from '../../store/postgres/migrations.js';
import { schemaPrefix } from '../../store/postgres/pg-text.js';
import { entryRow, extrasOf, INGEST_LOG_ROWS, splitLogRows, withExtras, type EntryExtras, type IngestLog, type IngestLogRow, type LogEntry, type LogEntryInput } from './ingest-log.js';
import { columns, pgExport, pgTransaction } from '../../store/postgres/pg-transfer.js';
import { checkedRows, type Transferable } from '../../store/transfer.js';

interface Pending {
  entries: LogEntryInput[];
  resolve: (offsets: number[]) => void;
  reject: (e: unknown) => void;
}

interface Row extends EntryExtras {
  offset: string;
  sandbox_id: string;
  org_id: string;
  kind: string;
  received_at: string;
  payload: string;
}

/** The ingest log's tables (IF NOT EXISTS: databases from before migrations already have them). */
export const PG_INGEST_LOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'log, consumers, head',
    sql: (p) => `CREATE TABLE IF NOT EXISTS ${p}kith_ingest_log (
        "offset" BIGINT PRIMARY KEY, sandbox_id TEXT NOT NULL, org_id TEXT NOT NULL, kind TEXT NOT NULL,
        received_at BIGINT NOT NULL, payload TEXT NOT NULL, inlet_id TEXT, dataset_id TEXT, key TEXT, request_id TEXT, meta TEXT);
      CREATE TABLE IF NOT EXISTS ${p}kith_ingest_log_consumers (name TEXT PRIMARY KEY, "offset" BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${p}kith_ingest_log_head (id INT PRIMARY KEY CHECK (id = 1), v BIGINT NOT NULL);
      INSERT INTO ${p}kith_ingest_log_head VALUES (1, 0) ON CONFLICT (id) DO NOTHING;`,
  },
];

/**
 * Ingest log on PostgreSQL with group commit: appends queued while a flush is in flight go into the next
 * transaction together (one `INSERT … SELECT FROM unnest(…)` and one COMMIT/WAL flush), then all resolve.
 * Offsets come from a one-row counter updated in the same transaction (`UPDATE … RETURNING`), so they are
 * contiguous, gap-free after rollbacks, never reused after truncation, and safe with several writer processes
 * (the row lock serialises them). The pool is the caller's; `schema` qualifies the tables.
 */
export class PgIngestLog implements IngestLog, Transferable {
  readonly transferName = 'ingest-log';
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
  ) {}

  static async open(opts: { pool: pg.Pool; schema?: string }): Promise<PgIngestLog> {
    await migrate(opts.pool, 'ingest-log', PG_INGEST_LOG_MIGRATIONS, opts.schema);
    return new PgIngestLog(opts.pool, `${schemaPrefix(opts.schema)}kith_ingest_log`);
  }

  append(entries: LogEntryInput[]): Promise<number[]> {
    if (this.closed) return Promise.reject(new Error('ingest log is closed'));
    if (entries.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  /** Entries waiting for the next group commit (for back-pressure). */
  queued(): number {
    let n = 0;
    for (const p of this.queue) n += p.entries.length;
    return n;
  }

  private async flushLoop(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // let the current tick's appends join
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const offsets = await this.write(batch.flatMap((p) => p.entries));
        let i = 0;
        for (const p of batch) {
          p.resolve(offsets.slice(i, i + p.entries.length));
          i += p.entries.length;
        }
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
    this.flushing = null;
  }

  private async write(all: LogEntryInput[]): Promise<number[]> {
    return pgTransaction(this.pool, async (c) => {
      const r = await c.query<{ v: string }>(`UPDATE ${this.table}_head SET v = v + $1 WHERE id = 1 RETURNING v`, [all.length]);
      const first = Number(r.rows[0]!.v) - all.length + 1;
      const entries = all.map((e, i) => ({ ...e, offset: first + i }));
      await this.insertEntries(c, entries, '');
      return entries.map((e) => e.offset);
    });
  }

  /** One multi-row insert of entries with their offsets (`conflict`: what an offset already there does). */
  private async insertEntries(c: pg.PoolClient, entries: readonly LogEntry[], conflict: string): Promise<void> {
    const x = entries.map(extrasOf);
    const cols = columns(entries, [(e) => e.offset, (e) => e.sandboxId, (e) => e.orgId, (e) => e.kind, (e) => e.receivedAt, (e) => e.payload]);
    for (const k of ['inlet_id', 'dataset_id', 'key', 'request_id', 'meta'] as const) cols.push(x.map((v) => v[k]));
    await c.query(
      `INSERT INTO ${this.table} ("offset",sandbox_id,org_id,kind,received_at,payload,inlet_id,dataset_id,key,request_id,meta)
       SELECT * FROM unnest($1::bigint[],$2::text[],$3::text[],$4::text[],$5::bigint[],$6::text[],$7::text[],$8::text[],$9::text[],$10::text[],$11::text[]) ${conflict}`,
      cols,
    );
  }

  exportRows(): AsyncIterable<IngestLogRow[]> {
    return pgExport(this.pool, [
      { sql: `SELECT name, "offset" FROM ${this.table}_consumers ORDER BY name COLLATE "C"`, map: (r: { name: string; offset: string }) => ({ t: 'consumer', name: r.name, offset: Number(r.offset) }) },
      {
        sql: `SELECT * FROM ${this.table} ORDER BY "offset"`,
        map: (x: Row) => entryRow(withExtras<LogEntry>({ offset: Number(x.offset), sandboxId: x.sandbox_id, orgId: x.org_id, kind: x.kind, receivedAt: Number(x.received_at), payload: x.payload }, x)),
      },
      { sql: `SELECT v FROM ${this.table}_head WHERE v > 0`, map: (r: { v: string }) => ({ t: 'head', offset: Number(r.v) }) },
    ]) as AsyncIterable<IngestLogRow[]>;
  }

  /** Entries keep their offsets (an entry already there stays as it is); markers are set; the head only moves up. */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const { entries, consumers, head } = splitLogRows(checkedRows<IngestLogRow>(this.transferName, rows, INGEST_LOG_ROWS));
    if (rows.length === 0) return;
    await pgTransaction(this.pool, async (c) => {
      if (entries.length > 0) await this.insertEntries(c, entries, 'ON CONFLICT ("offset") DO NOTHING');
      if (consumers.length > 0)
        await c.query(
          `INSERT INTO ${this.table}_consumers (name, "offset") SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (name) DO UPDATE SET "offset" = excluded."offset"`,
          columns(consumers, [(r) => r.name, (r) => r.offset]),
        );
      await c.query(`UPDATE ${this.table}_head SET v = GREATEST(v, $1) WHERE id = 1`, [head]);
    });
  }

  async read(afterOffset: number, max: number): Promise<LogEntry[]> {
    const r = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE "offset" > $1 ORDER BY "offset" LIMIT $2`, [afterOffset, max]);
    return r.rows.map((x) =>
      withExtras<LogEntry>(
        { offset: Number(x.offset), sandboxId: x.sandbox_id, orgId: x.org_id, kind: x.kind, receivedAt: Number(x.received_at), payload: x.payload },
        x,
      ),
    );
  }

  async commit(consumer: string, offset: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.table}_consumers(name, "offset") VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET "offset" = excluded."offset"`,
      [consumer, offset],
    );
  }

  async committed(consumer: string): Promise<number> {
    const r = await this.pool.query<{ offset: string }>(`SELECT "offset" FROM ${this.table}_consumers WHERE name = $1`, [consumer]);
    return r.rows[0] ? Number(r.rows[0].offset) : 0;
  }

  async head(): Promise<number> {
    const r = await this.pool.query<{ v: string }>(`SELECT v FROM ${this.table}_head WHERE id = 1`);
    return Number(r.rows[0]?.v ?? 0);
  }

  async backlog(consumer: string): Promise<number> {
    return Math.max(0, (await this.head()) - (await this.committed(consumer)));
  }

  async truncateBefore(offset: number): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE "offset" <= $1`, [offset]);
  }

  /** The table-name prefix this log uses. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
  }
}
