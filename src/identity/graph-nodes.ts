import type { Edge, IdentityNode } from './graph-types.js';

/**
 * The engine's internal structures (GraphEngine, graph-engine.ts): identities and links with their component,
 * one-or-many string sets, and a read-only map view of the links. Never handed out as they are.
 */

/** A connected component (graph) of two or more identities; singletons have none. */
export interface Comp {
  members: GNode[];
  /** Members of unique namespaces (at most one per namespace while the rules hold). */
  uniq: GNode[] | null;
  /** The component may break a rule (unique namespace twice, or over the size limit): enforce on its next new link. */
  bad: boolean;
}

/** The links of a node without any (shared, never written: a node's first link replaces it with its own array). */
export const NO_LINKS: GEdge[] = [];

/** An identity inside the engine: the public fields plus its links and component. Never handed out as is. */
export class GNode implements IdentityNode {
  links: GEdge[] = NO_LINKS;
  comp: Comp | null = null;
  dirty = false;
  gone = false;
  constructor(
    readonly xid: string,
    readonly ns: string,
    readonly id: string,
    readonly type: string,
    public firstSeen: number,
    public lastSeen: number,
    /** Lower-cased namespace when the namespace is unique under the engine's rules, else ''. */
    readonly uniq: string,
  ) {}
}

/**
 * A link inside the engine: `a < b`, with the nodes it joins. Its datasets and batches are kept as one string while
 * there is one (nearly always), an array once there are more: two fewer arrays per link to allocate and collect.
 */
export class GEdge implements Edge {
  dirty = false;
  gone = false;
  readonly a: string;
  readonly b: string;
  constructor(
    readonly na: GNode,
    readonly nb: GNode,
    public firstSeen: number,
    public lastSeen: number,
    public ds: string | string[],
    public bs: string | string[],
    public lastRecord: string,
  ) {
    this.a = na.xid;
    this.b = nb.xid;
  }
  get datasets(): string[] {
    return typeof this.ds === 'string' ? [this.ds] : this.ds;
  }
  get batches(): string[] {
    return typeof this.bs === 'string' ? [this.bs] : this.bs;
  }
}

/** Adds a value to a one-or-many set of strings. */
export const addTo = (cur: string | string[], v: string): string | string[] => (typeof cur === 'string' ? (cur === v ? cur : [cur, v]) : cur.includes(v) ? cur : (cur.push(v), cur));
export const attach = (n: GNode, e: GEdge): void => {
  if (n.links === NO_LINKS) n.links = [e];
  else n.links.push(e);
};

export type NodeChange = IdentityNode | { xid: string; deleted: true };
export type EdgeChange = Edge | { key: string; deleted: true };

/** Read-only map view of the links by key (`a|b`), without keeping a key string per link. */
export class EdgeView implements ReadonlyMap<string, Edge> {
  constructor(private readonly g: { readonly edgeCount: number; edgeByKey(k: string): Edge | undefined; readonly nodeMap: ReadonlyMap<string, GNode> }) {}
  get size(): number {
    return this.g.edgeCount;
  }
  get(k: string): Edge | undefined {
    return this.g.edgeByKey(k);
  }
  has(k: string): boolean {
    return this.g.edgeByKey(k) !== undefined;
  }
  *entries(): MapIterator<[string, Edge]> {
    for (const e of this.values()) yield [`${e.a}|${e.b}`, e];
  }
  *keys(): MapIterator<string> {
    for (const e of this.values()) yield `${e.a}|${e.b}`;
  }
  *values(): MapIterator<Edge> {
    for (const n of this.g.nodeMap.values()) for (const e of n.links) if (e.na === n) yield e;
  }
  forEach(cb: (value: Edge, key: string, map: ReadonlyMap<string, Edge>) => void): void {
    for (const [k, e] of this.entries()) cb(e, k, this);
  }
  [Symbol.iterator](): MapIterator<[string, Edge]> {
    return this.entries();
  }
}

