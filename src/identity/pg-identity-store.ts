import type pg from 'pg';
import { migrate, type Migration } from '../store/postgres/migrations.js';
import { fromPgText, schemaPrefix, toPgText } from '../store/postgres/pg-text.js';
import type { Edge, HistoryEntry, IdentityNode, LinkObservation } from './graph-types.js';
import type { EdgeChange, IdentityGraphStore, LiveGraph, NodeChange } from './identity-store.js';
import { countOf, expand, historyEntryOf, rowLimit, runsOf, takeRows, type ObsRow } from './observation-runs.js';
import { CHUNK, encodeChunks, SnapshotReader, type SnapshotChunk } from './snapshot-chunks.js';
import type { Transferable } from '../store/transfer.js';
import type { IdentityRow } from './identity-transfer-rows.js';
import { exportIdentityRows, importIdentityRows } from './pg-identity-transfer.js';

// The snapshot keeps SQLite's chunk log (columnar JSON as text, never queried inside, so not jsonb): a checkpoint is
// one multi-row INSERT of a few large rows and a load one sequential read, where rows per identity and link would
// upsert and ship hundreds of thousands of rows through the protocol.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'identity graph: snapshot chunks, observation log, history, checkpoints with generation',
    sql: (p) => `CREATE TABLE ${p}kith_identity_snapshot (sandbox TEXT COLLATE "C" NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (sandbox, seq));
      CREATE TABLE ${p}kith_identity_observations (seq BIGSERIAL PRIMARY KEY, sandbox TEXT COLLATE "C" NOT NULL, t DOUBLE PRECISION NOT NULL, dataset TEXT COLLATE "C" NOT NULL, batch TEXT COLLATE "C" NOT NULL, record TEXT NOT NULL, identities TEXT NOT NULL, removed BOOLEAN NOT NULL DEFAULT false);
      CREATE INDEX kith_identity_observations_sandbox ON ${p}kith_identity_observations (sandbox, seq);
      CREATE TABLE ${p}kith_identity_history (seq BIGSERIAL PRIMARY KEY, sandbox TEXT COLLATE "C" NOT NULL, at DOUBLE PRECISION NOT NULL, op TEXT NOT NULL, a TEXT COLLATE "C" NOT NULL, b TEXT COLLATE "C", rule TEXT, record TEXT, dataset TEXT, batch TEXT, detail TEXT);
      CREATE INDEX kith_identity_history_a ON ${p}kith_identity_history (sandbox, a);
      CREATE INDEX kith_identity_history_b ON ${p}kith_identity_history (sandbox, b);
      CREATE TABLE ${p}kith_identity_checkpoints (sandbox TEXT COLLATE "C" PRIMARY KEY, seq BIGINT NOT NULL DEFAULT 0, generation BIGINT NOT NULL DEFAULT 0);`,
  },
];

/** Chunks per INSERT (each up to CHUNK rows of JSON, ~1 MB). */
const CHUNKS_PER_STATEMENT = 16;

interface PgObsRow {
  seq: string;
  t: number;
  dataset: string;
  batch: string;
  record: string;
  identities: string;
}
const obsRow = (r: PgObsRow): ObsRow & { seq: number } => ({ seq: Number(r.seq), t: r.t, dataset: fromPgText(r.dataset), batch: fromPgText(r.batch), record: fromPgText(r.record), identities: r.identities });

/**
 * The identity graph store on PostgreSQL (same rules as SqliteIdentityStore). The pool is the caller's; `schema`
 * qualifies the tables. Writes encode their arguments when called and run one after another in call order (a queue
 * per store), so a checkpoint's mark covers exactly the observations appended before it; the writer's own reads
 * queue behind them. loadAt and tail are single statements (one snapshot each) and do not queue: replicas call them.
 * One writer per sandbox (the processor owning it): log positions are BIGSERIAL values, in commit order only then.
 */
export class PgIdentityStore implements IdentityGraphStore, Transferable {
  readonly transferName = 'identity';
  private last: Promise<unknown> = Promise.resolve();
  /** Rows held by each sandbox's snapshot chunks (for compaction), as of the writes called so far. */
  private readonly chunkRows = new Map<string, number>();
  private readonly t;

