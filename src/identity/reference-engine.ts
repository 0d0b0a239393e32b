import { xidOf } from './xid.js';
import { TYPE_EVICTION_ORDER, isUnique, rankOf, type LinkingRules } from './linking-rules.js';
import { edgeKey, type Edge, type HistoryEntry, type HistoryOp, type IdentityNode, type LinkObservation } from './graph-types.js';

/**
 * TEST ORACLE, not used at run time: the straightforward engine the fast GraphEngine replaced (a breadth-first
 * search of the touched graph after every new link, string-keyed maps). Property tests check that GraphEngine makes
 * exactly the same decisions (graphs, links, and the sequence of links, cuts, evictions and refusals) as this one.
 */
export class ReferenceGraphEngine {
  readonly nodes = new Map<string, IdentityNode>();
  readonly edges = new Map<string, Edge>();
  readonly adj = new Map<string, Set<string>>();
  /** Events of the last apply() (drained by the caller for persistence and history). */
  readonly history: HistoryEntry[] = [];
  readonly dirtyNodes = new Set<string>();
  readonly dirtyEdges = new Set<string>();
  /** Pairs a person unlinked by hand: never linked again. */
  readonly blockedPairs = new Set<string>();

  /**
   * `recordLinks: false` leaves 'link' entries out of the history (the service derives them from the edges and its
   * observation log); cuts, evictions, refusals and unlinks are always recorded.
   */
  constructor(
    public rules: LinkingRules,
    private readonly opts: { recordLinks?: boolean } = {},
  ) {}

  private upsertNode(ns: string, id: string, type: string, t: number, known?: string): IdentityNode {
    const xid = known ?? xidOf(ns, id);
    let n = this.nodes.get(xid);
    if (!n) {
      n = { xid, ns, id, type, firstSeen: t, lastSeen: t };
      this.nodes.set(xid, n);
      this.adj.set(xid, new Set());
    } else {
      if (t > n.lastSeen) n.lastSeen = t;
      if (t < n.firstSeen) n.firstSeen = t;
    }
    this.dirtyNodes.add(xid);
    return n;
  }

  /** Adds or refreshes a link; true when the link is new. */
  private addEdge(a: string, b: string, o: LinkObservation): boolean {
    const k = edgeKey(a, b);
    const e = this.edges.get(k);
    if (e) {
      if (o.t > e.lastSeen) {
        e.lastSeen = o.t;
        e.lastRecord = o.record;
      }
      if (o.t < e.firstSeen) e.firstSeen = o.t;
      if (!e.datasets.includes(o.dataset)) e.datasets.push(o.dataset);
      if (!e.batches.includes(o.batch)) e.batches.push(o.batch);
      this.dirtyEdges.add(k);
      return false;
    } else {
      this.edges.set(k, { a: a < b ? a : b, b: a < b ? b : a, firstSeen: o.t, lastSeen: o.t, datasets: [o.dataset], batches: [o.batch], lastRecord: o.record });
      this.adj.get(a)!.add(k);
      this.adj.get(b)!.add(k);
      if (this.opts.recordLinks !== false) this.history.push({ at: o.t, op: 'link', a, b, record: o.record, dataset: o.dataset, batch: o.batch });
    }
    this.dirtyEdges.add(k);
    return true;
  }

  removeEdge(k: string, op: HistoryOp, why: { at: number; rule?: string; record?: string; detail?: string }): void {
    const e = this.edges.get(k);
    if (!e) return;
    this.edges.delete(k);
    this.adj.get(e.a)?.delete(k);
    this.adj.get(e.b)?.delete(k);
    this.dirtyEdges.add(k);
    this.history.push({ at: why.at, op, a: e.a, b: e.b, rule: why.rule, record: why.record, detail: why.detail, dataset: e.datasets.join(','), batch: e.batches.join(',') });
  }

  private removeNode(xid: string, why: { at: number; rule: string; record?: string }): void {
    for (const k of [...(this.adj.get(xid) ?? [])]) this.removeEdge(k, 'evict', { ...why, detail: `evicted ${xid}` });
    this.nodes.delete(xid);
    this.adj.delete(xid);
    this.dirtyNodes.add(xid);
    this.history.push({ at: why.at, op: 'evict', a: xid, rule: why.rule, record: why.record });
  }

