import type pg from 'pg';
import { schemaPrefix, toPgBigint } from '../../store/postgres/pg-text.js';
import { migrate, type Migration } from '../../store/postgres/migrations.js';
import { checkedRows, type Transferable } from '../../store/transfer.js';
import { columns, pgExport, pgTransaction } from '../../store/postgres/pg-transfer.js';
import { mergeDeltas, RUN_TRANSFER_ROWS, type RunDelta, type RunErrorRow, type RunMetricsStore, type RunQuery, type RunRow, type RunTransferRow } from './run-metrics-store.js';

export const PG_RUN_METRICS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'run counts, run errors, marks',
    sql: (p) => `CREATE TABLE IF NOT EXISTS ${p}kith_flow_run_counts (sandbox_id TEXT COLLATE "C" NOT NULL, flow_id TEXT COLLATE "C" NOT NULL,
        connection_id TEXT COLLATE "C" NOT NULL, dataset_id TEXT COLLATE "C" NOT NULL, window_start BIGINT NOT NULL, run_id TEXT COLLATE "C" NOT NULL,
        window_ms BIGINT NOT NULL, received BIGINT NOT NULL, ingested BIGINT NOT NULL, failed BIGINT NOT NULL, duplicates BIGINT NOT NULL,
        profile_ingested BIGINT NOT NULL, profile_not_ingested BIGINT NOT NULL, input_bytes BIGINT NOT NULL, first_at BIGINT NOT NULL, last_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL, PRIMARY KEY (sandbox_id, flow_id, connection_id, dataset_id, window_start));
      CREATE INDEX IF NOT EXISTS kith_flow_run_counts_run ON ${p}kith_flow_run_counts (sandbox_id, run_id);
      CREATE INDEX IF NOT EXISTS kith_flow_run_counts_connection ON ${p}kith_flow_run_counts (sandbox_id, connection_id, window_start);
      CREATE INDEX IF NOT EXISTS kith_flow_run_counts_dataset ON ${p}kith_flow_run_counts (sandbox_id, dataset_id, window_start);
      CREATE TABLE IF NOT EXISTS ${p}kith_flow_run_errors (sandbox_id TEXT COLLATE "C" NOT NULL, run_id TEXT COLLATE "C" NOT NULL, dataset_id TEXT COLLATE "C" NOT NULL,
        code TEXT COLLATE "C" NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (sandbox_id, run_id, dataset_id, code));
      CREATE TABLE IF NOT EXISTS ${p}kith_flow_run_marks (stage TEXT PRIMARY KEY, "offset" BIGINT NOT NULL);`,
  },
];

