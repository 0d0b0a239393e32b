import { walAutocheckpoint, type SqliteDb } from '../store/sqlite/open.js';
import type { Edge, HistoryEntry, IdentityNode, LinkObservation } from './graph-types.js';
import type { EdgeChange, IdentityGraphStore, LiveGraph, NodeChange } from './identity-store.js';
import { countOf, expand, historyEntryOf, rowLimit, runsOf, takeRows, type ObsRow } from './observation-runs.js';
import { CHUNK, encodeChunks, SnapshotReader } from './snapshot-chunks.js';
import type { Transferable } from '../store/transfer.js';
import type { IdentityRow } from './identity-transfer-rows.js';
import { exportIdentityRows, importIdentityRows } from './sqlite-identity-transfer.js';

type HistoryRow = Parameters<typeof historyEntryOf>[0];

/**
 * SQLite adapter (`identity.db`). The snapshot is a log of change chunks (snapshot-chunks.ts) read in order on load:
 * a checkpoint appends a few large rows instead of updating hundreds of thousands of random B-tree keys. When the
 * chunks hold more than twice the live graph, the checkpoint rewrites them as one compact dump. Observations are
 * appended one row per run of one batch and dataset (observation-runs.ts), in the order the graph saw them.
 *
 * Every write transaction is IMMEDIATE (takes the write lock first, waiting for it): the checkpointer thread may hold
 * it for a moment to restart the WAL, and a deferred transaction that has read would fail with SQLITE_BUSY instead of
 * waiting. Work is synchronous (better-sqlite3), so writes apply in call order by construction.
 */
export class SqliteIdentityStore implements IdentityGraphStore, Transferable {
  readonly transferName = 'identity';
  private readonly s;
  /** Rows held by each sandbox's snapshot chunks (for compaction). */
  private readonly chunkRows = new Map<string, number>();