  /** The graph (connected component) containing an identity. */
  component(xid: string): string[] {
    if (!this.nodes.has(xid)) return [];
    const seen = new Set<string>([xid]);
    const queue = [xid];
    while (queue.length) {
      const x = queue.pop()!;
      for (const k of this.adj.get(x) ?? []) {
        const e = this.edges.get(k)!;
        const y = e.a === x ? e.b : e.a;
        if (!seen.has(y)) {
          seen.add(y);
          queue.push(y);
        }
      }
    }
    return [...seen];
  }

  /** Adds a record's identities and links, then enforces the rules on the graph(s) it touched. */
  apply(o: LinkObservation): { xids: string[]; refused: number } {
    const xids: string[] = [];
    for (const i of o.identities) xids.push(this.upsertNode(i.ns, i.id, i.type, o.t, i.xid).xid);
    const uniq = xids.length === 2 ? (xids[0] === xids[1] ? [xids[0]!] : xids) : [...new Set(xids)];
    let refused = 0;
    let added = false;
    if (uniq.length >= 2) {
      // link every identity to the record's first one (a star keeps links O(n) while connecting the same graph)
      const anchor = uniq[0]!;
      for (const other of uniq.slice(1)) {
        const k = edgeKey(anchor, other);
        if (this.blockedPairs.has(k)) {
          refused++;
          this.history.push({ at: o.t, op: 'refuse', a: anchor, b: other, rule: 'unlinked', record: o.record, dataset: o.dataset, batch: o.batch, detail: 'this link was removed by hand' });
          continue;
        }
        if (!this.edges.has(k)) {
          const full = [anchor, other].find((x) => (this.adj.get(x)?.size ?? 0) >= this.rules.linkLimit);
          if (full) {
            refused++;
            this.history.push({ at: o.t, op: 'refuse', a: anchor, b: other, rule: 'linkLimit', record: o.record, dataset: o.dataset, batch: o.batch, detail: `${full} already has ${this.rules.linkLimit} links` });
            continue;
          }
        }
        if (this.addEdge(anchor, other, o)) added = true;
      }
      // only a new link can break a rule: refreshing links the graph already has leaves it valid
      if (added) this.enforce(uniq[0]!, o);
    }
    return { xids: uniq, refused };
  }

  /** Rule enforcement on the graph containing `start` (and the graphs it splits into). */
  enforce(start: string, o: { t: number; record?: string }): void {
    const comp = this.component(start);
    if (comp.length < 2) return;
    const uniqueNs = new Set<string>();
    let conflict = false;
    for (const x of comp) {
      const n = this.nodes.get(x)!;
      if (!isUnique(this.rules, n.ns)) continue;
      const key = n.ns.toLowerCase();
      if (uniqueNs.has(key)) conflict = true;
      uniqueNs.add(key);
    }
    if (conflict) this.replayNewestFirst(comp, o);
    // size limit, on every graph the touched one now consists of
    const todo = conflict ? [...comp] : [start];
    const checked = new Set<string>();
    for (let i = 0; i < todo.length; i++) {
      const root = todo[i]!;
      if (!this.nodes.has(root) || checked.has(root)) continue;
      let c = this.component(root);
      while (c.length > this.rules.graphSizeLimit) {
        const victim = this.evictionCandidate(c);
        this.removeNode(victim, { at: o.t, rule: 'graphSizeLimit', record: o.record });
        const rest = c.filter((x) => x !== victim);
        todo.push(...rest);
        c = this.component(rest[0]!);
      }
      for (const x of c) checked.add(x);
    }
  }