const COLS = 'sandbox_id, flow_id, connection_id, dataset_id, window_start, run_id, window_ms, received, ingested, failed, duplicates, profile_ingested, profile_not_ingested, input_bytes, first_at, last_at, updated_at';
const TYPES = ['text', 'text', 'text', 'text', 'bigint', 'text', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint'];
const UNNEST = `SELECT * FROM unnest(${TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;

type Row = Record<string, string>;
const toRow = (r: Row): RunRow => ({
  sandboxId: r.sandbox_id!,
  flowId: r.flow_id!,
  connectionId: r.connection_id!,
  datasetId: r.dataset_id!,
  windowStart: Number(r.window_start),
  runId: r.run_id!,
  windowMs: Number(r.window_ms),
  received: Number(r.received),
  ingested: Number(r.ingested),
  failed: Number(r.failed),
  duplicates: Number(r.duplicates),
  profileIngested: Number(r.profile_ingested),
  profileNotIngested: Number(r.profile_not_ingested),
  inputBytes: Number(r.input_bytes),
  firstAt: Number(r.first_at),
  lastAt: Number(r.last_at),
  updatedAt: Number(r.updated_at),
});

const countColumns = (rows: readonly RunRow[]) =>
  columns(rows, [
    (r) => r.sandboxId, (r) => r.flowId, (r) => r.connectionId, (r) => r.datasetId, (r) => r.windowStart, (r) => r.runId, (r) => r.windowMs,
    (r) => r.received, (r) => r.ingested, (r) => r.failed, (r) => r.duplicates, (r) => r.profileIngested, (r) => r.profileNotIngested, (r) => r.inputBytes,
    (r) => r.firstAt, (r) => r.lastAt, (r) => r.updatedAt,
  ]);

/** Run metrics on PostgreSQL (same rules as the SQLite adapter): one statement per table per chunk, with the mark, in one transaction. */
export class PgRunMetricsStore implements RunMetricsStore, Transferable {
  readonly transferName = 'flow-runs';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly counts: string,
    private readonly errs: string,
    private readonly marks: string,
  ) {}

  static async open(opts: { pool: pg.Pool; schema?: string }): Promise<PgRunMetricsStore> {
    const p = schemaPrefix(opts.schema);
    await migrate(opts.pool, 'flow-runs', PG_RUN_METRICS_MIGRATIONS, opts.schema);
    return new PgRunMetricsStore(opts.pool, `${p}kith_flow_run_counts`, `${p}kith_flow_run_errors`, `${p}kith_flow_run_marks`);
  }

  async mark(stage: string): Promise<number> {
    const r = await this.pool.query<{ offset: string }>(`SELECT "offset" FROM ${this.marks} WHERE stage = $1`, [stage]);
    return r.rows[0] ? Number(r.rows[0].offset) : 0;
  }

  async add(stage: string, upTo: number, deltas: readonly RunDelta[]): Promise<boolean> {
    return pgTransaction(this.pool, async (c) => {
      // the mark row locked first: two writers of one stage apply in turn, and a replay sees the mark it must skip
      await c.query(`INSERT INTO ${this.marks} (stage, "offset") VALUES ($1, 0) ON CONFLICT DO NOTHING`, [stage]);
      const m = await c.query<{ offset: string }>(`SELECT "offset" FROM ${this.marks} WHERE stage = $1 FOR UPDATE`, [stage]);
      if (upTo <= Number(m.rows[0]!.offset)) return false;
      const merged = mergeDeltas(deltas);
      if (merged.length > 0) {
        const rows: RunRow[] = merged.map((d) => ({
          sandboxId: d.sandboxId, flowId: d.flowId, connectionId: d.connectionId, datasetId: d.datasetId, windowStart: d.windowStart, runId: d.runId, windowMs: d.windowMs,
          received: d.counts.received ?? 0, ingested: d.counts.ingested ?? 0, failed: d.counts.failed ?? 0, duplicates: d.counts.duplicates ?? 0,
          profileIngested: d.counts.profileIngested ?? 0, profileNotIngested: d.counts.profileNotIngested ?? 0, inputBytes: d.counts.inputBytes ?? 0,
          firstAt: d.firstAt, lastAt: d.lastAt, updatedAt: d.at,
        }));
        const t = this.counts;
        await c.query(
          `INSERT INTO ${t} (${COLS}) ${UNNEST} ON CONFLICT (sandbox_id, flow_id, connection_id, dataset_id, window_start) DO UPDATE SET
             received = ${t}.received + excluded.received, ingested = ${t}.ingested + excluded.ingested, failed = ${t}.failed + excluded.failed,
             duplicates = ${t}.duplicates + excluded.duplicates, profile_ingested = ${t}.profile_ingested + excluded.profile_ingested,
             profile_not_ingested = ${t}.profile_not_ingested + excluded.profile_not_ingested, input_bytes = ${t}.input_bytes + excluded.input_bytes,
             first_at = LEAST(${t}.first_at, excluded.first_at), last_at = GREATEST(${t}.last_at, excluded.last_at), updated_at = GREATEST(${t}.updated_at, excluded.updated_at)`,
          countColumns(rows),
        );
        const errs: RunErrorRow[] = merged.flatMap((d) => Object.entries(d.errors ?? {}).map(([code, count]) => ({ sandboxId: d.sandboxId, runId: d.runId, datasetId: d.datasetId, code, count })));
        if (errs.length > 0)
          await c.query(
            `INSERT INTO ${this.errs} (sandbox_id, run_id, dataset_id, code, n) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
             ON CONFLICT (sandbox_id, run_id, dataset_id, code) DO UPDATE SET n = ${this.errs}.n + excluded.n`,
            columns(errs, [(r) => r.sandboxId, (r) => r.runId, (r) => r.datasetId, (r) => r.code, (r) => r.count]),
          );
      }
      await c.query(`UPDATE ${this.marks} SET "offset" = $2 WHERE stage = $1`, [stage, upTo]);
      return true;
    });
  }

  async rows(q: RunQuery): Promise<RunRow[]> {
    // TEXT cannot hold U+0000 and every stored id is Kith's own: a filter holding one matches nothing
    if ([q.sandboxId, q.flowId, q.connectionId, q.runId, ...(q.datasetIds ?? [])].some((v) => v?.includes('\0'))) return [];
    const where = ['sandbox_id = $1'];
    const args: unknown[] = [q.sandboxId];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (q.flowId !== undefined) add('flow_id = ?', q.flowId);
    if (q.connectionId !== undefined) add('connection_id = ?', q.connectionId);
    if (q.runId !== undefined) add('run_id = ?', q.runId);
    if (q.datasetIds !== undefined) add('dataset_id = ANY(?::text[])', q.datasetIds);
    if (q.from !== undefined) add('window_start >= ?', toPgBigint(q.from));
    if (q.to !== undefined) add('window_start < ?', toPgBigint(q.to));
    const r = await this.pool.query<Row>(`SELECT ${COLS} FROM ${this.counts} WHERE ${where.join(' AND ')} ORDER BY window_start, flow_id, connection_id, dataset_id`, args);
    return r.rows.map(toRow);
  }

  async errors(sandboxId: string, runIds: readonly string[]): Promise<RunErrorRow[]> {
    const ids = runIds.filter((id) => !id.includes('\0'));
    if (ids.length === 0 || sandboxId.includes('\0')) return [];
    const r = await this.pool.query<Row>(`SELECT * FROM ${this.errs} WHERE sandbox_id = $1 AND run_id = ANY($2::text[]) ORDER BY run_id, dataset_id, code`, [sandboxId, ids]);
    return r.rows.map((x) => ({ sandboxId: x.sandbox_id!, runId: x.run_id!, datasetId: x.dataset_id!, code: x.code!, count: Number(x.n) }));
  }

  exportRows(): AsyncIterable<RunTransferRow[]> {
    return pgExport(this.pool, [
      { sql: `SELECT ${COLS} FROM ${this.counts} ORDER BY sandbox_id, flow_id, connection_id, dataset_id, window_start`, map: (r: Row) => ({ t: 'count', ...toRow(r) }) },
      { sql: `SELECT * FROM ${this.errs} ORDER BY sandbox_id, run_id, dataset_id, code`, map: (r: Row) => ({ t: 'error', sandboxId: r.sandbox_id, runId: r.run_id, datasetId: r.dataset_id, code: r.code, count: Number(r.n) }) },
      { sql: `SELECT stage, "offset" FROM ${this.marks} ORDER BY stage`, map: (r: Row) => ({ t: 'mark', stage: r.stage, offset: Number(r.offset) }) },
    ]) as AsyncIterable<RunTransferRow[]>;
  }

  /** Counts take the dump's values (a second import changes nothing); marks only move up. */
  async importRows(rows: readonly unknown[]): Promise<void> {
    const checked = checkedRows<RunTransferRow>(this.transferName, rows, RUN_TRANSFER_ROWS);
    if (checked.length === 0) return;
    const last = <R extends RunTransferRow>(list: R[], key: (r: R) => string) => [...new Map(list.map((r) => [key(r), r])).values()];
    const of = <T extends RunTransferRow['t']>(t: T) => checked.filter((r): r is Extract<RunTransferRow, { t: T }> => r.t === t);
    const counts = last(of('count'), (r) => `${r.sandboxId}\u0000${r.flowId}\u0000${r.connectionId}\u0000${r.datasetId}\u0000${r.windowStart}`);
    const errs = last(of('error'), (r) => `${r.sandboxId}\u0000${r.runId}\u0000${r.datasetId}\u0000${r.code}`);
    const marks = last(of('mark'), (r) => r.stage);
    await pgTransaction(this.pool, async (c) => {
      if (counts.length > 0) {
        const t = this.counts;
        const set = COLS.split(', ').slice(5).map((col) => `${col} = excluded.${col}`).join(', ');
        await c.query(`INSERT INTO ${t} (${COLS}) ${UNNEST} ON CONFLICT (sandbox_id, flow_id, connection_id, dataset_id, window_start) DO UPDATE SET ${set}`, countColumns(counts));
      }
      if (errs.length > 0)
        await c.query(
          `INSERT INTO ${this.errs} (sandbox_id, run_id, dataset_id, code, n) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
           ON CONFLICT (sandbox_id, run_id, dataset_id, code) DO UPDATE SET n = excluded.n`,
          columns(errs, [(r) => r.sandboxId, (r) => r.runId, (r) => r.datasetId, (r) => r.code, (r) => r.count]),
        );
      if (marks.length > 0)
        await c.query(
          `INSERT INTO ${this.marks} (stage, "offset") SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (stage) DO UPDATE SET "offset" = GREATEST(${this.marks}."offset", excluded."offset")`,
          columns(marks, [(r) => r.stage, (r) => r.offset]),
        );
    });
  }
}
