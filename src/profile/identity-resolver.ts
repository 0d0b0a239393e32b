/**
 * What Profile needs from the identity graph (owned by src/identity). Profile depends only on this interface;
 * the identity service implements it (or an adapter over it does). Results may be sync or async.
 */
export interface IdentityRef {
  /** Namespace code, e.g. `ECID`, `Email`, `CRMID` (compared case-insensitively). */
  namespace: string;
  id: string;
}

export interface GraphMember extends IdentityRef {
  /** The identity's XID (opaque, stable per (namespace, id)). */
  xid: string;
}

export interface IdentityGraphView {
  graphId: string;
  /** Every identity in the stitched graph, including the one asked about. */
  members: GraphMember[];
}

/** Emitted by the identity service after a graph changed (merge of two graphs, split, unlink, eviction). */
export interface GraphChange {
  sandboxId: string;
  kind: 'merge' | 'split' | 'unlink' | 'evict';
  /** Identities whose graph membership changed (any one of them is enough to find the profiles involved). */
  identities: IdentityRef[];
  /** The same as XIDs, when the identity service reports XIDs only (identities may then be empty). */
  xids?: string[];
}

export type GraphChangeListener = (change: GraphChange) => void;
type MaybePromise<T> = T | Promise<T>;

export interface IdentityResolver {
  /** The graph containing the identity; undefined when the identity is unknown or in no graph (a lone identity). */
  graphOf(sandboxId: string, ref: IdentityRef): MaybePromise<IdentityGraphView | undefined>;
  /** XID of an identity (deterministic; works for identities not yet in any graph). */
  xidOf(sandboxId: string, ref: IdentityRef): MaybePromise<string>;
  /** The identity behind an XID, if known. */
  resolveXid(sandboxId: string, xid: string): MaybePromise<IdentityRef | undefined>;
  /** Namespace priority (lower number = higher priority). Optional: DEFAULT_NAMESPACE_PRIORITY otherwise. */
  namespacePriority?(sandboxId: string): MaybePromise<Record<string, number>>;
  /** Subscribes to graph changes; returns an unsubscribe function. */
  onGraphChange(listener: GraphChangeListener): () => void;
}

/** AEP's example ranking (§4.5): person identifiers above devices above cookies. Keys are lower-cased codes. */
export const DEFAULT_NAMESPACE_PRIORITY: Record<string, number> = {
  crmid: 1,
  email: 2,
  phone: 3,
  idfa: 10,
  gaid: 11,
  ecid: 20,
  aaid: 21,
};

/** Rank of a namespace (case-insensitive keys); unknown namespaces rank between person ids and devices (15). */
export function priorityOf(prio: Record<string, number>, namespace: string): number {
  const direct = prio[namespace] ?? prio[namespace.toLowerCase()];
  if (direct !== undefined) return direct;
  const lower = namespace.toLowerCase();
  for (const k in prio) if (k.toLowerCase() === lower) return prio[k]!;
  return 15;
}

/** The highest-priority identity among `ids` (ties: lexical namespace, then id) — stable. */
export function highestPriority<T extends IdentityRef>(ids: readonly T[], prio: Record<string, number>): T | undefined {
  let best: T | undefined;
  for (const r of ids) {
    if (!best) {
      best = r;
      continue;
    }
    const a = priorityOf(prio, r.namespace);
    const b = priorityOf(prio, best.namespace);
    if (a < b || (a === b && (r.namespace < best.namespace || (r.namespace === best.namespace && r.id < best.id)))) best = r;
  }
  return best;
}

/**
 * Primary identity of an ExperienceEvent when linking rules are on (§4.5): the highest-priority namespace present
 * in its identityMap; `primary=true` flags are ignored.
 */
export function eventPrimaryIdentity(
  identityMap: Record<string, Array<{ id?: unknown }>> | undefined,
  prio: Record<string, number> = DEFAULT_NAMESPACE_PRIORITY,
): IdentityRef | undefined {
  if (!identityMap) return undefined;
  const refs: IdentityRef[] = [];
  for (const [ns, arr] of Object.entries(identityMap)) {
    if (!Array.isArray(arr)) continue;
    for (const e of arr) if (typeof e?.id === 'string' && e.id !== '') refs.push({ namespace: ns, id: e.id });
  }
  return highestPriority(refs, prio);
}
