import { xidOf } from './xid.js';
import { TYPE_EVICTION_ORDER, isUnique, rankOf, type LinkingRules } from './linking-rules.js';
import { edgeKey, plainEdge, type Edge, type HistoryEntry, type HistoryOp, type IdentityNode, type LinkObservation } from './graph-types.js';

export type { Edge, HistoryEntry, HistoryOp, IdentityNode, LinkObservation } from './graph-types.js';
export { edgeKey } from './graph-types.js';
import { NO_LINKS, GNode, GEdge, EdgeView, addTo, attach, type Comp, type NodeChange, type EdgeChange } from './graph-nodes.js';

/**
 * The identity graph of one sandbox, in memory: identities (nodes), links (edges) and their history. Graphs are the
 * connected components of the links. Every record with two or more identities adds links; then the linking rules
 * are enforced on the graph it touched:
 *   1. unique namespaces: the graph's links are replayed newest first (event time; ties by namespace priority);
 *      a link that would put two identities of a unique namespace in one graph is cut;
 *   2. size limit: while a graph is too big, its oldest identity of the lowest-priority type is evicted.
 * The per-identifier link limit refuses links to identities that already have `linkLimit` links.
 *
 * Speed: components are kept incrementally (a new link between two graphs moves the smaller one's members into the
 * bigger one, union-by-size), each knowing its size and its unique-namespace members. A new link that keeps every
 * rule (the common case) costs O(1) amortised; only a link that joins two identities of a unique namespace or
 * exceeds the size limit runs the full enforcement (breadth-first search, newest-first replay, eviction), after
 * which the affected components are recomputed. Links live on their nodes (no key strings, no global link map);
 * changed nodes and links are flagged and listed instead of kept in sets of keys. The decisions are exactly those
 * of the straightforward engine (reference-engine.ts, checked by property tests).
 */
export class GraphEngine {
  /** @internal nodes by XID */
  readonly nodeMap = new Map<string, GNode>();
  readonly nodes: ReadonlyMap<string, IdentityNode> = this.nodeMap;
  readonly edges: ReadonlyMap<string, Edge> = new EdgeView(this);
  /** @internal number of links */
  edgeCount = 0;
  /** Links added, refreshed or removed so far (the service tells graph listeners when it moved). */
  linkTouches = 0;
  /** Events of the last apply() (drained by the caller for persistence and history). */
  readonly history: HistoryEntry[] = [];
  private dirtyNodes: Array<GNode | { xid: string; deleted: true }> = [];
  private dirtyEdges: Array<GEdge | { key: string; deleted: true }> = [];
  /** Pairs a person unlinked by hand: never linked again. */
  readonly blockedPairs = new Set<string>();

  /**
   * `recordLinks: false` leaves 'link' entries out of the history (the service derives them from the edges and its
   * observation log); cuts, evictions, refusals and unlinks are always recorded.
   */
  constructor(
    readonly rules: LinkingRules,
    private readonly opts: { recordLinks?: boolean } = {},
  ) {}

  /** Nodes and links changed since the last takeChanges(). */
  get pendingChanges(): number {
    return this.dirtyNodes.length + this.dirtyEdges.length;
  }

  /** Namespace → its unique key ('' when not unique), per engine (the rules never change for an engine). */
  private readonly uniqueKeys = new Map<string, string>();

  private newNode(xid: string, ns: string, id: string, type: string, firstSeen: number, lastSeen: number): GNode {
    let u = this.uniqueKeys.get(ns);
    if (u === undefined) this.uniqueKeys.set(ns, (u = isUnique(this.rules, ns) ? ns.toLowerCase() : ''));
    const n = new GNode(xid, ns, id, type, firstSeen, lastSeen, u);
    this.nodeMap.set(xid, n);
    return n;
  }

  private touchNode(n: GNode): void {
    if (n.dirty) return;
    n.dirty = true;
    this.dirtyNodes.push(n);
  }

  private touchEdge(e: GEdge): void {
    this.linkTouches++;
    if (e.dirty) return;
    e.dirty = true;
    this.dirtyEdges.push(e);
  }

