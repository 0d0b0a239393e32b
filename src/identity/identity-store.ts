import type { SqliteDb } from '../store/sqlite/open.js';
import type { Edge, HistoryEntry, IdentityNode, LinkObservation } from './graph-engine.js';

/**
 * SQLite persistence of the identity graph (`identity.db`): the current identities and links, every observation
 * (so unlink-by-batch and settings changes can rebuild the graph exactly), and the append-only history.
 */
export class IdentityStore {
  private readonly s;

  constructor(private readonly db: SqliteDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS nodes (sandbox TEXT, xid TEXT, ns TEXT, id TEXT, type TEXT, first_seen INTEGER, last_seen INTEGER, PRIMARY KEY (sandbox, xid)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS edges (sandbox TEXT, a TEXT, b TEXT, first_seen INTEGER, last_seen INTEGER, datasets TEXT, batches TEXT, last_record TEXT, PRIMARY KEY (sandbox, a, b)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS observations (seq INTEGER PRIMARY KEY, sandbox TEXT, t INTEGER, dataset TEXT, batch TEXT, record TEXT, identities TEXT, removed INTEGER DEFAULT 0);
      CREATE INDEX IF NOT EXISTS obs_sandbox ON observations(sandbox, seq);
      CREATE TABLE IF NOT EXISTS history (seq INTEGER PRIMARY KEY, sandbox TEXT, at INTEGER, op TEXT, a TEXT, b TEXT, rule TEXT, record TEXT, dataset TEXT, batch TEXT, detail TEXT);
      CREATE INDEX IF NOT EXISTS history_a ON history(sandbox, a);
      CREATE INDEX IF NOT EXISTS history_b ON history(sandbox, b);
      CREATE TABLE IF NOT EXISTS checkpoints (sandbox TEXT PRIMARY KEY, seq INTEGER NOT NULL);`);
    this.s = {
      putNode: db.prepare('INSERT OR REPLACE INTO nodes VALUES (?,?,?,?,?,?,?)'),
      delNode: db.prepare('DELETE FROM nodes WHERE sandbox=? AND xid=?'),
      putEdge: db.prepare('INSERT OR REPLACE INTO edges VALUES (?,?,?,?,?,?,?,?)'),
      delEdge: db.prepare('DELETE FROM edges WHERE sandbox=? AND a=? AND b=?'),
      obs: db.prepare('INSERT INTO observations(sandbox,t,dataset,batch,record,identities) VALUES (?,?,?,?,?,?)'),
      edgesOf: db.prepare<[string, string, string], { a: string; b: string; first_seen: number; last_seen: number; datasets: string; batches: string; last_record: string }>('SELECT * FROM edges WHERE sandbox=? AND (a=? OR b=?)'),
      hist: db.prepare('INSERT INTO history(sandbox,at,op,a,b,rule,record,dataset,batch,detail) VALUES (?,?,?,?,?,?,?,?,?,?)'),
      nodes: db.prepare<[string], { xid: string; ns: string; id: string; type: string; first_seen: number; last_seen: number }>('SELECT * FROM nodes WHERE sandbox=?'),
      edges: db.prepare<[string], { a: string; b: string; first_seen: number; last_seen: number; datasets: string; batches: string; last_record: string }>('SELECT * FROM edges WHERE sandbox=?'),
      observations: db.prepare<[string], { t: number; dataset: string; batch: string; record: string; identities: string }>('SELECT * FROM observations WHERE sandbox=? AND removed=0 ORDER BY seq'),
      history: db.prepare<[string, string, string, number], { at: number; op: string; a: string; b: string | null; rule: string | null; record: string | null; dataset: string | null; batch: string | null; detail: string | null }>(
        'SELECT * FROM history WHERE sandbox=? AND (a=? OR b=?) ORDER BY seq DESC LIMIT ?',
      ),
      checkpointSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM checkpoints WHERE sandbox=?'),
      setCheckpoint: db.prepare('INSERT INTO checkpoints(sandbox, seq) VALUES (?, ?) ON CONFLICT(sandbox) DO UPDATE SET seq=excluded.seq'),
      maxSeq: db.prepare<[string], { m: number | null }>('SELECT max(seq) AS m FROM observations WHERE sandbox=?'),
      observationsAfter: db.prepare<[string, number], { t: number; dataset: string; batch: string; record: string; identities: string }>('SELECT * FROM observations WHERE sandbox=? AND removed=0 AND seq>? ORDER BY seq'),
      clearNodes: db.prepare('DELETE FROM nodes WHERE sandbox=?'),
      clearEdges: db.prepare('DELETE FROM edges WHERE sandbox=?'),
    };
  }

  load(sandbox: string): { nodes: IdentityNode[]; edges: Edge[] } {
    return {
      nodes: this.s.nodes.all(sandbox).map((n) => ({ xid: n.xid, ns: n.ns, id: n.id, type: n.type, firstSeen: n.first_seen, lastSeen: n.last_seen })),
      edges: this.s.edges.all(sandbox).map((e) => ({ a: e.a, b: e.b, firstSeen: e.first_seen, lastSeen: e.last_seen, datasets: JSON.parse(e.datasets), batches: JSON.parse(e.batches), lastRecord: e.last_record })),
    };
  }

  /** Appends observations and history (the durable log); the node/edge snapshot is written by checkpoint(). */
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
      for (const g of groups) this.s.obs.run(sandbox, g[0]!.t, g[0]!.dataset, g[0]!.batch, '*', JSON.stringify(g.map((o) => [o.t, o.record, o.identities])));
      for (const h of history) this.s.hist.run(sandbox, h.at, h.op, h.a, h.b ?? null, h.rule ?? null, h.record ?? null, h.dataset ?? null, h.batch ?? null, h.detail ?? null);
    })();
  }

  /** Writes the changed identities and links and records up to which observation the snapshot is current. */
  checkpoint(sandbox: string, changes: { nodes: Array<IdentityNode | { xid: string; deleted: true }>; edges: Array<Edge | { key: string; deleted: true }> }): void {
    this.db.transaction(() => {
      this.save(sandbox, [], { ...changes, history: [] });
      this.s.setCheckpoint.run(sandbox, this.s.maxSeq.get(sandbox)?.m ?? 0);
    })();
  }

  /** Observations not yet reflected in the snapshot (replayed on startup). */
  pendingObservations(sandbox: string): LinkObservation[] {
    const seq = this.s.checkpointSeq.get(sandbox)?.seq ?? 0;
    return IdentityStore.expand(this.s.observationsAfter.all(sandbox, seq));
  }

  /** Writes observations and the engine's changes in one transaction. */
  save(sandbox: string, observations: LinkObservation[], changes: { nodes: Array<IdentityNode | { xid: string; deleted: true }>; edges: Array<Edge | { key: string; deleted: true }>; history: HistoryEntry[] }): void {
    this.db.transaction(() => {
      for (const o of observations) this.s.obs.run(sandbox, o.t, o.dataset, o.batch, o.record, JSON.stringify(o.identities));
      for (const n of changes.nodes) {
        if ('deleted' in n) this.s.delNode.run(sandbox, n.xid);
        else this.s.putNode.run(sandbox, n.xid, n.ns, n.id, n.type, n.firstSeen, n.lastSeen);
      }
      for (const e of changes.edges) {
        if ('deleted' in e) {
          const [a, b] = e.key.split('|');
          this.s.delEdge.run(sandbox, a, b);
        } else this.s.putEdge.run(sandbox, e.a, e.b, e.firstSeen, e.lastSeen, JSON.stringify(e.datasets), JSON.stringify(e.batches), e.lastRecord);
      }
      for (const h of changes.history) this.s.hist.run(sandbox, h.at, h.op, h.a, h.b ?? null, h.rule ?? null, h.record ?? null, h.dataset ?? null, h.batch ?? null, h.detail ?? null);
    })();
  }

  private static expand(rows: Array<{ t: number; dataset: string; batch: string; record: string; identities: string }>): LinkObservation[] {
    const out: LinkObservation[] = [];
    for (const o of rows) {
      if (o.record !== '*') {
        out.push({ t: o.t, dataset: o.dataset, batch: o.batch, record: o.record, identities: JSON.parse(o.identities) });
        continue;
      }
      for (const [t, record, identities] of JSON.parse(o.identities) as Array<[number, string, LinkObservation['identities']]>) out.push({ t, dataset: o.dataset, batch: o.batch, record, identities });
    }
    return out;
  }

  observations(sandbox: string): LinkObservation[] {
    return IdentityStore.expand(this.s.observations.all(sandbox));
  }

  /** Current links of an identity (its 'link' history is derived from them). */
  linksOf(sandbox: string, xid: string): Edge[] {
    return this.s.edgesOf.all(sandbox, xid, xid).map((e) => ({ a: e.a, b: e.b, firstSeen: e.first_seen, lastSeen: e.last_seen, datasets: JSON.parse(e.datasets), batches: JSON.parse(e.batches), lastRecord: e.last_record }));
  }

  /** Marks observations removed (unlink by batch or dataset); returns how many. */
  removeObservations(sandbox: string, by: { batchId?: string; datasetId?: string }): number {
    const col = by.batchId ? 'batch' : by.datasetId ? 'dataset' : undefined;
    if (!col) return 0;
    const value = by.batchId ?? by.datasetId!;
    const rows = this.db.prepare<[string, string], { t: number; dataset: string; batch: string; record: string; identities: string }>(`SELECT * FROM observations WHERE sandbox=? AND ${col}=? AND removed=0`).all(sandbox, value);
    this.db.prepare(`UPDATE observations SET removed=1 WHERE sandbox=? AND ${col}=? AND removed=0`).run(sandbox, value);
    return IdentityStore.expand(rows).length;
  }

  /** Replaces the sandbox's graph (after a rebuild). */
  replaceGraph(sandbox: string, nodes: IdentityNode[], edges: Edge[], history: HistoryEntry[]): void {
    this.db.transaction(() => {
      this.s.clearNodes.run(sandbox);
      this.s.clearEdges.run(sandbox);
      this.save(sandbox, [], { nodes, edges, history });
      this.s.setCheckpoint.run(sandbox, this.s.maxSeq.get(sandbox)?.m ?? 0);
    })();
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