  /** Keeps the newest links that do not join two identities of a unique namespace; cuts the rest. */
  private replayNewestFirst(comp: string[], o: { t: number; record?: string }): void {
    const keys = new Set<string>();
    for (const x of comp) for (const k of this.adj.get(x) ?? []) keys.add(k);
    const rank = (k: string) => {
      const e = this.edges.get(k)!;
      return Math.min(rankOf(this.rules, this.nodes.get(e.a)!.ns), rankOf(this.rules, this.nodes.get(e.b)!.ns));
    };
    const ordered = [...keys].sort((p, q) => {
      const a = this.edges.get(p)!;
      const b = this.edges.get(q)!;
      return b.lastSeen - a.lastSeen || rank(p) - rank(q) || (p < q ? -1 : 1);
    });
    const parent = new Map<string, string>(comp.map((x) => [x, x]));
    const nsOf = new Map<string, Map<string, string>>();
    const find = (x: string): string => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    for (const x of comp) {
      const n = this.nodes.get(x)!;
      nsOf.set(x, new Map(isUnique(this.rules, n.ns) ? [[n.ns.toLowerCase(), x]] : []));
    }
    for (const k of ordered) {
      const e = this.edges.get(k)!;
      const ra = find(e.a);
      const rb = find(e.b);
      if (ra === rb) continue;
      const A = nsOf.get(ra)!;
      const B = nsOf.get(rb)!;
      const clash = [...B].find(([ns, x]) => A.has(ns) && A.get(ns) !== x);
      if (clash) {
        this.removeEdge(k, 'cut', { at: o.t, rule: `uniqueNamespace:${clash[0]}`, record: o.record, detail: 'a more recent link owns this unique namespace' });
        continue;
      }
      parent.set(rb, ra);
      for (const [ns, x] of B) A.set(ns, x);
    }
  }

  private evictionCandidate(comp: string[]): string {
    const typeRank = (t: string) => {
      const i = TYPE_EVICTION_ORDER.indexOf(t.toUpperCase());
      return i < 0 ? TYPE_EVICTION_ORDER.length : i;
    };
    return [...comp].sort((x, y) => {
      const a = this.nodes.get(x)!;
      const b = this.nodes.get(y)!;
      return typeRank(a.type) - typeRank(b.type) || rankOf(this.rules, b.ns) - rankOf(this.rules, a.ns) || a.lastSeen - b.lastSeen || (x < y ? -1 : 1);
    })[0]!;
  }

  /** The shortest chain of links between two identities (explain "why are these one person?"). */
  path(from: string, to: string): Edge[] | undefined {
    if (!this.nodes.has(from) || !this.nodes.has(to)) return undefined;
    if (from === to) return [];
    const prev = new Map<string, string>([[from, '']]);
    const queue = [from];
    while (queue.length) {
      const x = queue.shift()!;
      for (const k of this.adj.get(x) ?? []) {
        const e = this.edges.get(k)!;
        const y = e.a === x ? e.b : e.a;
        if (prev.has(y)) continue;
        prev.set(y, k);
        if (y === to) {
          const out: Edge[] = [];
          let cur = to;
          while (cur !== from) {
            const ek = prev.get(cur)!;
            const ed = this.edges.get(ek)!;
            out.unshift(ed);
            cur = ed.a === cur ? ed.b : ed.a;
          }
          return out;
        }
        queue.push(y);
      }
    }
    return undefined;
  }

  /** Drains the changes since the last call (persistence). */
  takeChanges(): { nodes: Array<IdentityNode | { xid: string; deleted: true }>; edges: Array<Edge | { key: string; deleted: true }>; history: HistoryEntry[] } {
    const nodes = [...this.dirtyNodes].map((x) => this.nodes.get(x) ?? { xid: x, deleted: true as const });
    const edges = [...this.dirtyEdges].map((k) => this.edges.get(k) ?? { key: k, deleted: true as const });
    const history = this.history.splice(0);
    this.dirtyNodes.clear();
    this.dirtyEdges.clear();
    return { nodes, edges, history };
  }

  /** Loads a persisted graph (startup). */
  load(nodes: IdentityNode[], edges: Edge[]): void {
    for (const n of nodes) {
      this.nodes.set(n.xid, n);
      this.adj.set(n.xid, new Set());
    }
    for (const e of edges) {
      const k = edgeKey(e.a, e.b);
      this.edges.set(k, e);
      this.adj.get(e.a)?.add(k);
      this.adj.get(e.b)?.add(k);
    }
  }
}