  private upsertNode(ns: string, id: string, type: string, t: number, known?: string): GNode {
    const xid = known ?? xidOf(ns, id);
    let n = this.nodeMap.get(xid);
    if (!n) n = this.newNode(xid, ns, id, type, t, t);
    else {
      if (t > n.lastSeen) n.lastSeen = t;
      if (t < n.firstSeen) n.firstSeen = t;
    }
    this.touchNode(n);
    return n;
  }

  private static between(x: GNode, y: GNode): GEdge | undefined {
    if (x.links.length > y.links.length) {
      const t = x;
      x = y;
      y = t;
    }
    for (const e of x.links) if (e.na === y || e.nb === y) return e;
    return undefined;
  }

  /** @internal the link with key `a|b` */
  edgeByKey(k: string): GEdge | undefined {
    const i = k.indexOf('|');
    const x = this.nodeMap.get(k.slice(0, i));
    const y = x && this.nodeMap.get(k.slice(i + 1));
    const e = y && GraphEngine.between(x, y);
    return e && e.a === x.xid ? e : undefined;
  }

  /** The links of an identity (engine objects: read, do not keep). */
  linksOf(xid: string): readonly Edge[] {
    return this.nodeMap.get(xid)?.links ?? [];
  }

  /** Joins the components of a new link's ends; true when the joined component may break a rule. */
  private join(x: GNode, y: GNode): boolean {
    if (x.comp !== null && x.comp === y.comp) return x.comp.bad;
    let A: Comp = x.comp ?? { members: [x], uniq: x.uniq ? [x] : null, bad: false };
    let B: Comp = y.comp ?? { members: [y], uniq: y.uniq ? [y] : null, bad: false };
    if (A.members.length < B.members.length) {
      const t = A;
      A = B;
      B = t;
    }
    for (const m of B.members) {
      m.comp = A;
      A.members.push(m);
    }
    if (B.uniq) {
      if (!A.uniq) A.uniq = B.uniq;
      else
        for (const u of B.uniq) {
          for (const v of A.uniq) if (v.uniq === u.uniq) A.bad = true;
          A.uniq.push(u);
        }
    }
    if (B.bad || A.members.length > this.rules.graphSizeLimit) A.bad = true;
    x.comp = A;
    y.comp = A;
    return A.bad;
  }

  /** Recomputes the components of the given nodes (after links or nodes were removed). */
  private recompute(nodes: Iterable<GNode>): void {
    const stamp = new Set<GNode>();
    for (const s of nodes) {
      if (s.gone || stamp.has(s)) continue;
      stamp.add(s);
      const members = [s];
      for (let i = 0; i < members.length; i++)
        for (const e of members[i]!.links) {
          const y = e.na === members[i] ? e.nb : e.na;
          if (!stamp.has(y)) {
            stamp.add(y);
            members.push(y);
          }
        }
      if (members.length === 1) {
        s.comp = null;
        continue;
      }
      const c: Comp = { members, uniq: null, bad: members.length > this.rules.graphSizeLimit };
      const seen = new Set<string>();
      for (const m of members) {
        m.comp = c;
        if (!m.uniq) continue;
        (c.uniq ??= []).push(m);
        if (seen.has(m.uniq)) c.bad = true;
        seen.add(m.uniq);
      }
    }
  }

  /** Adds or refreshes a link; true when the link is new (and its graph may now break a rule). */
  private addEdge(x: GNode, y: GNode, o: LinkObservation, existing: GEdge | undefined): boolean {
    if (existing) {
      const e = existing;
      if (o.t > e.lastSeen) {
        e.lastSeen = o.t;
        e.lastRecord = o.record;
      }
      if (o.t < e.firstSeen) e.firstSeen = o.t;
      e.ds = addTo(e.ds, o.dataset);
      e.bs = addTo(e.bs, o.batch);
      this.touchEdge(e);
      return false;
    }
    const e = x.xid < y.xid ? new GEdge(x, y, o.t, o.t, o.dataset, o.batch, o.record) : new GEdge(y, x, o.t, o.t, o.dataset, o.batch, o.record);
    attach(x, e);
    attach(y, e);
    this.edgeCount++;
    this.touchEdge(e);
    if (this.opts.recordLinks !== false) this.history.push({ at: o.t, op: 'link', a: x.xid, b: y.xid, record: o.record, dataset: o.dataset, batch: o.batch });
    return this.join(x, y);
  }