  private constructor(
    private readonly pool: pg.Pool,
    prefix: string,
  ) {
    this.t = {
      snapshot: `${prefix}kith_identity_snapshot`,
      obs: `${prefix}kith_identity_observations`,
      history: `${prefix}kith_identity_history`,
      ck: `${prefix}kith_identity_checkpoints`,
    };
  }

  static async open(opts: { pool: pg.Pool; schema?: string }): Promise<PgIdentityStore> {
    await migrate(opts.pool, 'identity', MIGRATIONS, opts.schema);
    return new PgIdentityStore(opts.pool, schemaPrefix(opts.schema));
  }

  private queued<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.last.then(fn);
    this.last = p.catch(() => undefined);
    return p;
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  exportRows(): AsyncIterable<IdentityRow[]> {
    return exportIdentityRows(this.pool, this.t);
  }

  /** Queued behind the writes called before it, as every write. */
  importRows(rows: readonly unknown[]): Promise<void> {
    return this.queued(async () => {
      await importIdentityRows(this.pool, this.t, rows);
      this.chunkRows.clear(); // counted again at the next checkpoint
    });
  }

  async close(): Promise<void> {
    await this.last;
  }

  load(sandbox: string): Promise<{ nodes: IdentityNode[]; edges: Edge[] }> {
    return this.queued(async () => {
      const { reader } = await this.read(sandbox);
      this.chunkRows.set(sandbox, reader.rows);
      return reader.graph();
    });
  }

  async loadAt(sandbox: string): Promise<{ nodes: IdentityNode[]; edges: Edge[]; seq: number; generation: number }> {
    const { reader, seq, generation } = await this.read(sandbox);
    return { ...reader.graph(), seq, generation };
  }

  private async read(sandbox: string): Promise<{ reader: SnapshotReader; seq: number; generation: number }> {
    const sb = toPgText(sandbox);
    // one statement, one snapshot: the chunks with the checkpoint mark and generation they belong to
    const r = await this.pool.query<{ seq: string | null; generation: string | null; kind: string | null; data: string | null }>(
      `SELECT ck.seq, ck.generation, s.kind, s.data FROM (SELECT 1) one
         LEFT JOIN ${this.t.ck} ck ON ck.sandbox = $1
         LEFT JOIN LATERAL (SELECT seq, kind, data FROM ${this.t.snapshot} WHERE sandbox = $1) s ON true
       ORDER BY s.seq`,
      [sb],
    );
    const reader = new SnapshotReader();
    for (const row of r.rows) if (row.kind !== null) reader.add(row.kind, row.data!);
    return { reader, seq: Number(r.rows[0]?.seq ?? 0), generation: Number(r.rows[0]?.generation ?? 0) };
  }

  async tail(sandbox: string, afterSeq: number, max: number): Promise<{ seq: number; generation: number; observations: LinkObservation[] }> {
    const r = await this.pool.query<PgObsRow & { generation: string | null }>(
      `SELECT ck.generation, o.* FROM (SELECT 1) one
         LEFT JOIN ${this.t.ck} ck ON ck.sandbox = $1
         LEFT JOIN LATERAL (SELECT seq, t, dataset, batch, record, identities FROM ${this.t.obs} WHERE sandbox = $1 AND NOT removed AND seq > $2 ORDER BY seq LIMIT $3) o ON true
       ORDER BY o.seq`,
      [toPgText(sandbox), afterSeq, rowLimit(max)],
    );
    const rows = r.rows.filter((x) => x.seq !== null).map(obsRow);
    return { generation: Number(r.rows[0]?.generation ?? 0), ...takeRows(rows, afterSeq, max) };
  }

  append(sandbox: string, observations: LinkObservation[], history: HistoryEntry[]): Promise<void> {
    if (observations.length === 0 && history.length === 0) return this.queued(async () => undefined);
    const runs = runsOf(observations);
    const h = historyColumns(history);
    const sb = toPgText(sandbox);
    return this.queued(async () => {
      // one statement (one transaction): a data-modifying CTE runs whether or not it is read
      await this.pool.query(
        `WITH o AS (INSERT INTO ${this.t.obs} (sandbox, t, dataset, batch, record, identities)
             SELECT $1, t, d, b, '*', x FROM unnest($2::float8[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(t, d, b, x, i) ORDER BY i)
         ${this.historyInsert(6)}`,
        [sb, runs.map((r) => r.t), runs.map((r) => toPgText(r.dataset)), runs.map((r) => toPgText(r.batch)), runs.map((r) => r.data), ...h],
      );
    });
  }

