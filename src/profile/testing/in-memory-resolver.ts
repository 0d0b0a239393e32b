import { createHash } from 'node:crypto';
import type { GraphChange, GraphChangeListener, IdentityGraphView, IdentityRef, IdentityResolver } from '../identity-resolver.js';

const key = (r: IdentityRef): string => `${r.namespace.toLowerCase()}\u0000${r.id}`;

/**
 * A tiny real identity graph for profile tests and the benchmark (the real one lives in src/identity):
 * links are undirected edges; graphs are connected components; `unlink` removes an edge (which may split a graph).
 */
export class InMemoryIdentityResolver implements IdentityResolver {
  private readonly edges = new Map<string, Map<string, Set<string>>>(); // sandbox -> node -> neighbours
  private readonly refs = new Map<string, IdentityRef>();
  private readonly byXid = new Map<string, IdentityRef>();
  private readonly listeners = new Set<GraphChangeListener>();
  constructor(private readonly priority?: Record<string, number>) {}

  private static readonly xids = new Map<string, string>();
  static xid(r: IdentityRef): string {
    const k = key(r);
    let x = InMemoryIdentityResolver.xids.get(k);
    if (x === undefined) {
      x = createHash('sha256').update(k).digest('base64url').slice(0, 30);
      if (InMemoryIdentityResolver.xids.size < 1_000_000) InMemoryIdentityResolver.xids.set(k, x);
    }
    return x;
  }
  private adj(sandboxId: string): Map<string, Set<string>> {
    let m = this.edges.get(sandboxId);
    if (!m) this.edges.set(sandboxId, (m = new Map()));
    return m;
  }
  private remember(r: IdentityRef): string {
    const k = key(r);
    if (!this.refs.has(k)) {
      this.refs.set(k, r);
      this.byXid.set(InMemoryIdentityResolver.xid(r), r);
    }
    return k;
  }
  private emit(c: GraphChange): void {
    for (const l of this.listeners) l(c);
  }

  link(sandboxId: string, a: IdentityRef, b: IdentityRef): void {
    const ka = this.remember(a), kb = this.remember(b);
    const m = this.adj(sandboxId);
    if (!m.has(ka)) m.set(ka, new Set());
    if (!m.has(kb)) m.set(kb, new Set());
    m.get(ka)!.add(kb);
    m.get(kb)!.add(ka);
    this.emit({ sandboxId, kind: 'merge', identities: [a, b] });
  }
  unlink(sandboxId: string, a: IdentityRef, b: IdentityRef): void {
    const m = this.adj(sandboxId);
    m.get(key(a))?.delete(key(b));
    m.get(key(b))?.delete(key(a));
    this.emit({ sandboxId, kind: 'unlink', identities: [a, b] });
  }
  /** Adds `n` identities to the graph of `a` (guardrail tests). */
  grow(sandboxId: string, a: IdentityRef, n: number, ns = 'ECID'): void {
    for (let i = 0; i < n; i++) this.link(sandboxId, a, { namespace: ns, id: `grow-${a.id}-${i}` });
  }

  graphOf(sandboxId: string, ref: IdentityRef): IdentityGraphView | undefined {
    const m = this.adj(sandboxId);
    const start = key(ref);
    if (!m.has(start) || m.get(start)!.size === 0) return undefined;
    const seen = new Set([start]);
    const queue = [start];
    while (queue.length) for (const n of m.get(queue.pop()!) ?? []) if (!seen.has(n)) (seen.add(n), queue.push(n));
    const members = [...seen].sort().map((k) => ({ ...this.refs.get(k)!, xid: InMemoryIdentityResolver.xid(this.refs.get(k)!) }));
    return { graphId: members[0]!.xid, members };
  }
  xidOf(_sandboxId: string, ref: IdentityRef): string {
    this.remember(ref);
    return InMemoryIdentityResolver.xid(ref);
  }
  resolveXid(_sandboxId: string, xid: string): IdentityRef | undefined {
    return this.byXid.get(xid);
  }
  namespacePriority(): Record<string, number> {
    return this.priority ?? { crmid: 1, email: 2, phone: 3, idfa: 10, gaid: 11, ecid: 20, aaid: 21 };
  }
  onGraphChange(l: GraphChangeListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
