import { walAutocheckpoint, type SqliteDb } from '../store/sqlite/open.js';
import type { Edge, HistoryEntry, IdentityNode, LinkObservation } from './graph-types.js';

export type NodeChange = IdentityNode | { xid: string; deleted: true };
export type EdgeChange = Edge | { key: string; deleted: true };

/**
 * Persistence port of the identity graph. The graph itself lives in memory (GraphEngine); the store keeps
 *  - the observation log: every record's identities in the order the graph saw them (the truth: unlink by batch or
 *    dataset and settings changes rebuild the graph from it; startup replays what the snapshot does not hold),
 *  - a snapshot of identities and links, written at checkpoints (so startup does not replay everything),
 *  - the append-only history of cuts, evictions, refusals and unlinks, with their causes.
 */
export interface IdentityGraphStore {
  /** The snapshot (identities and links as of the last checkpoint). */
  load(sandbox: string): { nodes: IdentityNode[]; edges: Edge[] };
  /**
   * Appends observations and history entries, durably, in one transaction. Every write transaction of this store is
   * IMMEDIATE (takes the write lock first, waiting for it): the checkpointer thread may hold it for a moment to restart
   * the WAL, and a deferred transaction that has read would fail with SQLITE_BUSY instead of waiting.
   */
  append(sandbox: string, observations: LinkObservation[], history: HistoryEntry[]): void;
  /** Writes what changed since the last checkpoint; `live` is the whole graph, for when the snapshot is compacted. */
  checkpoint(sandbox: string, changes: { nodes: NodeChange[]; edges: EdgeChange[] }, live?: () => { nodes: Iterable<IdentityNode>; edges: Iterable<Edge>; size: number }): void;
  /** Observations the snapshot does not reflect yet (replayed on startup), in order. */
  pendingObservations(sandbox: string): LinkObservation[];
  /** Every observation not removed, in order. */
  observations(sandbox: string): LinkObservation[];
  /** Marks the observations of a batch or dataset removed; returns how many. */
  removeObservations(sandbox: string, by: { batchId?: string; datasetId?: string }): number;
  /** Replaces the snapshot with a recomputed graph (after unlink by batch/dataset or a settings change). */
  replaceGraph(sandbox: string, nodes: IdentityNode[], edges: Edge[], history: HistoryEntry[]): void;
  /** History entries involving an identity, newest first. */
  history(sandbox: string, xid: string, limit?: number): HistoryEntry[];
  /**
   * For readers outside the writer (IdentityReplica): the snapshot, the observation sequence it reflects and the
   * graph's generation, read consistently.
   */
  loadAt(sandbox: string): Promise<{ nodes: IdentityNode[]; edges: Edge[]; seq: number; generation: number }>;
  /**
   * Observations after `afterSeq` (not removed), in order, from at most `max` stored runs; `seq` is the last one
   * returned (`afterSeq` when none). `generation` changes whenever replaceGraph or removeObservations ran, or a
   * manual unlink was recorded (an appended 'unlink' history entry): a reader then loads the graph again.
   */
  tail(sandbox: string, afterSeq: number, max: number): Promise<{ seq: number; generation: number; observations: LinkObservation[] }>;
}

type NodeRow = [xid: string, ns: string, id: string, type: string, firstSeen: number, lastSeen: number];
type EdgeRow = [a: string, b: string, firstSeen: number, lastSeen: number, datasets: string[], batches: string[], lastRecord: string];
const CHUNK = 10_000;

/** A snapshot chunk of nodes, columnar (kind 'N'): namespace/type pairs by index `k`; k = -1 deletes the XID. */
interface NodeChunk {
  ns: string[];
  ty: string[];
  k: number[];
  x: string[];
  i: string[];
  f: number[];
  l: number[];
}
/** A snapshot chunk of links, columnar (kind 'E'): datasets/batches a string when one; b = '' deletes the key in a. */
interface EdgeChunk {
  a: string[];
  b: string[];
  f: number[];
  l: number[];
  d: Array<string | string[]>;
  bt: Array<string | string[]>;
  r: string[];
}
const newNodeChunk = (): NodeChunk => ({ ns: [], ty: [], k: [], x: [], i: [], f: [], l: [] });
const newEdgeChunk = (): EdgeChunk => ({ a: [], b: [], f: [], l: [], d: [], bt: [], r: [] });