  /** INSERT of history entries from historyColumns bound at $1 (sandbox) and $from… */
  private historyInsert(from: number): string {
    const p = (k: number) => `$${from + k}`;
    return `INSERT INTO ${this.t.history} (sandbox, at, op, a, b, rule, record, dataset, batch, detail)
      SELECT $1, at, op, a, b, rule, record, dataset, batch, detail
      FROM unnest(${p(0)}::float8[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::text[], ${p(7)}::text[], ${p(8)}::text[])
        WITH ORDINALITY AS u(at, op, a, b, rule, record, dataset, batch, detail, i) ORDER BY i`;
  }

  /** Inserts chunks after the sandbox's last one, a few per statement. */
  private async putChunks(c: pg.PoolClient, sb: string, chunks: SnapshotChunk[]): Promise<void> {
    for (let i = 0; i < chunks.length; i += CHUNKS_PER_STATEMENT) {
      const part = chunks.slice(i, i + CHUNKS_PER_STATEMENT);
      await c.query(
        `INSERT INTO ${this.t.snapshot} (sandbox, seq, kind, n, data)
         SELECT $1, (SELECT coalesce(max(seq), 0) FROM ${this.t.snapshot} WHERE sandbox = $1) + i, kind, n, data
         FROM unnest($2::text[], $3::int[], $4::text[]) WITH ORDINALITY AS u(kind, n, data, i)`,
        [sb, part.map((x) => x.kind), part.map((x) => x.n), part.map((x) => x.data)],
      );
    }
  }

  /** Moves the checkpoint mark past the sandbox's last observation (and to a new generation when asked). */
  private async mark(c: pg.PoolClient, sb: string, newGeneration: boolean): Promise<void> {
    await c.query(
      `INSERT INTO ${this.t.ck} (sandbox, seq, generation) VALUES ($1, (SELECT coalesce(max(seq), 0) FROM ${this.t.obs} WHERE sandbox = $1), $2)
       ON CONFLICT (sandbox) DO UPDATE SET seq = excluded.seq, generation = ${this.t.ck}.generation + $2`,
      [sb, newGeneration ? 1 : 0],
    );
  }

  checkpoint(sandbox: string, changes: { nodes: NodeChange[]; edges: EdgeChange[] }, live?: LiveGraph, opts?: { newGeneration?: boolean }): Promise<void> {
    // decided and encoded now: the graph moves on while the write waits its turn
    const known = this.chunkRows.get(sandbox);
    const whole = known === undefined ? undefined : live?.();
    const compact = whole !== undefined && known! + changes.nodes.length + changes.edges.length > 2 * whole.size + CHUNK;
    const chunks = compact ? [...encodeChunks(whole.nodes, whole.edges)] : [...encodeChunks(changes.nodes, changes.edges)];
    const written = chunks.reduce((n, c) => n + c.n, 0);
    if (known !== undefined) this.chunkRows.set(sandbox, compact ? written : known + written);
    const sb = toPgText(sandbox);
    return this.queued(() =>
      this.tx(async (c) => {
        if (compact) await c.query(`DELETE FROM ${this.t.snapshot} WHERE sandbox = $1`, [sb]);
        await this.putChunks(c, sb, chunks);
        await this.mark(c, sb, opts?.newGeneration ?? false);
        // not loaded by this instance: count once, so the next checkpoint can decide on compaction
        if (known === undefined) {
          const r = await c.query<{ n: string | null }>(`SELECT sum(n) AS n FROM ${this.t.snapshot} WHERE sandbox = $1`, [sb]);
          this.chunkRows.set(sandbox, Number(r.rows[0]?.n ?? 0));
        }
      }),
    ).catch((e: unknown) => {
      this.chunkRows.delete(sandbox);
      throw e;
    });
  }