  constructor(private readonly db: SqliteDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS snapshot (sandbox TEXT, seq INTEGER, kind TEXT, n INTEGER, data TEXT, PRIMARY KEY (sandbox, seq)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS observations (seq INTEGER PRIMARY KEY, sandbox TEXT, t INTEGER, dataset TEXT, batch TEXT, record TEXT, identities TEXT, removed INTEGER DEFAULT 0);
      CREATE INDEX IF NOT EXISTS obs_sandbox ON observations(sandbox, seq);
      CREATE TABLE IF NOT EXISTS history (seq INTEGER PRIMARY KEY, sandbox TEXT, at INTEGER, op TEXT, a TEXT, b TEXT, rule TEXT, record TEXT, dataset TEXT, batch TEXT, detail TEXT);
      CREATE INDEX IF NOT EXISTS history_a ON history(sandbox, a);
      CREATE INDEX IF NOT EXISTS history_b ON history(sandbox, b);
      CREATE TABLE IF NOT EXISTS checkpoints (sandbox TEXT PRIMARY KEY, seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS generations (sandbox TEXT PRIMARY KEY, generation INTEGER NOT NULL);`);
    // an identity.db from before the chunked snapshot: drop the old row-per-identity snapshot and replay the log
    if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name='nodes'`).get())
      db.transaction(() => db.exec('DROP TABLE nodes; DROP TABLE IF EXISTS edges; DELETE FROM checkpoints; DELETE FROM snapshot;'))();
    // observation runs and snapshot chunks are large rows: checkpoint the WAL every ~40 MB instead of every 4 MB
    // (fewer copy-and-fsync rounds; durability of a commit is the same)
    walAutocheckpoint(db, 10000);
    this.s = {
      chunks: db.prepare<[string], { kind: string; data: string }>('SELECT kind, data FROM snapshot WHERE sandbox=? ORDER BY seq'),
      chunkRows: db.prepare<[string], { n: number | null; seq: number | null }>('SELECT sum(n) AS n, max(seq) AS seq FROM snapshot WHERE sandbox=?'),
      putChunk: db.prepare('INSERT INTO snapshot(sandbox, seq, kind, n, data) VALUES (?,?,?,?,?)'),
      clearChunks: db.prepare('DELETE FROM snapshot WHERE sandbox=?'),
      obs: db.prepare('INSERT INTO observations(sandbox,t,dataset,batch,record,identities) VALUES (?,?,?,?,?,?)'),
      hist: db.prepare('INSERT INTO history(sandbox,at,op,a,b,rule,record,dataset,batch,detail) VALUES (?,?,?,?,?,?,?,?,?,?)'),
      observations: db.prepare<[string], ObsRow>('SELECT * FROM observations WHERE sandbox=? AND removed=0 ORDER BY seq'),
      history: db.prepare<[string, string, string, number], HistoryRow>('SELECT * FROM history WHERE sandbox=? AND (a=? OR b=?) ORDER BY seq DESC LIMIT ?'),
      checkpointSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM checkpoints WHERE sandbox=?'),
      setCheckpoint: db.prepare('INSERT INTO checkpoints(sandbox, seq) VALUES (?, ?) ON CONFLICT(sandbox) DO UPDATE SET seq=excluded.seq'),
      maxSeq: db.prepare<[string], { m: number | null }>('SELECT max(seq) AS m FROM observations WHERE sandbox=?'),
      observationsAfter: db.prepare<[string, number], ObsRow>('SELECT * FROM observations WHERE sandbox=? AND removed=0 AND seq>? ORDER BY seq'),
      tail: db.prepare<[string, number, number], ObsRow & { seq: number }>('SELECT * FROM observations WHERE sandbox=? AND removed=0 AND seq>? ORDER BY seq LIMIT ?'),
      generation: db.prepare<[string], { generation: number }>('SELECT generation FROM generations WHERE sandbox=?'),
      bumpGeneration: db.prepare('INSERT INTO generations(sandbox, generation) VALUES (?, 1) ON CONFLICT(sandbox) DO UPDATE SET generation=generation+1'),
      removable: {
        batch: db.prepare<[string, string], ObsRow>('SELECT * FROM observations WHERE sandbox=? AND batch=? AND removed=0'),
        dataset: db.prepare<[string, string], ObsRow>('SELECT * FROM observations WHERE sandbox=? AND dataset=? AND removed=0'),
      },
      remove: {
        batch: db.prepare('UPDATE observations SET removed=1 WHERE sandbox=? AND batch=? AND removed=0'),
        dataset: db.prepare('UPDATE observations SET removed=1 WHERE sandbox=? AND dataset=? AND removed=0'),
      },
    };
  }

  private readSnapshot(sandbox: string): { nodes: IdentityNode[]; edges: Edge[] } {
    const r = new SnapshotReader();
    for (const c of this.s.chunks.iterate(sandbox)) r.add(c.kind, c.data);
    this.chunkRows.set(sandbox, r.rows);
    return r.graph();
  }

  async load(sandbox: string): Promise<{ nodes: IdentityNode[]; edges: Edge[] }> {
    return this.readSnapshot(sandbox);
  }

  async loadAt(sandbox: string): Promise<{ nodes: IdentityNode[]; edges: Edge[]; seq: number; generation: number }> {
    // one read transaction: in WAL mode it reads one version of the file, whatever the writer commits meanwhile
    return this.db.transaction(() => ({ ...this.readSnapshot(sandbox), seq: this.s.checkpointSeq.get(sandbox)?.seq ?? 0, generation: this.generationOf(sandbox) }))();
  }

  async tail(sandbox: string, afterSeq: number, max: number): Promise<{ seq: number; generation: number; observations: LinkObservation[] }> {
    return this.db.transaction(() => ({ generation: this.generationOf(sandbox), ...takeRows(this.s.tail.all(sandbox, afterSeq, rowLimit(max)), afterSeq, max) }))();
  }

  private generationOf(sandbox: string): number {
    return this.s.generation.get(sandbox)?.generation ?? 0;
  }

  async append(sandbox: string, observations: LinkObservation[], history: HistoryEntry[]): Promise<void> {
    const runs = runsOf(observations);
    this.db.transaction(() => {
      for (const r of runs) this.s.obs.run(sandbox, r.t, r.dataset, r.batch, '*', r.data);
      this.writeHistory(sandbox, history);
    }).immediate();
  }