  private unhook(e: GEdge): void {
    e.gone = true;
    e.na.links.splice(e.na.links.indexOf(e), 1);
    e.nb.links.splice(e.nb.links.indexOf(e), 1);
    this.edgeCount--;
    this.linkTouches++;
    this.dirtyEdges.push({ key: `${e.a}|${e.b}`, deleted: true });
  }

  private cutEdge(e: GEdge, op: HistoryOp, why: { at: number; rule?: string; record?: string; detail?: string }): void {
    this.unhook(e);
    this.history.push({ at: why.at, op, a: e.a, b: e.b, rule: why.rule, record: why.record, detail: why.detail, dataset: typeof e.ds === 'string' ? e.ds : e.ds.join(','), batch: typeof e.bs === 'string' ? e.bs : e.bs.join(',') });
  }

  /** Removes a link by key (`a|b`, a < b), recording why; the graphs it held together are recomputed. */
  removeEdge(k: string, op: HistoryOp, why: { at: number; rule?: string; record?: string; detail?: string }): void {
    const e = this.edgeByKey(k);
    if (!e) return;
    const members = e.na.comp?.members.slice() ?? [e.na, e.nb];
    this.cutEdge(e, op, why);
    this.recompute(members);
  }

  private removeNode(n: GNode, why: { at: number; rule: string; record?: string }): void {
    for (const e of n.links.slice()) this.cutEdge(e, 'evict', { ...why, detail: `evicted ${n.xid}` });
    this.nodeMap.delete(n.xid);
    n.gone = true;
    this.dirtyNodes.push({ xid: n.xid, deleted: true });
    this.history.push({ at: why.at, op: 'evict', a: n.xid, rule: why.rule, record: why.record });
  }

  /** The graph (connected component) containing an identity, as XIDs. */
  component(xid: string): string[] {
    const n = this.nodeMap.get(xid);
    if (!n) return [];
    return n.comp ? n.comp.members.map((m) => m.xid) : [xid];
  }

  /** Size of the graph containing an identity (0 when unknown). */
  componentSize(xid: string): number {
    const n = this.nodeMap.get(xid);
    return !n ? 0 : n.comp ? n.comp.members.length : 1;
  }

  /** Adds a record's identities and links, then enforces the rules on the graph(s) it touched. */
  apply(o: LinkObservation): { xids: string[]; refused: number } {
    const ids = o.identities;
    if (ids.length === 2) {
      const refused = this.add(o);
      const a = ids[0]!.xid ?? xidOf(ids[0]!.ns, ids[0]!.id);
      const b = ids[1]!.xid ?? xidOf(ids[1]!.ns, ids[1]!.id);
      return { xids: a === b ? [a] : [a, b], refused };
    }
    return this.applyMany(o);
  }

  /** apply() without its answer: the number of links refused (the ingestion hot path). */
  add(o: LinkObservation): number {
    const ids = o.identities;
    if (ids.length !== 2) return this.applyMany(o).refused;
    // the common record: two identities, one link
    const x = this.upsertNode(ids[0]!.ns, ids[0]!.id, ids[0]!.type, o.t, ids[0]!.xid);
    const y = this.upsertNode(ids[1]!.ns, ids[1]!.id, ids[1]!.type, o.t, ids[1]!.xid);
    if (x === y) return 0;
    const r = this.linkTo(x, y, o);
    if (r < 0) {
      this.enforce(x, o);
      return 0;
    }
    return r;
  }

  private applyMany(o: LinkObservation): { xids: string[]; refused: number } {
    const ids = o.identities;
    let refused = 0;
    const nodes: GNode[] = [];
    for (const i of ids) {
      const n = this.upsertNode(i.ns, i.id, i.type, o.t, i.xid);
      if (!nodes.includes(n)) nodes.push(n);
    }
    let violated = false;
    // link every identity to the record's first one (a star keeps links O(n) while connecting the same graph)
    for (let i = 1; i < nodes.length; i++) {
      const r = this.linkTo(nodes[0]!, nodes[i]!, o);
      if (r < 0) violated = true;
      else refused += r;
    }
    // only a new link can break a rule: refreshing links the graph already has leaves it valid
    if (violated) this.enforce(nodes[0]!, o);
    return { xids: nodes.map((n) => n.xid), refused };
  }