/**
 * SQLite adapter (`identity.db`). The snapshot is a log of change chunks (columnar JSON of up to 10,000 node or link
 * rows, kinds 'N' and 'E'; the row-array kinds 'n' and 'e' of earlier versions still load) read in order on load: a
 * checkpoint appends a few large rows instead of updating hundreds of thousands of random B-tree keys. When the chunks
 * hold more than twice the live graph, the checkpoint rewrites them as one compact dump. Observations are appended one
 * row per run of one batch and dataset (columnar JSON, see encodeRun), in the order the graph saw them.
 */
export class IdentityStore implements IdentityGraphStore {
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
      CREATE TABLE IF NOT EXISTS generations (sandbox TEXT PRIMARY KEY, n INTEGER NOT NULL);`);
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
      history: db.prepare<[string, string, string, number], { at: number; op: string; a: string; b: string | null; rule: string | null; record: string | null; dataset: string | null; batch: string | null; detail: string | null }>(
        'SELECT * FROM history WHERE sandbox=? AND (a=? OR b=?) ORDER BY seq DESC LIMIT ?',
      ),
      checkpointSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM checkpoints WHERE sandbox=?'),
      setCheckpoint: db.prepare('INSERT INTO checkpoints(sandbox, seq) VALUES (?, ?) ON CONFLICT(sandbox) DO UPDATE SET seq=excluded.seq'),
      maxSeq: db.prepare<[string], { m: number | null }>('SELECT max(seq) AS m FROM observations WHERE sandbox=?'),
      observationsAfter: db.prepare<[string, number], ObsRow>('SELECT * FROM observations WHERE sandbox=? AND removed=0 AND seq>? ORDER BY seq'),
      tail: db.prepare<[string, number, number], ObsRow & { seq: number }>('SELECT * FROM observations WHERE sandbox=? AND removed=0 AND seq>? ORDER BY seq LIMIT ?'),
      generation: db.prepare<[string], { n: number }>('SELECT n FROM generations WHERE sandbox=?'),
      bumpGeneration: db.prepare('INSERT INTO generations(sandbox, n) VALUES (?, 1) ON CONFLICT(sandbox) DO UPDATE SET n=n+1'),
    };
    this.readLoadAt = db.transaction((sandbox: string) => ({ ...this.load(sandbox), seq: this.s.checkpointSeq.get(sandbox)?.seq ?? 0, generation: this.s.generation.get(sandbox)?.n ?? 0 }));
    this.readTail = db.transaction((sandbox: string, afterSeq: number, max: number) => {
      const rows = this.s.tail.all(sandbox, afterSeq, max);
      return { seq: rows.length ? rows[rows.length - 1]!.seq : afterSeq, generation: this.s.generation.get(sandbox)?.n ?? 0, observations: expand(rows) };
    });
  }

  private readonly readLoadAt;
  private readonly readTail;

  loadAt(sandbox: string): Promise<{ nodes: IdentityNode[]; edges: Edge[]; seq: number; generation: number }> {
    return Promise.resolve(this.readLoadAt(sandbox));
  }

  tail(sandbox: string, afterSeq: number, max: number): Promise<{ seq: number; generation: number; observations: LinkObservation[] }> {
    if (!Number.isInteger(max) || max < 1) return Promise.reject(new RangeError(`tail: max must be a positive integer (got ${max})`));
    return Promise.resolve(this.readTail(sandbox, afterSeq, max));
  }

  load(sandbox: string): { nodes: IdentityNode[]; edges: Edge[] } {
    const nodes = new Map<string, IdentityNode>();
    const edges = new Map<string, Edge>();
    let rows = 0;
    const list = (v: string | string[]) => (typeof v === 'string' ? [v] : v);
    for (const c of this.s.chunks.iterate(sandbox)) {
      if (c.kind === 'N') {
        const x = JSON.parse(c.data) as NodeChunk;
        rows += x.x.length;
        for (let j = 0; j < x.x.length; j++) {
          const k = x.k[j]!;
          if (k < 0) nodes.delete(x.x[j]!);
          else nodes.set(x.x[j]!, { xid: x.x[j]!, ns: x.ns[k]!, id: x.i[j]!, type: x.ty[k]!, firstSeen: x.f[j]!, lastSeen: x.l[j]! });
        }
      } else if (c.kind === 'E') {
        const x = JSON.parse(c.data) as EdgeChunk;
        rows += x.a.length;
        for (let j = 0; j < x.a.length; j++) {
          if (x.b[j] === '') edges.delete(x.a[j]!);
          else edges.set(`${x.a[j]}|${x.b[j]}`, { a: x.a[j]!, b: x.b[j]!, firstSeen: x.f[j]!, lastSeen: x.l[j]!, datasets: list(x.d[j]!), batches: list(x.bt[j]!), lastRecord: x.r[j]! });
        }
      } else if (c.kind === 'n')
        // chunks written before the columnar form: arrays of rows
        for (const r of JSON.parse(c.data) as Array<NodeRow | [string]>) {
          rows++;
          if (r.length === 1) nodes.delete(r[0]);
          else nodes.set(r[0], { xid: r[0], ns: r[1], id: r[2], type: r[3], firstSeen: r[4], lastSeen: r[5] });
        }
      else
        for (const r of JSON.parse(c.data) as Array<EdgeRow | [string]>) {
          rows++;
          if (r.length === 1) edges.delete(r[0]);
          else edges.set(`${r[0]}|${r[1]}`, { a: r[0], b: r[1], firstSeen: r[2], lastSeen: r[3], datasets: r[4], batches: r[5], lastRecord: r[6] });
        }
    }
    this.chunkRows.set(sandbox, rows);
    return { nodes: [...nodes.values()], edges: [...edges.values()] };
  }

  append(sandbox: string, observations: LinkObservation[], history: HistoryEntry[]): void {
    // one row per run of consecutive observations of one (batch, dataset), holding them in order: far fewer index
    // updates, and replay sees exactly the order the graph saw (the rules are order-dependent)
    const groups: LinkObservation[][] = [];
    let cur: LinkObservation[] | undefined;
    for (const o of observations) {
      if (!cur || cur[0]!.batch !== o.batch || cur[0]!.dataset !== o.dataset) groups.push((cur = []));
      cur.push(o);
    }
    this.db.transaction(() => {
      for (const g of groups) this.s.obs.run(sandbox, g[0]!.t, g[0]!.dataset, g[0]!.batch, '*', encodeRun(g));
      this.writeHistory(sandbox, history);
      // a manual unlink is no observation: readers replaying the log would keep the link, so they reload
      if (history.some((h) => h.op === 'unlink')) this.s.bumpGeneration.run(sandbox);
    }).immediate();
  }

  private writeHistory(sandbox: string, history: HistoryEntry[]): void {
    for (const h of history) this.s.hist.run(sandbox, h.at, h.op, h.a, h.b ?? null, h.rule ?? null, h.record ?? null, h.dataset ?? null, h.batch ?? null, h.detail ?? null);
  }

  private writeChunks(sandbox: string, nodes: Iterable<NodeChange>, edges: Iterable<EdgeChange>): number {
    let seq = this.s.chunkRows.get(sandbox)?.seq ?? 0;
    let written = 0;
    const put = (kind: 'N' | 'E', n: number, chunk: object) => {
      this.s.putChunk.run(sandbox, ++seq, kind, n, JSON.stringify(chunk));
      written += n;
    };
    let nc = newNodeChunk();
    let n = 0;
    const index = new Map<string, number>();
    for (const x of nodes) {
      if ('deleted' in x) {
        nc.k.push(-1);
        nc.x.push(x.xid);
        nc.i.push('');
        nc.f.push(0);
        nc.l.push(0);
      } else {
        nc.k.push(internNamespace(nc, index, x.ns, x.type));
        nc.x.push(x.xid);
        nc.i.push(x.id);
        nc.f.push(x.firstSeen);
        nc.l.push(x.lastSeen);
      }
      if (++n >= CHUNK) {
        put('N', n, nc);
        nc = newNodeChunk();
        index.clear();
        n = 0;
      }
    }
    if (n) put('N', n, nc);
    let ec = newEdgeChunk();
    n = 0;
    for (const e of edges) {
      if ('deleted' in e) {
        ec.a.push(e.key);
        ec.b.push('');
        ec.f.push(0);
        ec.l.push(0);
        ec.d.push('');
        ec.bt.push('');
        ec.r.push('');
      } else {
        const d = e.datasets;
        const bt = e.batches;
        ec.a.push(e.a);
        ec.b.push(e.b);
        ec.f.push(e.firstSeen);
        ec.l.push(e.lastSeen);
        ec.d.push(d.length === 1 ? d[0]! : d);
        ec.bt.push(bt.length === 1 ? bt[0]! : bt);
        ec.r.push(e.lastRecord);
      }
      if (++n >= CHUNK) {
        put('E', n, ec);
        ec = newEdgeChunk();
        n = 0;
      }
    }
    if (n) put('E', n, ec);
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

  checkpoint(sandbox: string, changes: { nodes: NodeChange[]; edges: EdgeChange[] }, live?: () => { nodes: Iterable<IdentityNode>; edges: Iterable<Edge>; size: number }): void {
    this.db.transaction(() => {
      const rows = this.rowsOf(sandbox) + changes.nodes.length + changes.edges.length;
      const whole = live?.();
      if (whole && rows > 2 * whole.size + CHUNK) {
        this.s.clearChunks.run(sandbox);
        this.chunkRows.set(sandbox, this.writeChunks(sandbox, whole.nodes, whole.edges));
      } else this.chunkRows.set(sandbox, this.rowsOf(sandbox) + this.writeChunks(sandbox, changes.nodes, changes.edges));
      this.s.setCheckpoint.run(sandbox, this.s.maxSeq.get(sandbox)?.m ?? 0);
    }).immediate();
  }

  pendingObservations(sandbox: string): LinkObservation[] {
    const seq = this.s.checkpointSeq.get(sandbox)?.seq ?? 0;
    return expand(this.s.observationsAfter.all(sandbox, seq));
  }

  observations(sandbox: string): LinkObservation[] {
    return expand(this.s.observations.all(sandbox));
  }

  removeObservations(sandbox: string, by: { batchId?: string; datasetId?: string }): number {
    const col = by.batchId ? 'batch' : by.datasetId ? 'dataset' : undefined;
    if (!col) return 0;
    const value = by.batchId ?? by.datasetId!;
    return this.db.transaction(() => {
      const rows = this.db.prepare<[string, string], ObsRow>(`SELECT * FROM observations WHERE sandbox=? AND ${col}=? AND removed=0`).all(sandbox, value);
      this.db.prepare(`UPDATE observations SET removed=1 WHERE sandbox=? AND ${col}=? AND removed=0`).run(sandbox, value);
      this.s.bumpGeneration.run(sandbox);
      return expand(rows).length;
    }).immediate();
  }

  replaceGraph(sandbox: string, nodes: IdentityNode[], edges: Edge[], history: HistoryEntry[]): void {
    this.db.transaction(() => {
      this.s.clearChunks.run(sandbox);
      this.chunkRows.set(sandbox, this.writeChunks(sandbox, nodes, edges));
      this.writeHistory(sandbox, history);
      this.s.setCheckpoint.run(sandbox, this.s.maxSeq.get(sandbox)?.m ?? 0);
      this.s.bumpGeneration.run(sandbox);
    }).immediate();
  }

  history(sandbox: string, xid: string, limit = 200): HistoryEntry[] {
    return this.s.history.all(sandbox, xid, xid, limit).map((h) => ({
      at: h.at,
      op: h.op as HistoryEntry['op'],
      a: h.a,
      ...(h.b ? { b: h.b } : {}),
      ...(h.rule ? { rule: h.rule } : {}),
      ...(h.record ? { record: h.record } : {}),
      ...(h.dataset ? { dataset: h.dataset } : {}),
      ...(h.batch ? { batch: h.batch } : {}),
      ...(h.detail ? { detail: h.detail } : {}),
    }));
  }
}

interface ObsRow {
  t: number;
  dataset: string;
  batch: string;
  record: string;
  identities: string;
}

/** A run of observations, columnar (see encodeRun). */
interface Run {
  /** Namespace codes and their id types, by index (`k`). */
  ns: string[];
  ty: string[];
  /** Per observation: event time, record, number of identities. */
  t: number[];
  r: string[];
  c: number[];
  /** Per identity, observation after observation: namespace index, normalised value, XID ('' when not given). */
  k: number[];
  i: string[];
  x: string[];
}

/**
 * The column index of a (namespace, id type) pair in a chunk's or run's `ns`/`ty` columns, added when new;
 * `index` remembers the last index per namespace (the type almost never differs).
 */
function internNamespace(cols: { ns: string[]; ty: string[] }, index: Map<string, number>, ns: string, type: string): number {
  let k = index.get(ns);
  if (k === undefined || cols.ty[k] !== type) {
    k = cols.ns.findIndex((n, j) => n === ns && cols.ty[j] === type);
    if (k < 0) {
      k = cols.ns.push(ns) - 1;
      cols.ty.push(type);
    }
    index.set(ns, k);
  }
  return k;
}

/**
 * A run of observations as one JSON object of flat columns (Run): no array or object per observation or identity,
 * so encoding, decoding and the garbage they leave cost a fraction of an array of objects; namespaces and their id
 * types are written once per run.
 */
function encodeRun(run: LinkObservation[]): string {
  const out: Run = { ns: [], ty: [], t: [], r: [], c: [], k: [], i: [], x: [] };
  const index = new Map<string, number>();
  for (const o of run) {
    out.t.push(o.t);
    out.r.push(o.record);
    out.c.push(o.identities.length);
    for (const id of o.identities) {
      out.k.push(internNamespace(out, index, id.ns, id.type));
      out.i.push(id.id);
      out.x.push(id.xid ?? '');
    }
  }
  return JSON.stringify(out);
}

/** Observation rows to observations: a row with record '*' holds a run (encodeRun's columns, or the older array of [t, record, identities] triples). */
function expand(rows: ObsRow[]): LinkObservation[] {
  const out: LinkObservation[] = [];
  for (const o of rows) {
    if (o.record !== '*') {
      out.push({ t: o.t, dataset: o.dataset, batch: o.batch, record: o.record, identities: JSON.parse(o.identities) });
      continue;
    }
    const run = JSON.parse(o.identities) as Array<[number, string, LinkObservation['identities']]> | Run;
    if (Array.isArray(run)) {
      for (const [t, record, identities] of run) out.push({ t, dataset: o.dataset, batch: o.batch, record, identities });
      continue;
    }
    let j = 0;
    for (let n = 0; n < run.t.length; n++) {
      const identities: LinkObservation['identities'] = [];
      for (const end = j + run.c[n]!; j < end; j++) {
        const k = run.k[j]!;
        const xid = run.x[j]!;
        identities.push(xid ? { ns: run.ns[k]!, id: run.i[j]!, type: run.ty[k]!, xid } : { ns: run.ns[k]!, id: run.i[j]!, type: run.ty[k]! });
      }
      out.push({ t: run.t[n]!, dataset: o.dataset, batch: o.batch, record: run.r[n]!, identities });
    }
  }
  return out;
}