  private writeHistory(sandbox: string, history: HistoryEntry[]): void {
    for (const h of history) this.s.hist.run(sandbox, h.at, h.op, h.a, h.b ?? null, h.rule ?? null, h.record ?? null, h.dataset ?? null, h.batch ?? null, h.detail ?? null);
  }

  private writeChunks(sandbox: string, nodes: Iterable<NodeChange>, edges: Iterable<EdgeChange>): number {
    let seq = this.s.chunkRows.get(sandbox)?.seq ?? 0;
    let written = 0;
    for (const c of encodeChunks(nodes, edges)) {
      this.s.putChunk.run(sandbox, ++seq, c.kind, c.n, c.data);
      written += c.n;
    }
    return written;
  }

  private rowsOf(sandbox: string): number {
    let n = this.chunkRows.get(sandbox);
    if (n === undefined) {
      n = this.s.chunkRows.get(sandbox)?.n ?? 0;
      this.chunkRows.set(sandbox, n);
    }
    return n;
  }

  async checkpoint(sandbox: string, changes: { nodes: NodeChange[]; edges: EdgeChange[] }, live?: LiveGraph, opts?: { newGeneration?: boolean }): Promise<void> {
    this.db.transaction(() => {
      const rows = this.rowsOf(sandbox) + changes.nodes.length + changes.edges.length;
      const whole = live?.();
      if (whole && rows > 2 * whole.size + CHUNK) {
        this.s.clearChunks.run(sandbox);
        this.chunkRows.set(sandbox, this.writeChunks(sandbox, whole.nodes, whole.edges));
      } else this.chunkRows.set(sandbox, this.rowsOf(sandbox) + this.writeChunks(sandbox, changes.nodes, changes.edges));
      this.s.setCheckpoint.run(sandbox, this.s.maxSeq.get(sandbox)?.m ?? 0);
      if (opts?.newGeneration) this.s.bumpGeneration.run(sandbox);
    }).immediate();
  }

  async pendingObservations(sandbox: string): Promise<LinkObservation[]> {
    const seq = this.s.checkpointSeq.get(sandbox)?.seq ?? 0;
    return expand(this.s.observationsAfter.all(sandbox, seq));
  }

  async observations(sandbox: string): Promise<LinkObservation[]> {
    return expand(this.s.observations.all(sandbox));
  }

  async removeObservations(sandbox: string, by: { batchId?: string; datasetId?: string }): Promise<number> {
    const col = by.batchId ? 'batch' : by.datasetId ? 'dataset' : undefined;
    if (!col) return 0;
    const value = by.batchId ?? by.datasetId!;
    return this.db.transaction(() => {
      let n = 0;
      for (const r of this.s.removable[col].iterate(sandbox, value)) n += countOf(r);
      if (n === 0) return 0;
      this.s.remove[col].run(sandbox, value);
      this.s.bumpGeneration.run(sandbox);
      return n;
    }).immediate();
  }

  async replaceGraph(sandbox: string, nodes: IdentityNode[], edges: Edge[], history: HistoryEntry[]): Promise<void> {
    this.db.transaction(() => {
      this.s.clearChunks.run(sandbox);
      this.chunkRows.set(sandbox, this.writeChunks(sandbox, nodes, edges));
      this.writeHistory(sandbox, history);
      this.s.setCheckpoint.run(sandbox, this.s.maxSeq.get(sandbox)?.m ?? 0);
      this.s.bumpGeneration.run(sandbox);
    }).immediate();
  }

  async history(sandbox: string, xid: string, limit = 200): Promise<HistoryEntry[]> {
    if (!(limit > 0)) return [];
    return this.s.history.all(sandbox, xid, xid, rowLimit(limit)).map(historyEntryOf);
  }

  exportRows(): AsyncIterable<IdentityRow[]> {
    return exportIdentityRows(this.db);
  }

  async importRows(rows: readonly unknown[]): Promise<void> {
    importIdentityRows(this.db, rows);
    this.chunkRows.clear(); // counted again from the file when next needed
  }

  async close(): Promise<void> {}
}