  /** Links two identities of a record: 1 when refused, -1 when the link is new and its graph may break a rule, else 0. */
  private linkTo(anchor: GNode, other: GNode, o: LinkObservation): number {
    if (this.blockedPairs.size > 0 && this.blockedPairs.has(edgeKey(anchor.xid, other.xid))) {
      this.history.push({ at: o.t, op: 'refuse', a: anchor.xid, b: other.xid, rule: 'unlinked', record: o.record, dataset: o.dataset, batch: o.batch, detail: 'this link was removed by hand' });
      return 1;
    }
    const existing = GraphEngine.between(anchor, other);
    if (!existing) {
      const limit = this.rules.linkLimit;
      const full = anchor.links.length >= limit ? anchor : other.links.length >= limit ? other : undefined;
      if (full) {
        this.history.push({ at: o.t, op: 'refuse', a: anchor.xid, b: other.xid, rule: 'linkLimit', record: o.record, dataset: o.dataset, batch: o.batch, detail: `${full.xid} already has ${limit} links` });
        return 1;
      }
    }
    return this.addEdge(anchor, other, o, existing) ? -1 : 0;
  }

  /** The graph of `start` in discovery order of a depth-first walk (the order the enforcement's history follows). */
  private walk(start: GNode): GNode[] {
    const seen = new Set<GNode>([start]);
    const stack = [start];
    while (stack.length) {
      const x = stack.pop()!;
      for (const e of x.links) {
        const y = e.na === x ? e.nb : e.na;
        if (!seen.has(y)) {
          seen.add(y);
          stack.push(y);
        }
      }
    }
    return [...seen];
  }

  /** Full rule enforcement on the graph containing `start` (and the graphs it splits into); then recomputes them. */
  private enforce(start: GNode, o: { t: number; record?: string }): void {
    const comp = this.walk(start);
    if (comp.length >= 2) {
      const uniqueNs = new Set<string>();
      let conflict = false;
      for (const n of comp) {
        if (!n.uniq) continue;
        if (uniqueNs.has(n.uniq)) conflict = true;
        uniqueNs.add(n.uniq);
      }
      if (conflict) this.replayNewestFirst(comp, o);
      // size limit, on every graph the touched one now consists of
      const todo = conflict ? [...comp] : [start];
      const checked = new Set<GNode>();
      for (let i = 0; i < todo.length; i++) {
        const root = todo[i]!;
        if (root.gone || checked.has(root)) continue;
        let c = this.walk(root);
        while (c.length > this.rules.graphSizeLimit) {
          const victim = this.evictionCandidate(c);
          this.removeNode(victim, { at: o.t, rule: 'graphSizeLimit', record: o.record });
          const rest = c.filter((x) => x !== victim);
          todo.push(...rest);
          c = this.walk(rest[0]!);
        }
        for (const x of c) checked.add(x);
      }
    }
    this.recompute(comp);
  }

  /** Keeps the newest links that do not join two identities of a unique namespace; cuts the rest. */
  private replayNewestFirst(comp: GNode[], o: { t: number; record?: string }): void {
    const all = new Set<GEdge>();
    for (const x of comp) for (const e of x.links) all.add(e);
    const keyed = [...all].map((e) => ({ e, k: `${e.a}|${e.b}`, rank: Math.min(rankOf(this.rules, e.na.ns), rankOf(this.rules, e.nb.ns)) }));
    keyed.sort((p, q) => q.e.lastSeen - p.e.lastSeen || p.rank - q.rank || (p.k < q.k ? -1 : 1));
    const parent = new Map<GNode, GNode>(comp.map((x) => [x, x]));
    const nsOf = new Map<GNode, Map<string, GNode>>();
    const find = (x: GNode): GNode => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    for (const x of comp) nsOf.set(x, new Map(x.uniq ? [[x.uniq, x]] : []));
    for (const { e } of keyed) {
      const ra = find(e.na);
      const rb = find(e.nb);
      if (ra === rb) continue;
      const A = nsOf.get(ra)!;
      const B = nsOf.get(rb)!;
      const clash = [...B].find(([ns, x]) => A.has(ns) && A.get(ns) !== x);
      if (clash) {
        this.cutEdge(e, 'cut', { at: o.t, rule: `uniqueNamespace:${clash[0]}`, record: o.record, detail: 'a more recent link owns this unique namespace' });
        continue;
      }
      parent.set(rb, ra);
      for (const [ns, x] of B) A.set(ns, x);
    }
  }

