/** Shapes of the identity graph shared by the engine, the store and the service. */

export interface IdentityNode {
  xid: string;
  ns: string;
  id: string;
  type: string;
  firstSeen: number;
  lastSeen: number;
}

export interface Edge {
  a: string;
  b: string;
  firstSeen: number;
  lastSeen: number;
  datasets: string[];
  batches: string[];
  /** The record that made the link most recently. */
  lastRecord: string;
}

/** One record's identities, as the graph ingests them. */
export interface LinkObservation {
  /** `xid` when the caller already has it (saves hashing again); otherwise derived from ns and id. */
  identities: Array<{ ns: string; id: string; type: string; xid?: string }>;
  /** Event time (epoch ms): decides which link is the most recent. */
  t: number;
  dataset: string;
  batch: string;
  record: string;
}

export type HistoryOp = 'link' | 'cut' | 'evict' | 'refuse' | 'unlink';

export interface HistoryEntry {
  at: number;
  op: HistoryOp;
  a: string;
  b?: string;
  rule?: string;
  record?: string;
  dataset?: string;
  batch?: string;
  detail?: string;
}

/** The key of the link between two identities (order-free). */
export const edgeKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** A plain copy of a node (no engine internals), for answers that leave the engine. */
export const plainNode = (n: IdentityNode): IdentityNode => ({ xid: n.xid, ns: n.ns, id: n.id, type: n.type, firstSeen: n.firstSeen, lastSeen: n.lastSeen });

/** A plain copy of a link (no engine internals), for answers that leave the engine. */
export const plainEdge = (e: Edge): Edge => ({ a: e.a, b: e.b, firstSeen: e.firstSeen, lastSeen: e.lastSeen, datasets: [...e.datasets], batches: [...e.batches], lastRecord: e.lastRecord });