  replaceGraph(sandbox: string, nodes: IdentityNode[], edges: Edge[], history: HistoryEntry[]): Promise<void> {
    const chunks = [...encodeChunks(nodes, edges)];
    this.chunkRows.set(sandbox, chunks.reduce((n, c) => n + c.n, 0));
    const h = historyColumns(history);
    const sb = toPgText(sandbox);
    return this.queued(() =>
      this.tx(async (c) => {
        await c.query(`DELETE FROM ${this.t.snapshot} WHERE sandbox = $1`, [sb]);
        await this.putChunks(c, sb, chunks);
        if (history.length) await c.query(this.historyInsert(2), [sb, ...h]);
        await this.mark(c, sb, true);
      }),
    ).catch((e: unknown) => {
      this.chunkRows.delete(sandbox);
      throw e;
    });
  }

  pendingObservations(sandbox: string): Promise<LinkObservation[]> {
    return this.queued(async () => {
      const r = await this.pool.query<PgObsRow>(
        `SELECT seq, t, dataset, batch, record, identities FROM ${this.t.obs}
         WHERE sandbox = $1 AND NOT removed AND seq > coalesce((SELECT seq FROM ${this.t.ck} WHERE sandbox = $1), 0) ORDER BY seq`,
        [toPgText(sandbox)],
      );
      return expand(r.rows.map(obsRow));
    });
  }

  observations(sandbox: string): Promise<LinkObservation[]> {
    return this.queued(async () => {
      const r = await this.pool.query<PgObsRow>(`SELECT seq, t, dataset, batch, record, identities FROM ${this.t.obs} WHERE sandbox = $1 AND NOT removed ORDER BY seq`, [toPgText(sandbox)]);
      return expand(r.rows.map(obsRow));
    });
  }

  removeObservations(sandbox: string, by: { batchId?: string; datasetId?: string }): Promise<number> {
    const col = by.batchId ? 'batch' : by.datasetId ? 'dataset' : undefined;
    if (!col) return this.queued(async () => 0);
    const value = toPgText(by.batchId ?? by.datasetId!);
    return this.queued(async () => {
      const r = await this.pool.query<{ record: string; identities: string }>(
        `WITH r AS (UPDATE ${this.t.obs} SET removed = true WHERE sandbox = $1 AND ${col} = $2 AND NOT removed RETURNING record, identities),
           g AS (INSERT INTO ${this.t.ck} (sandbox, seq, generation) SELECT $1, 0, 1 WHERE EXISTS (SELECT 1 FROM r)
                 ON CONFLICT (sandbox) DO UPDATE SET generation = ${this.t.ck}.generation + 1)
         SELECT record, identities FROM r`,
        [toPgText(sandbox), value],
      );
      let n = 0;
      for (const x of r.rows) n += countOf({ t: 0, dataset: '', batch: '', record: fromPgText(x.record), identities: x.identities });
      return n;
    });
  }

  history(sandbox: string, xid: string, limit = 200): Promise<HistoryEntry[]> {
    if (!(limit > 0)) return this.queued(async () => []);
    return this.queued(async () => {
      const r = await this.pool.query<Parameters<typeof historyEntryOf>[0]>(
        `SELECT at, op, a, b, rule, record, dataset, batch, detail FROM ${this.t.history} WHERE sandbox = $1 AND (a = $2 OR b = $2) ORDER BY seq DESC LIMIT $3`,
        [toPgText(sandbox), toPgText(xid), rowLimit(limit)],
      );
      return r.rows.map((h) =>
        historyEntryOf({
          at: h.at,
          op: h.op,
          a: fromPgText(h.a),
          b: h.b === null ? null : fromPgText(h.b),
          rule: h.rule === null ? null : fromPgText(h.rule),
          record: h.record === null ? null : fromPgText(h.record),
          dataset: h.dataset === null ? null : fromPgText(h.dataset),
          batch: h.batch === null ? null : fromPgText(h.batch),
          detail: h.detail === null ? null : fromPgText(h.detail),
        }),
      );
    });
  }
}

/** History entries as the nine column arrays historyInsert binds (NUL-safe text, null for absent fields). */
function historyColumns(history: HistoryEntry[]): unknown[][] {
  const opt = (v: string | undefined) => (v === undefined ? null : toPgText(v));
  return [
    history.map((h) => h.at),
    history.map((h) => h.op),
    history.map((h) => toPgText(h.a)),
    history.map((h) => opt(h.b)),
    history.map((h) => opt(h.rule)),
    history.map((h) => opt(h.record)),
    history.map((h) => opt(h.dataset)),
    history.map((h) => opt(h.batch)),
    history.map((h) => opt(h.detail)),
  ];
}