  private evictionCandidate(comp: GNode[]): GNode {
    const typeRank = (t: string) => {
      const i = TYPE_EVICTION_ORDER.indexOf(t.toUpperCase());
      return i < 0 ? TYPE_EVICTION_ORDER.length : i;
    };
    return [...comp].sort((a, b) => typeRank(a.type) - typeRank(b.type) || rankOf(this.rules, b.ns) - rankOf(this.rules, a.ns) || a.lastSeen - b.lastSeen || (a.xid < b.xid ? -1 : 1))[0]!;
  }

  /** The shortest chain of links between two identities (explain "why are these one person?"), as plain links. */
  path(from: string, to: string): Edge[] | undefined {
    const start = this.nodeMap.get(from);
    const end = this.nodeMap.get(to);
    if (!start || !end) return undefined;
    if (start === end) return [];
    const prev = new Map<GNode, GEdge | null>([[start, null]]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const x = queue[i]!;
      for (const e of x.links) {
        const y = e.na === x ? e.nb : e.na;
        if (prev.has(y)) continue;
        prev.set(y, e);
        if (y === end) {
          const out: Edge[] = [];
          let cur = end;
          while (cur !== start) {
            const ed = prev.get(cur)!;
            out.unshift(plainEdge(ed));
            cur = ed.na === cur ? ed.nb : ed.na;
          }
          return out;
        }
        queue.push(y);
      }
    }
    return undefined;
  }

  /**
   * Drains the changes since the last call (persistence), in order: a deletion followed by a re-creation leaves the
   * identity or link present. The node and link objects are the engine's own: write them out, do not keep them.
   */
  takeChanges(): { nodes: NodeChange[]; edges: EdgeChange[]; history: HistoryEntry[] } {
    const nodes: NodeChange[] = [];
    for (const n of this.dirtyNodes) {
      if (!(n instanceof GNode)) nodes.push(n);
      else if (!n.gone) {
        n.dirty = false;
        nodes.push(n);
      }
    }
    const edges: EdgeChange[] = [];
    for (const e of this.dirtyEdges) {
      if (!(e instanceof GEdge)) edges.push(e);
      else if (!e.gone) {
        e.dirty = false;
        edges.push(e);
      }
    }
    this.dirtyNodes = [];
    this.dirtyEdges = [];
    return { nodes, edges, history: this.history.splice(0) };
  }

  /** Loads a persisted graph (startup). */
  load(nodes: Iterable<IdentityNode>, edges: Iterable<Edge>): void {
    for (const n of nodes) this.newNode(n.xid, n.ns, n.id, n.type, n.firstSeen, n.lastSeen);
    for (const e of edges) {
      const x = this.nodeMap.get(e.a);
      const y = this.nodeMap.get(e.b);
      if (!x || !y || GraphEngine.between(x, y)) continue;
      const ds = e.datasets.length === 1 ? e.datasets[0]! : [...e.datasets];
      const bs = e.batches.length === 1 ? e.batches[0]! : [...e.batches];
      const g = x.xid < y.xid ? new GEdge(x, y, e.firstSeen, e.lastSeen, ds, bs, e.lastRecord) : new GEdge(y, x, e.firstSeen, e.lastSeen, ds, bs, e.lastRecord);
      attach(x, g);
      attach(y, g);
      this.edgeCount++;
    }
    this.recompute(this.nodeMap.values());
  }
}
